"""Reference data, maintained by IT staff and loaded from ``seed/data/*.yaml``."""

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .choices import AGENCY_KIND, AUTHORITY_KIND, OUTCOME, choice_column
from .db import db
from .mixins import ReferenceMixin, TimestampMixin
from .sql import link_table, reference_column

agency_need_area = link_table("agency", "need_area")


class Municipality(ReferenceMixin, db.Model):
    """A municipality of the region; ``code`` is the official municipality key (AGS)."""


class Authority(ReferenceMixin, db.Model):
    kind: Mapped[str] = choice_column(AUTHORITY_KIND)
    municipality_id: Mapped[int | None] = reference_column("municipality")
    case_number_prefix: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)

    municipality: Mapped["Municipality | None"] = relationship()


class NeedArea(ReferenceMixin, db.Model):
    """An area of need (Handlungsfeld): residence, language, work, housing, …"""


class Agency(ReferenceMixin, db.Model):
    kind: Mapped[str] = choice_column(AGENCY_KIND)
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(200))
    accepts_referrals: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    need_areas: Mapped[list[NeedArea]] = relationship(
        secondary=agency_need_area, order_by=NeedArea.position
    )


class MeasureType(ReferenceMixin, db.Model):
    need_area_id: Mapped[int] = reference_column("need_area")
    need_area: Mapped[NeedArea] = relationship()


class ResidenceStatus(ReferenceMixin, db.Model):
    legal_reference: Mapped[str | None] = mapped_column(String(120))


class TargetGroup(ReferenceMixin, db.Model):
    """A target group of the integration work, e.g. unaccompanied minors or skilled workers."""


class AccessRoute(ReferenceMixin, db.Model):
    """How a case came in: by the client, the immigration office, the Jobcenter, a school, …"""


class ClosureReason(ReferenceMixin, db.Model):
    outcome: Mapped[str] = choice_column(OUTCOME)
    requires_evaluation: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class DocumentKind(ReferenceMixin, db.Model):
    """What a document of a case is: certificate, translation, identity document, …"""

    __tablename__ = "document_kind"


class ChecklistTemplate(ReferenceMixin, db.Model):
    """A reusable step list; without a need area it is the general process checklist."""

    need_area_id: Mapped[int | None] = reference_column("need_area")
    need_area: Mapped[NeedArea | None] = relationship()
    items: Mapped[list["ChecklistTemplateItem"]] = relationship(
        back_populates="template",
        order_by="ChecklistTemplateItem.position",
        cascade="all, delete-orphan",
    )


class ChecklistTemplateItem(TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("checklist_template.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    template: Mapped[ChecklistTemplate] = relationship(back_populates="items")

    def __str__(self) -> str:
        return self.text
