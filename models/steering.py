"""Structural issues for the steering group; no personal data."""

from datetime import date

from sqlalchemy import Date, ForeignKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .case import Case
from .choices import ISSUE_STATUS, choice_column
from .client import OwnedMixin
from .db import db
from .mixins import EditableMixin
from .privacy import gdpr
from .reference import Authority, NeedArea
from .sql import authority_index, reference_column


class StructuralIssue(OwnedMixin, EditableMixin, db.Model):
    __table_args__ = (
        # The source case, if given, must be one of the reporting authority's own cases.
        # NO ACTION: the retention purge unlinks the issue before it deletes a case, since
        # SET NULL would clear the authority as well.
        ForeignKeyConstraint(["case_id", "authority_id"], ["case.id", "case.authority_id"]),
        authority_index("structural_issue", "reported_on", "reported_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_area_id: Mapped[int | None] = reference_column("need_area", info=gdpr("not_personal"))
    case_id: Mapped[int | None] = mapped_column(index=True, info=gdpr("metadata"))
    title: Mapped[str] = mapped_column(String(200), nullable=False, info=gdpr("not_personal"))
    description: Mapped[str] = mapped_column(Text, nullable=False, info=gdpr("not_personal"))
    reported_on: Mapped[date] = mapped_column(
        Date, nullable=False, default=date.today, info=gdpr("not_personal")
    )
    status: Mapped[str] = choice_column(ISSUE_STATUS, default="reported", info=gdpr("not_personal"))
    steering_note: Mapped[str | None] = mapped_column(Text, info=gdpr("not_personal"))

    authority: Mapped[Authority] = relationship()
    need_area: Mapped[NeedArea | None] = relationship()
    case: Mapped[Case | None] = relationship(
        primaryjoin="Case.id == StructuralIssue.case_id", foreign_keys="StructuralIssue.case_id"
    )

    def __str__(self) -> str:
        return self.title
