"""The flush guard: every flush gives new rows their authority and refuses writes that
would cross the authority boundary (docs/design.md §4)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.base import NO_VALUE

from .. import Case, CaseShare, Client, StructuralIssue
from ..client import OwnedMixin
from ..mixins import AuthorMixin
from .rule import (
    OWN_OR_SHARED_CASE,
    RULES,
    SHARED_CASE_NOT_CONFIDENTIAL,
    _dialect_of,
    _valid_share_of,
)
from .scopes import Scope, ScopeError, ScopeViolation, current_scope


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
        with _dialect_of(session):
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
