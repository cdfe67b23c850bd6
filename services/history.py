"""The audit history of one record, for its details page."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from models import AuditEvent, db

HISTORY_LIMIT = 50


def history(object_type: str, object_id: int) -> list[AuditEvent]:
    """The newest audit events of a record, visible under the authority rule."""
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
        .options(joinedload(AuditEvent.user))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()
