"""Documents of a case: an uploaded file with its kind, title and date (docs/design.md §2).

The row carries what is shown; the file itself lives outside the database, named by the
SHA-256 of its content (``services/documents.py``). ``original_name`` is shown and offered
as the download's name, never used as a path. After the retention purge a row keeps its
kind, date and size for the figures, and its file and texts are gone (``sha256`` is NULL).
"""

from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .case import Case, CasePartMixin, Goal, Need, Referral, case_fk, case_relationship
from .client import HouseholdMember
from .db import db
from .mixins import EditableMixin
from .privacy import gdpr
from .reference import DocumentKind
from .sql import reference_column

# The file (named by this hash) and its title may tell of health, as a medical certificate does.
CONTENT = "Art. 9 DSGVO möglich: der Inhalt der Datei und ihr Titel (etwa ein ärztliches Attest)"


class Document(CasePartMixin, EditableMixin, db.Model):
    __tablename__ = "document"
    __table_args__ = (
        case_fk(),
        Index("ix_document_case_date", "case_id", "document_date"),
        Index("ix_document_authority_kind", "authority_id", "kind_id"),
        CheckConstraint("size >= 0", name="size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind_id: Mapped[int] = reference_column("document_kind", nullable=False, info=gdpr("documents"))
    title: Mapped[str] = mapped_column(
        String(200), nullable=False, info=gdpr("documents", art9=CONTENT)
    )
    document_date: Mapped[date | None] = mapped_column(Date, info=gdpr("documents"))
    # Like a confidential contact: never visible outside the owning authority (§ 203 StGB).
    confidential: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, index=True, info=gdpr("documents")
    )
    # Optionally the part of the case it belongs to; purging a household member unlinks it.
    need_id: Mapped[int | None] = mapped_column(
        ForeignKey("need.id", ondelete="SET NULL"), index=True, info=gdpr("metadata")
    )
    goal_id: Mapped[int | None] = mapped_column(
        ForeignKey("goal.id", ondelete="SET NULL"), index=True, info=gdpr("metadata")
    )
    referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("referral.id", ondelete="SET NULL"), index=True, info=gdpr("metadata")
    )
    household_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("household_member.id", ondelete="SET NULL"),
        index=True,
        info=gdpr("metadata"),
    )
    # The stored file: content hash (NULL once purged), size, detected type, given name.
    sha256: Mapped[str | None] = mapped_column(
        String(64), index=True, info=gdpr("documents", art9=CONTENT)
    )
    size: Mapped[int] = mapped_column(Integer, nullable=False, default=0, info=gdpr("metadata"))
    content_type: Mapped[str] = mapped_column(String(120), nullable=False, info=gdpr("metadata"))
    original_name: Mapped[str | None] = mapped_column(String(255), info=gdpr("documents"))

    case: Mapped[Case] = case_relationship("Document")
    kind: Mapped[DocumentKind] = relationship()
    need: Mapped[Need | None] = relationship()
    goal: Mapped[Goal | None] = relationship()
    referral: Mapped[Referral | None] = relationship()
    household_member: Mapped[HouseholdMember | None] = relationship()

    @property
    def part(self):
        """The need, goal, referral or household member the document belongs to, if any."""
        return self.need or self.goal or self.referral or self.household_member

    def __str__(self) -> str:
        return self.title
