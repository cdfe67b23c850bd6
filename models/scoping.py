"""The authority rule of DESIGN.md §4, in one place.

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
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass

from flask import has_request_context
from sqlalchemy import event, or_
from sqlalchemy.orm import Session, with_loader_criteria

from .case import Case, CaseShare
from .client import Client, OwnedMixin
from .mixins import AuthorMixin
from .steering import StructuralIssue

# Roles that must never reach client or case data (separation of duties, DESIGN.md §4).
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


def current_scope() -> Scope | None:
    explicit = _explicit_scope.get()
    if explicit is not None:
        return explicit
    if has_request_context():
        from flask_login import current_user

        if current_user and current_user.is_authenticated:
            return scope_for_user(current_user)
        return ANONYMOUS
    return None


def _is_scoped(mapper) -> bool:
    return issubclass(mapper.class_, OwnedMixin | CaseShare)


def _criteria(scope: Scope):
    if not scope.sees_client_data:
        # Nobody's rows: authority_id is NOT NULL, so this never matches.
        owned = with_loader_criteria(
            OwnedMixin, lambda cls: cls.authority_id.is_(None), include_aliases=True
        )
        shares = with_loader_criteria(
            CaseShare, lambda cls: cls.owner_authority_id.is_(None), include_aliases=True
        )
        if scope.role == "auditor":
            # Auditors read structural issues, which carry no personal data.
            issues = with_loader_criteria(
                StructuralIssue,
                lambda cls: cls.authority_id == scope.authority_id,
                include_aliases=True,
            )
            return owned, shares, issues
        return owned, shares
    authority_id = scope.authority_id
    return (
        with_loader_criteria(
            OwnedMixin, lambda cls: cls.authority_id == authority_id, include_aliases=True
        ),
        with_loader_criteria(
            CaseShare,
            lambda cls: or_(
                cls.owner_authority_id == authority_id, cls.authority_id == authority_id
            ),
            include_aliases=True,
        ),
    )


@event.listens_for(Session, "do_orm_execute")
def _add_authority_criteria(state):
    if not state.is_select:
        return
    if not any(_is_scoped(m) for m in state.all_mappers):
        # Relationship loads of one scoped class from another are still covered: their
        # mappers are the scoped class itself.
        return
    scope = current_scope()
    if scope is None:
        raise ScopeError("client data read outside a request without as_user() or unscoped(reason)")
    if scope.unrestricted:
        return
    state.statement = state.statement.options(*_criteria(scope))


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
        _check_writable(scope, obj)

    for obj in session.dirty:
        if not session.is_modified(obj, include_collections=False):
            continue
        if isinstance(obj, AuthorMixin) and user_id is not None:
            obj.updated_by_id = user_id
        if isinstance(obj, OwnedMixin | CaseShare):
            history = _attr_history(obj, _owner_attr(obj))
            if history.deleted and history.deleted[0] is not None:
                raise ScopeViolation("a row cannot be moved to another authority")
            _check_writable(scope, obj)

    for obj in session.deleted:
        if isinstance(obj, OwnedMixin | CaseShare):
            _check_writable(scope, obj)


def _attr_history(obj, attr):
    from sqlalchemy import inspect

    return inspect(obj).attrs[attr].history


def _check_writable(scope: Scope | None, obj) -> None:
    if scope is None:
        raise ScopeError("client data written outside a request without a declared scope")
    if scope.unrestricted:
        return
    if not scope.sees_client_data:
        raise ScopeViolation("this role writes no client data")
    if getattr(obj, _owner_attr(obj)) != scope.authority_id:
        raise ScopeViolation("the row belongs to another authority")
