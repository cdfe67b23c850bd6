"""Whose eyes a unit of work reads with: the scopes and their named contexts.

Inside a request the scope is the logged-in user's (``bind_request_scope``); outside one,
only an explicit ``as_user(user)`` or ``unscoped("reason")`` context, or the read-only
``anonymised_figures()`` (docs/design.md §4).
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass

from flask import has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

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
        from ..db import db

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


def current_scope(load_user: bool = True) -> Scope | None:
    """The scope in force. Inside a request, ``load_user`` has Flask-Login load the user
    first; without it, a request whose user is not loaded yet reads as anonymous (the
    database settings are published so, from inside a statement)."""
    explicit = _explicit_scope.get()
    if explicit is not None:
        return explicit
    if has_request_context():
        from flask import g
        from flask_login import current_user

        if load_user:
            # Loading the user (Flask-Login's user_loader) computes the request's scope
            # once, from fresh attributes: reading an expired user here would query the user
            # table and so come back to this function.
            current_user._get_current_object()
        return g.get("lotse_scope") or ANONYMOUS
    return None


def bind_request_scope(user) -> None:
    """Fix the current request's scope to ``user`` (called when the user is loaded)."""
    from flask import g

    g.lotse_scope = scope_for_user(user) if user is not None and user.is_active else None
