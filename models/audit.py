"""The append-only audit trail, and the counters behind client and case numbers."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .choices import AUDIT_ACTION, choice_column
from .db import db
from .privacy import gdpr
from .reference import Authority
from .sql import authority_index, reference_column
from .types import UTCDateTime, datetime_label, utcnow
from .user import User


class AuditEvent(db.Model):
    """Who read or changed what, and when. Rows are only ever inserted."""

    __table_args__ = (
        authority_index("audit_event", "at", "at"),
        Index("ix_audit_event_object", "object_type", "object_id"),
        Index("ix_audit_event_chain", "authority_id", "chain_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, index=True, info=gdpr("audit")
    )
    user_id: Mapped[int | None] = reference_column("user", info=gdpr("audit"))
    authority_id: Mapped[int | None] = reference_column("authority", info=gdpr("audit"))
    action: Mapped[str] = choice_column(AUDIT_ACTION, info=gdpr("audit"))
    object_type: Mapped[str | None] = mapped_column(String(60), info=gdpr("audit"))
    object_id: Mapped[int | None] = mapped_column(Integer, info=gdpr("audit"))
    changes: Mapped[dict | None] = mapped_column(
        JSON,
        info=gdpr(
            "audit", art9="Art. 9 DSGVO möglich: alte und neue Feldwerte geänderter Datensätze"
        ),
    )
    remote_addr: Mapped[str | None] = mapped_column(String(64), info=gdpr("audit"))
    # The hash chain (models/audit_chain.py): set by the database as the row is inserted.
    chain_seq: Mapped[int | None] = mapped_column(Integer, info=gdpr("audit"))
    prev_hash: Mapped[str | None] = mapped_column(String(64), info=gdpr("audit"))
    changes_hash: Mapped[str | None] = mapped_column(String(64), info=gdpr("audit"))
    row_hash: Mapped[str | None] = mapped_column(String(64), info=gdpr("audit"))

    user: Mapped[User | None] = relationship()
    authority: Mapped[Authority | None] = relationship()

    def __str__(self) -> str:
        return f"{datetime_label(self.at)} {AUDIT_ACTION.label(self.action)}"


class AuditChainHead(db.Model):
    """The last row of each audit chain (one per authority, ``chain`` 0 for rows without
    one). Written only by the insert trigger on ``audit_event``, which locks the row, so
    that two transactions recording events of one authority extend the chain one after
    the other instead of forking it."""

    __tablename__ = "audit_chain_head"

    chain: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_hash: Mapped[str | None] = mapped_column(String(64))


class NumberSequence(db.Model):
    """The last number handed out per authority, kind and year; see services.numbering."""

    authority_id: Mapped[int] = mapped_column(
        ForeignKey("authority.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
