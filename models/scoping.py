"""The authority rule of docs/design.md §4, in one place.

Every ORM read of a session runs through ``_add_authority_criteria``, which adds
``with_loader_criteria`` for the classes that hold client data. That scopes lists, counts,
``session.get``, lazy loads, relationship dropdowns, ajax lookups and exports alike, so the
views never filter by authority themselves.

Every flush runs through ``_guard_writes``, which gives new rows their authority (from their
client or case, or from the user) and refuses to move a row to another authority or to write
a row of another authority.

Which scope applies:

* inside a request, the logged-in user's (anonymous visitors see no scoped row);
* outside a request (CLI, seeding, tests), only an explicit ``as_user(user)`` or
  ``unscoped("reason")`` context. Reading scoped data with neither raises ``ScopeError``:
  there is no silent bypass.
* for the anonymised figures across authorities, the read-only ``anonymised_figures()``.
"""

from __future__ import annotations

import contextlib
import functools
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date

from flask import has_request_context
from sqlalchemy import (
    and_,
    event,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, with_loader_criteria
from sqlalchemy.orm.base import NO_VALUE
from sqlalchemy.sql import operators
from sqlalchemy.sql.util import find_tables

from .audit import AuditEvent
from .case import (
    Activity,
    Case,
    CaseChecklistItem,
    CaseConference,
    CaseShare,
    Evaluation,
    Goal,
    Measure,
    Need,
    Referral,
)
from .client import Client, Consent, HouseholdMember, OwnedMixin, consent_authority
from .mixins import AuthorMixin
from .sql import one_of
from .steering import StructuralIssue
from .user import User

# Roles that must never reach client or case data (separation of duties, docs/design.md §4).
ROLES_WITHOUT_CLIENT_DATA = frozenset({"it_admin", "auditor"})


class ScopeError(RuntimeError):
    """Scoped data was read or written without a declared scope."""


class ScopeViolation(PermissionError):
    """A write would cross the authority boundary; the request answers 403/404."""


@dataclass(frozen=True)
class Scope:
    """Whose eyes a unit of work reads with. ``authority_id=None`` with ``unrestricted``
    set means the explicit, named bypass used by the CLI and seeding."""

    authority_id: int | None
    user_id: int | None = None
    role: str | None = None
    unrestricted: bool = False
    reason: str = ""

    @property
    def sees_client_data(self) -> bool:
        return self.unrestricted or (
            self.authority_id is not None and self.role not in ROLES_WITHOUT_CLIENT_DATA
        )


ANONYMOUS = Scope(authority_id=None, reason="anonymous")
_explicit_scope: ContextVar[Scope | None] = ContextVar("lotse_scope", default=None)


def scope_for_user(user) -> Scope:
    return Scope(authority_id=user.authority_id, user_id=user.id, role=user.role)


@contextlib.contextmanager
def as_user(user):
    """Read and write with ``user``'s eyes outside a request (CLI, tests)."""
    token = _explicit_scope.set(scope_for_user(user))
    try:
        yield
    finally:
        _explicit_scope.reset(token)


@contextlib.contextmanager
def unscoped(reason: str):
    """Explicitly see every authority's rows, e.g. for seeding or the retention purge."""
    if not reason:
        raise ValueError("an unscoped context needs a reason")
    token = _explicit_scope.set(Scope(authority_id=None, unrestricted=True, reason=reason))
    try:
        yield
    finally:
        _explicit_scope.reset(token)


ANONYMISED_FIGURES = "steering: anonymised totals across authorities (aggregates only)"
_anonymised_figures: ContextVar[bool] = ContextVar("lotse_anonymised_figures", default=False)


class ReadOnlyViolation(ScopeError):
    """Something tried to write inside ``anonymised_figures()``."""


@contextlib.contextmanager
def anonymised_figures(session: Session | None = None):
    """Read every authority's rows for the anonymised figures across authorities (the
    team lead's totals of docs/design.md §4, "dashboard"), and nothing else.

    A named ``unscoped`` context that is read-only: inside it the session refuses to flush
    and to run anything but a SELECT, so no write can cross the authority boundary through
    it. Only the steering figures (``services.statistics``) read inside it, and what they
    return are aggregates, protected against small numbers before they are shown.
    """
    if session is None:
        from .db import db

        session = db.session
    if session.new or session.dirty or session.deleted:
        raise ReadOnlyViolation("anonymised figures are read with no unsaved changes pending")
    token = _anonymised_figures.set(True)
    try:
        with unscoped(ANONYMISED_FIGURES), session.no_autoflush:
            yield
    finally:
        _anonymised_figures.reset(token)


def reading_anonymised_figures() -> bool:
    """Whether the current unit of work is inside ``anonymised_figures()``."""
    scope = current_scope()
    return _anonymised_figures.get() and scope is not None and scope.unrestricted


@event.listens_for(Session, "before_flush")
def _refuse_flush_of_figures(session, flush_context, instances):
    if _anonymised_figures.get():
        raise ReadOnlyViolation("anonymised_figures() is read-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_writes_of_figures(state):
    if _anonymised_figures.get() and not state.is_select:
        raise ReadOnlyViolation("anonymised_figures() runs SELECT statements only")


def current_scope() -> Scope | None:
    explicit = _explicit_scope.get()
    if explicit is not None:
        return explicit
    if has_request_context():
        from flask import g
        from flask_login import current_user

        # Loading the user (Flask-Login's user_loader) computes the request's scope once,
        # from fresh attributes: reading an expired user here would query the user table
        # and so come back to this function.
        current_user._get_current_object()
        return g.get("lotse_scope") or ANONYMOUS
    return None


def bind_request_scope(user) -> None:
    """Fix the current request's scope to ``user`` (called when the user is loaded)."""
    from flask import g

    g.lotse_scope = scope_for_user(user) if user is not None and user.is_active else None


@functools.cache
def scoped_tables() -> frozenset[str]:
    """The tables whose rows the authority rule filters."""
    classes = [*RULES, CaseShare, AuditEvent, User]
    return frozenset(cls.__tablename__ for cls in classes)


def _valid_share_of(authority_id: int, today: date, access: tuple[str, ...] = ("read", "write")):
    """Core condition for case shares with ``authority_id`` that are in force ``today``.

    A share is in force while it is not revoked and its consent is given, not withdrawn,
    not expired and still names the receiving authority (docs/design.md §4). Written against the
    tables, not the classes, so the authority rule does not apply to itself.
    """
    share, consent, recipients = CaseShare.__table__, Consent.__table__, consent_authority
    return (
        select(share.c.case_id)
        .join(consent, consent.c.id == share.c.consent_id)
        .where(
            share.c.authority_id == authority_id,
            share.c.access.in_(access),
            share.c.revoked_on.is_(None),
            consent.c.given_on <= today,
            or_(consent.c.withdrawn_on.is_(None), consent.c.withdrawn_on > today),
            or_(consent.c.valid_until.is_(None), consent.c.valid_until >= today),
            exists().where(
                recipients.c.consent_id == consent.c.id,
                recipients.c.authority_id == authority_id,
            ),
        )
    )


def _shared_client_ids(authority_id: int, today: date):
    case = Case.__table__
    return select(case.c.client_id).where(
        one_of(case.c.id, _valid_share_of(authority_id, today), _dialect.get())
    )


# The dialect of the statement being scoped; set by the ORM hook for ``_criteria``.
_dialect: ContextVar[str | None] = ContextVar("lotse_scope_dialect", default=None)


# How each class holding client data is scoped. Every OwnedMixin class must appear here;
# a test fails when one is missing.
OWN = "own"  # the owning authority only
OWN_OR_SHARED_CASE = "own_or_shared_case"  # plus the parts of cases shared with the authority
SHARED_CASE_NOT_CONFIDENTIAL = "shared_case_not_confidential"
OWN_OR_SHARED_CLIENT = "own_or_shared_client"  # master data of clients of shared cases
SHARED_CASE = "shared_case"  # the case itself, by id
STEERING = "steering"  # structural issues: own, or all for team leads and auditors

RULES: dict[type, str] = {
    Client: OWN_OR_SHARED_CLIENT,
    HouseholdMember: OWN,
    Consent: OWN,
    Case: SHARED_CASE,
    Need: OWN_OR_SHARED_CASE,
    Goal: OWN_OR_SHARED_CASE,
    Measure: OWN_OR_SHARED_CASE,
    Referral: OWN_OR_SHARED_CASE,
    CaseConference: OWN_OR_SHARED_CASE,
    CaseChecklistItem: OWN_OR_SHARED_CASE,
    Evaluation: OWN_OR_SHARED_CASE,
    Activity: SHARED_CASE_NOT_CONFIDENTIAL,
    StructuralIssue: STEERING,
}
# Roles that read every authority's structural issues (docs/design.md §4).
STEERING_READERS = frozenset({"team_lead", "auditor"})

# The two disjoint parts of what a class's rule admits: the own authority's rows, and the
# rows of other authorities that a share admits. ``visible_count`` counts them apart.
ALL, OWN_PART, SHARED_PART = "all", "own", "shared"


def _shared(cls, rule: str, scope: Scope, today: date):
    """The rows of other authorities that ``rule`` admits, or None if it admits none."""
    authority_id, dialect = scope.authority_id, _dialect.get()
    if rule == OWN_OR_SHARED_CLIENT:
        return one_of(cls.id, _shared_client_ids(authority_id, today), dialect)
    if rule == SHARED_CASE:
        return one_of(cls.id, _valid_share_of(authority_id, today), dialect)
    if rule == OWN_OR_SHARED_CASE:
        return one_of(cls.case_id, _valid_share_of(authority_id, today), dialect)
    if rule == SHARED_CASE_NOT_CONFIDENTIAL:
        # Counselling notes never leave the owning authority (§ 203 StGB).
        return and_(
            cls.confidential.is_(False),
            one_of(cls.case_id, _valid_share_of(authority_id, today), dialect),
        )
    if rule == OWN:
        return None
    raise ScopeError(f"unknown scoping rule {rule!r}")


def _condition(cls, rule: str, scope: Scope, today: date, part: str = ALL):
    if rule == STEERING:
        if part == SHARED_PART:
            return false()
        return true() if scope.role in STEERING_READERS else cls.authority_id == scope.authority_id
    own = cls.authority_id == scope.authority_id
    shared = _shared(cls, rule, scope, today)
    if part == OWN_PART:
        return own
    if part == SHARED_PART:
        return false() if shared is None else and_(cls.authority_id != scope.authority_id, shared)
    return own if shared is None else or_(own, shared)


@functools.lru_cache(maxsize=1024)
def _part_condition(cls, rule: str, scope: Scope, today: date, part: str, dialect: str | None):
    """``_condition`` of one part, built once per scope, day and dialect."""
    token = _dialect.set(dialect)
    try:
        return _condition(cls, rule, scope, today, part)
    finally:
        _dialect.reset(token)


def _criteria(scope: Scope, by_hand: type | None = None) -> tuple:
    """The loader criteria of ``scope``; ``by_hand`` is a class whose conditions the
    statement already carries (``visible_count``), in each place it reads the class."""
    return _criteria_on(scope, by_hand, date.today(), _dialect.get())


@functools.lru_cache(maxsize=1024)
def _criteria_on(scope: Scope, by_hand: type | None, today: date, dialect: str | None) -> tuple:
    # Built once per scope and day: SQL expressions are immutable, and building the share
    # subqueries for every class took longer than running a list page's SQL.
    token = _dialect.set(dialect)
    try:
        return tuple(_build_criteria(scope, by_hand, today))
    finally:
        _dialect.reset(token)


def _build_criteria(scope: Scope, by_hand: type | None, today: date) -> list:
    options = []
    for cls, rule in RULES.items():
        if cls is by_hand and scope.sees_client_data:
            continue
        if not scope.sees_client_data:
            if rule == STEERING and scope.role == "auditor":
                condition = true()  # structural issues carry no personal data
            else:
                condition = cls.authority_id.is_(None)  # NOT NULL: matches nothing
        else:
            condition = _condition(cls, rule, scope, today)
        options.append(with_loader_criteria(cls, condition, include_aliases=True))
    if scope.sees_client_data:
        shares = or_(
            CaseShare.owner_authority_id == scope.authority_id,
            CaseShare.authority_id == scope.authority_id,
        )
    else:
        shares = CaseShare.owner_authority_id.is_(None)
    options.append(with_loader_criteria(CaseShare, shares, include_aliases=True))
    # The audit trail: each authority reads its own events only.
    trail = (
        AuditEvent.authority_id == scope.authority_id
        if scope.authority_id is not None
        else AuditEvent.id.is_(None)
    )
    options.append(with_loader_criteria(AuditEvent, trail, include_aliases=True))
    # Staff accounts: IT admins manage every authority's; everyone else sees colleagues.
    if scope.role == "it_admin":
        staff = true()
    elif scope.authority_id is not None:
        staff = User.authority_id == scope.authority_id
    else:
        staff = User.id.is_(None)
    options.append(with_loader_criteria(User, staff, include_aliases=True))
    return options


@event.listens_for(Session, "do_orm_execute")
def _add_authority_criteria(state):
    if not state.is_select:
        return
    # Decided by the tables the statement reads, joins and counts included: counting
    # rows (select(func.count()).select_from(Client)) names no mapper, but must be scoped.
    found = find_tables(state.statement, include_aliases=True, include_joins=True)
    tables = {t.name for t in found if hasattr(t, "name")}
    if not tables & scoped_tables():
        return
    scope = current_scope()
    if scope is None:
        raise ScopeError("client data read outside a request without as_user() or unscoped(reason)")
    if scope.unrestricted:
        return
    token = _dialect.set(state.session.get_bind().dialect.name)
    try:
        by_hand = state.execution_options.get("lotse_scoped_by_hand")
        state.statement = state.statement.options(*_criteria(scope, by_hand))
    finally:
        _dialect.reset(token)


def reads_every_authoritys_issues() -> bool:
    """Whether the current scope reads the structural issues of every authority (the
    ``steering`` rule), so that figures about them can say whose they are."""
    scope = current_scope()
    return scope is not None and (scope.unrestricted or scope.role in STEERING_READERS)


def is_own(row) -> bool:
    """Whether the current scope's authority owns ``row``.

    For what a rule lets other authorities read but only the owner change or hand out:
    structural issues (read by every team lead, changed by the reporting authority) and a
    client's subject access export (only the owning authority answers it).
    """
    scope = current_scope()
    if scope is None:
        return False
    return scope.unrestricted or (
        scope.authority_id is not None and row.authority_id == scope.authority_id
    )


def owned_by(authority_id: int, *classes):
    """The rows of ``classes`` that ``authority_id`` owns: the own part of the rule.

    For pages that list only the own authority's work (the follow-ups), so that each
    class's authority-led index can lead the plan. The rule itself still applies on top.
    """
    return and_(*(cls.authority_id == authority_id for cls in classes))


def _parts(model, statement):
    """``statement`` narrowed to the own and to the shared part of ``model``'s rule, or None
    when the current scope gives ``model`` no shared part (then the rule is one condition
    that the indexes serve as it is)."""
    scope = current_scope()
    if (
        model not in RULES
        or scope is None
        or scope.unrestricted
        or not scope.sees_client_data
        or RULES[model] in (OWN, STEERING)
    ):
        return None
    today, rule = date.today(), RULES[model]
    return tuple(
        statement.where(_part_condition(model, rule, scope, today, part, _dialect.get()))
        for part in (OWN_PART, SHARED_PART)
    )


@contextlib.contextmanager
def _dialect_of(session: Session):
    token = _dialect.set(session.get_bind().dialect.name)
    try:
        yield
    finally:
        _dialect.reset(token)


def visible_count(session: Session, statement, model, limit: int | None = None) -> int:
    """How many rows of ``model`` the ``statement`` finds under the current scope.

    ``statement`` selects from ``model`` (with any joins and filters); its columns do not
    matter. The own authority's rows and the shared rows of other authorities are disjoint,
    so they are counted apart and added, in one statement: the own part is a plain
    ``authority_id = :a`` count that the authority-led indexes answer without reading the
    table, where one count of ``authority_id = :a OR id IN (shares)`` must visit every row
    it counts.

    With ``limit``, each part stops counting past ``limit`` rows, so a result above
    ``limit`` means "more than ``limit``" and costs no more than ``limit`` index entries.
    """

    def counted(rows):
        if limit is not None:
            rows = rows.limit(limit + 1)
        return select(func.count()).select_from(rows.subquery()).scalar_subquery()

    rows = statement.with_only_columns(literal_column("1"), maintain_column_froms=True)
    with _dialect_of(session):
        parts = _parts(model, rows)
        if parts is None:
            return session.execute(select(counted(rows))).scalar_one()
        own, shared = parts
        total = select(counted(own) + counted(shared))
    # Each part names its half of ``model``'s rule itself, so the hook leaves ``model`` to
    # them and scopes every other class as usual.
    return session.execute(total.execution_options(lotse_scoped_by_hand=model)).scalar_one()


def visible_page(session: Session, ordered, model, offset: int, limit: int):
    """A condition that admits the rows ``offset`` to ``offset + limit`` of ``ordered``
    (a statement of ``model`` with its joins, filters and ORDER BY) under the current
    scope, and the execution options a statement using it needs; None if ``model``'s rule
    is one condition that the indexes serve as it is.

    The visible rows up to ``offset + limit`` are among as many own rows and as many
    shared rows, and each part is read in order from an authority-led index
    (``authority_id, opened_on``, say). The page is picked from those few ids, so the
    statement that loads the page reads ``limit`` rows, instead of walking a sort index of
    the whole table and filtering by authority (``authority_id = :a OR id IN (shares)``
    cannot use the authority-led indexes for the order).
    """
    keys = []
    for clause in ordered._order_by_clauses:
        descending = getattr(clause, "modifier", None) is operators.desc_op
        keys.append((getattr(clause, "element", clause), descending))
    columns = [model.id.label("id"), *(key.label(f"k{i}") for i, (key, _d) in enumerate(keys))]
    ranked = ordered.with_only_columns(*columns, maintain_column_froms=True).order_by(None)
    ranked = ranked.order_by(*(key.desc() if d else key.asc() for key, d in keys))
    with _dialect_of(session):
        parts = _parts(model, ranked)
    if parts is None:
        return None
    candidates = union_all(
        *(select(part.limit(offset + limit).subquery()) for part in parts)
    ).subquery()
    page = (
        select(candidates.c.id)
        .order_by(
            *(
                candidates.c[f"k{i}"].desc() if d else candidates.c[f"k{i}"].asc()
                for i, (_key, d) in enumerate(keys)
            )
        )
        .offset(offset)
        .limit(limit)
    )
    return model.id.in_(page), {"lotse_scoped_by_hand": model}


def _parent_authority(session: Session, obj) -> int | None:
    """The authority a new row inherits from its client or case, if it has one."""
    for rel, model in (("case", Case), ("client", Client)):
        if not hasattr(type(obj), f"{rel}_id") or isinstance(obj, model):
            continue
        parent = getattr(obj, rel, None)
        if parent is None:
            parent_id = getattr(obj, f"{rel}_id", None)
            parent = session.get(model, parent_id) if parent_id is not None else None
            if parent is None and parent_id is not None:
                # Not visible under the current scope: treat like a row that does not exist.
                raise ScopeViolation(f"{rel} {parent_id} is not visible")
        if parent is not None:
            return parent.authority_id
    return None


def _owner_attr(obj) -> str:
    return getattr(type(obj), "__scope_owner__", "authority_id")


@event.listens_for(Session, "before_flush")
def _guard_writes(session: Session, flush_context, instances):
    scope = current_scope()
    user_id = scope.user_id if scope else None

    for obj in session.new:
        if isinstance(obj, AuthorMixin) and user_id is not None:
            obj.created_by_id = obj.created_by_id or user_id
            obj.updated_by_id = user_id
        if not isinstance(obj, OwnedMixin | CaseShare):
            continue
        owner = _owner_attr(obj)
        inherited = _parent_authority(session, obj)
        if getattr(obj, owner) is None:
            own = scope.authority_id if scope and not scope.unrestricted else None
            setattr(obj, owner, inherited if inherited is not None else own)
        elif inherited is not None and getattr(obj, owner) != inherited:
            raise ScopeViolation("a row cannot belong to another authority than its parent")
        _check_writable(session, scope, obj)
        _check_references(obj)

    for obj in session.dirty:
        if not session.is_modified(obj, include_collections=False):
            continue
        if isinstance(obj, AuthorMixin) and user_id is not None:
            obj.updated_by_id = user_id
        if isinstance(obj, OwnedMixin | CaseShare):
            history = _attr_history(obj, _owner_attr(obj))
            if history.deleted and history.deleted[0] is not None:
                raise ScopeViolation("a row cannot be moved to another authority")
            _check_writable(session, scope, obj)
            _check_references(obj)

    for obj in session.deleted:
        if isinstance(obj, OwnedMixin | CaseShare):
            _check_writable(session, scope, obj)


def _attr_history(obj, attr):
    return sa_inspect(obj).attrs[attr].history


def _check_writable(session: Session, scope: Scope | None, obj) -> None:
    if scope is None:
        raise ScopeError("client data written outside a request without a declared scope")
    if scope.unrestricted:
        return
    if not scope.sees_client_data:
        raise ScopeViolation("this role writes no client data")
    if getattr(obj, _owner_attr(obj)) == scope.authority_id:
        return
    # Another authority's row: only parts of a case shared for writing (docs/design.md §4). The
    # case itself, its client's master data and the shares stay with the owner.
    if RULES.get(type(obj)) in (OWN_OR_SHARED_CASE, SHARED_CASE_NOT_CONFIDENTIAL):
        writable = _valid_share_of(scope.authority_id, date.today(), access=("write",))
        case_id = obj.case.id if getattr(obj, "case", None) is not None else obj.case_id
        with session.no_autoflush:
            if case_id in session.execute(writable).scalars().all():
                return
    raise ScopeViolation("the row belongs to another authority")


def _check_references(obj) -> None:
    """Refuse to attach a row of another authority (a forged id in a form, say)."""
    owner = getattr(obj, _owner_attr(obj))
    for relationship in sa_inspect(type(obj)).relationships:
        if relationship.direction.name != "MANYTOONE":
            continue
        target = relationship.mapper.class_
        if not issubclass(target, OwnedMixin) or target is StructuralIssue:
            continue
        related = sa_inspect(obj).attrs[relationship.key].loaded_value
        if related is None or related is NO_VALUE:
            continue
        if related.authority_id != owner:
            raise ScopeViolation(f"{relationship.key} belongs to another authority")
