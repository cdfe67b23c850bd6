"""Columns that many tables share: timestamps, who changed it, versions, archive, codes."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .privacy import gdpr
from .types import UTCDateTime, utcnow

METADATA = gdpr("metadata")


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, nullable=False, info=METADATA
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False, info=METADATA
    )


class AuthorMixin:
    """Who created and last changed a row; filled in by the session from the current user."""

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(
            ForeignKey("user.id", ondelete="SET NULL", use_alter=True), index=True, info=METADATA
        )

    @declared_attr
    def updated_by_id(cls) -> Mapped[int | None]:
        return mapped_column(
            ForeignKey("user.id", ondelete="SET NULL", use_alter=True), index=True, info=METADATA
        )


class VersionMixin:
    """Optimistic locking: every UPDATE checks and bumps the version."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, info=METADATA)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.version}


class ArchiveMixin:
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True, info=METADATA)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class EditableMixin(TimestampMixin, AuthorMixin, VersionMixin, ArchiveMixin):
    """Everything a record that users edit carries (docs/design.md §2)."""


class ReferenceMixin(TimestampMixin, AuthorMixin, VersionMixin):
    """Reference data: identified by a stable code, deactivated instead of deleted."""

    # First in each table, as the id is in every other table.
    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0, index=True)

    def __str__(self) -> str:
        return self.name
