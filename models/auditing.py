"""The audit trail: every change is recorded in the same transaction as the change itself.

An ``after_flush`` hook turns the session's new, changed and deleted rows into audit rows and
inserts them on the flush's own connection, so a rollback takes them along. Reads, logins,
denials and exports are recorded by ``record()``.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal

from flask import has_request_context, request
from sqlalchemy import event, insert
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from .audit import AuditChainHead, AuditEvent, NumberSequence
from .case import CaseShare
from .db import db
from .scoping import current_scope
from .types import utcnow
from .user import RecoveryCode

# Columns whose values never enter the trail, and bookkeeping that says nothing new.
NOT_RECORDED = frozenset(
    {
        "version",
        "updated_at",
        "created_at",
        "updated_by_id",
        "created_by_id",
        # login bookkeeping; logins and failures have audit events of their own
        "last_login_at",
        "failed_logins",
        "locked_until",
        "totp_last_step",  # moves with every code; the login event records the login
    }
)
# Recovery codes are hashes; their enrolment and use have audit events of their own.
UNAUDITED = (AuditEvent, AuditChainHead, NumberSequence, RecoveryCode)


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _is_secret(column) -> bool:
    return bool(column.info.get("secret"))


def _changes(obj, created: bool) -> dict:
    state = sa_inspect(obj)
    changes = {}
    for attr in state.mapper.column_attrs:
        column = attr.columns[0]
        if attr.key in NOT_RECORDED:
            continue
        history = state.attrs[attr.key].history
        if created:
            value = getattr(obj, attr.key)
            if value is None or attr.key == "id":
                continue
            changes[attr.key] = [None, "***" if _is_secret(column) else _plain(value)]
        elif history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old == new:
                continue
            if _is_secret(column):
                changes[attr.key] = ["***", "***"]
            else:
                changes[attr.key] = [_plain(old), _plain(new)]
    return changes


def _action(obj, created: bool, changes: dict) -> str:
    if isinstance(obj, CaseShare):
        if created:
            return "share"
        if "revoked_on" in changes and changes["revoked_on"][1] is not None:
            return "unshare"
    if created:
        return "create"
    if "archived_at" in changes and changes["archived_at"][0] is None:
        return "archive"
    return "update"


def _context() -> dict:
    scope = current_scope()
    user_id = scope.user_id if scope else None
    authority_id = scope.authority_id if scope else None
    remote = request.remote_addr if has_request_context() else None
    return {"user_id": user_id, "authority_id": authority_id, "remote_addr": remote}


def _owner(obj, fallback):
    owner = getattr(obj, "owner_authority_id", None) or getattr(obj, "authority_id", None)
    return owner or fallback


_changes_unrecorded: ContextVar[bool] = ContextVar("lotse_changes_unrecorded", default=False)


@contextlib.contextmanager
def changes_unrecorded():
    """Skip field-by-field change rows; only the retention purge uses this, and it records
    an event with its counts instead."""
    token = _changes_unrecorded.set(True)
    try:
        yield
    finally:
        _changes_unrecorded.reset(token)


@event.listens_for(Session, "after_flush")
def _record_changes(session: Session, flush_context):
    if _changes_unrecorded.get():
        return
    context = _context()
    now = utcnow()
    rows = []

    def add(obj, action, changes):
        rows.append(
            {
                **context,
                "authority_id": _owner(obj, context["authority_id"]),
                "at": now,
                "action": action,
                "object_type": type(obj).__tablename__,
                "object_id": obj.id,
                "changes": changes,
            }
        )

    for obj in session.new:
        if not isinstance(obj, UNAUDITED):
            changes = _changes(obj, created=True)
            add(obj, _action(obj, True, changes), changes)
    for obj in session.dirty:
        if isinstance(obj, UNAUDITED):
            continue
        changes = _changes(obj, created=False)
        if changes:
            add(obj, _action(obj, False, changes), changes)
    for obj in session.deleted:
        if not isinstance(obj, UNAUDITED):
            add(obj, "delete", None)
    if rows:
        session.connection().execute(insert(AuditEvent.__table__), rows)


def record(
    action: str,
    object_type: str | None = None,
    object_id: int | None = None,
    changes: dict | None = None,
    *,
    user_id: int | None = None,
    authority_id: int | None = None,
) -> None:
    """Record a read, login, denial or export in the current transaction."""
    context = _context()
    db.session.execute(
        insert(AuditEvent.__table__).values(
            at=utcnow(),
            action=action,
            object_type=object_type,
            object_id=object_id,
            changes=changes,
            user_id=user_id if user_id is not None else context["user_id"],
            authority_id=authority_id if authority_id is not None else context["authority_id"],
            remote_addr=context["remote_addr"],
        )
    )
