"""The rule itself: how each class holding client data is scoped, and the ORM hook that
adds the rule's loader criteria to every read (docs/design.md §4)."""

from __future__ import annotations

import contextlib
import functools
from contextvars import ContextVar
from datetime import date

from sqlalchemy import Text, and_, cast, event, exists, false, func, or_, select, true
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, with_loader_criteria
from sqlalchemy.sql.util import find_tables

# The classes, named as ``models`` exports them; it imports this package after them.
import models

from ..client import consent_authority
from ..sql import one_of
from .scopes import Scope, ScopeError, current_scope


@functools.cache
def scoped_tables() -> frozenset[str]:
    """The tables whose rows the authority rule filters."""
    classes = [*RULES, models.CaseShare, models.AuditEvent, models.User]
    return frozenset(cls.__tablename__ for cls in classes)


def _valid_share_of(authority_id: int, today: date, access: tuple[str, ...] = ("read", "write")):
    """Core condition for case shares with ``authority_id`` that are in force ``today``.

    A share is in force while it is not revoked and its consent is given, not withdrawn,
    not expired and still names the receiving authority (docs/design.md §4). Written against the
    tables, not the classes, so the authority rule does not apply to itself.

    On PostgreSQL the database judges it, with the function its row-level security policies
    use (migration 0009), for the authority and day that the transaction's settings name:
    those of the scope being applied (``database``). The consent belongs to the sharing
    authority, and only that function reads it past the policies.
    """
    if _dialect.get() == "postgresql":
        accesses = cast(postgresql.array(list(access)), postgresql.ARRAY(Text))
        return select(func.unnest(func.lotse_shared_case_ids(accesses)))
    share, consent = models.CaseShare.__table__, models.Consent.__table__
    recipients = consent_authority
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
    case = models.Case.__table__
    return select(case.c.client_id).where(
        one_of(case.c.id, _valid_share_of(authority_id, today), _dialect.get())
    )


# The dialect of the statement being scoped; set by the ORM hook for ``_criteria``.
_dialect: ContextVar[str | None] = ContextVar("lotse_scope_dialect", default=None)


@contextlib.contextmanager
def _dialect_of(session: Session):
    """Scope the statements of ``session`` for its database's dialect."""
    token = _dialect.set(session.get_bind().dialect.name)
    try:
        yield
    finally:
        _dialect.reset(token)


# How each class holding client data is scoped. Every OwnedMixin class must appear here;
# a test fails when one is missing.
OWN = "own"  # the owning authority only
OWN_OR_SHARED_CASE = "own_or_shared_case"  # plus the parts of cases shared with the authority
SHARED_CASE_NOT_CONFIDENTIAL = "shared_case_not_confidential"
OWN_OR_SHARED_CLIENT = "own_or_shared_client"  # master data of clients of shared cases
SHARED_CASE = "shared_case"  # the case itself, by id
STEERING = "steering"  # structural issues: own, or all for team leads and auditors

RULES: dict[type, str] = {
    models.Client: OWN_OR_SHARED_CLIENT,
    models.HouseholdMember: OWN,
    models.Consent: OWN,
    models.Case: SHARED_CASE,
    models.Need: OWN_OR_SHARED_CASE,
    models.Goal: OWN_OR_SHARED_CASE,
    models.Measure: OWN_OR_SHARED_CASE,
    models.Referral: OWN_OR_SHARED_CASE,
    models.CaseConference: OWN_OR_SHARED_CASE,
    models.CaseChecklistItem: OWN_OR_SHARED_CASE,
    models.Evaluation: OWN_OR_SHARED_CASE,
    models.Activity: SHARED_CASE_NOT_CONFIDENTIAL,
    models.Document: SHARED_CASE_NOT_CONFIDENTIAL,
    models.StructuralIssue: STEERING,
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
            models.CaseShare.owner_authority_id == scope.authority_id,
            models.CaseShare.authority_id == scope.authority_id,
        )
    else:
        shares = models.CaseShare.owner_authority_id.is_(None)
    options.append(with_loader_criteria(models.CaseShare, shares, include_aliases=True))
    # The audit trail: each authority reads its own events only.
    trail = (
        models.AuditEvent.authority_id == scope.authority_id
        if scope.authority_id is not None
        else models.AuditEvent.id.is_(None)
    )
    options.append(with_loader_criteria(models.AuditEvent, trail, include_aliases=True))
    # Staff accounts: IT admins manage every authority's; everyone else sees colleagues.
    if scope.role == "it_admin":
        staff = true()
    elif scope.authority_id is not None:
        staff = models.User.authority_id == scope.authority_id
    else:
        staff = models.User.id.is_(None)
    options.append(with_loader_criteria(models.User, staff, include_aliases=True))
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
    with _dialect_of(state.session):
        by_hand = state.execution_options.get("lotse_scoped_by_hand")
        state.statement = state.statement.options(*_criteria(scope, by_hand))
