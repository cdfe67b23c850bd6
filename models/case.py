"""Cases and their parts. Every part carries its case's authority, guarded by a composite FK."""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .choices import (
    ACTIVITY_KIND,
    CASE_STATUS,
    EFFORT_ASSESSMENT,
    GOAL_STATUS,
    MEASURE_RESPONSIBLE,
    MEASURE_STATUS,
    PRIORITY,
    REFERRAL_STATUS,
    SHARE_ACCESS,
    choice_column,
)
from .client import Client, Consent, OwnedMixin
from .db import db
from .mixins import METADATA, EditableMixin
from .privacy import COUNSELLING, FREE_TEXT, HEALTH_AREA, gdpr
from .reference import (
    AccessRoute,
    Agency,
    Authority,
    ChecklistTemplateItem,
    ClosureReason,
    MeasureType,
    NeedArea,
)
from .sql import LIVE, authority_index, figures_index, link_table, reference_column, trigram_index
from .types import UTCDateTime, date_label
from .user import User

OPEN_STATUSES = ("intake", "planning", "active", "on_hold", "evaluation")
FINAL_GOAL_STATUSES = ("achieved", "partly_achieved", "not_achieved", "dropped")


class Case(OwnedMixin, EditableMixin, db.Model):
    __table_args__ = (
        UniqueConstraint("authority_id", "number"),
        UniqueConstraint("id", "authority_id"),
        ForeignKeyConstraint(
            ["client_id", "authority_id"], ["client.id", "client.authority_id"], ondelete="CASCADE"
        ),
        authority_index("case", "opened_on", "opened_on"),
        authority_index("case", "status_opened_on", "status", "opened_on"),
        authority_index("case", "caseworker", "caseworker_id", "status"),
        # The steering figures (services/statistics/): covering and partial, so that the
        # figures are read from the indexes alone.
        figures_index(
            "case",
            "id",
            name="open",
            include=("status", "opened_on", "client_id", "caseworker_id"),
            where=f"{LIVE} AND status IN ('intake', 'planning', 'active', 'on_hold', 'evaluation')",
        ),
        figures_index(
            "case",
            "closed_on",
            name="closed",
            include=(
                "id",
                "opened_on",
                "intake_on",
                "closure_reason_id",
                "client_id",
                "caseworker_id",
            ),
            where=f"{LIVE} AND status = 'closed'",
        ),
        figures_index("case", "opened_on", name="opened", include=("id",)),
        trigram_index("case", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(nullable=False, index=True, info=gdpr("metadata"))
    number: Mapped[str] = mapped_column(String(40), nullable=False, info=gdpr("casework"))
    status: Mapped[str] = choice_column(CASE_STATUS, default="intake", info=gdpr("casework"))
    caseworker_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, info=gdpr("casework")
    )
    access_route_id: Mapped[int | None] = reference_column("access_route", info=gdpr("casework"))
    opened_on: Mapped[date] = mapped_column(
        Date, nullable=False, default=date.today, index=True, info=gdpr("casework")
    )
    intake_on: Mapped[date | None] = mapped_column(Date, info=gdpr("casework"))
    intake_summary: Mapped[str | None] = mapped_column(Text, info=gdpr("free_text", art9=FREE_TEXT))
    closed_on: Mapped[date | None] = mapped_column(Date, index=True, info=gdpr("casework"))
    closure_reason_id: Mapped[int | None] = reference_column(
        "closure_reason", info=gdpr("casework")
    )
    closure_note: Mapped[str | None] = mapped_column(Text, info=gdpr("free_text", art9=FREE_TEXT))

    authority: Mapped[Authority] = relationship(foreign_keys="Case.authority_id")
    client: Mapped[Client] = relationship(
        primaryjoin="Client.id == Case.client_id", foreign_keys="Case.client_id"
    )
    caseworker: Mapped[User | None] = relationship(foreign_keys="Case.caseworker_id")
    access_route: Mapped[AccessRoute | None] = relationship()
    closure_reason: Mapped[ClosureReason | None] = relationship()

    needs: Mapped[list["Need"]] = relationship(
        back_populates="case", primaryjoin="Case.id == Need.case_id", foreign_keys="Need.case_id"
    )
    goals: Mapped[list["Goal"]] = relationship(
        back_populates="case", primaryjoin="Case.id == Goal.case_id", foreign_keys="Goal.case_id"
    )
    # Read with the case on its case file (services/casefile.py); written through CaseShare.
    shares: Mapped[list["CaseShare"]] = relationship(
        primaryjoin="Case.id == CaseShare.case_id",
        foreign_keys="CaseShare.case_id",
        viewonly=True,
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __str__(self) -> str:
        return self.number


class CasePartMixin(OwnedMixin):
    """A row that belongs to a case and, through it, to the case's authority."""

    case_id: Mapped[int] = mapped_column(nullable=False, index=True, info=METADATA)


def case_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["case_id", "authority_id"], ["case.id", "case.authority_id"], ondelete="CASCADE"
    )


def case_relationship(cls_name: str, **kw):
    return relationship(
        "Case",
        primaryjoin=f"Case.id == {cls_name}.case_id",
        foreign_keys=f"{cls_name}.case_id",
        **kw,
    )


class Need(CasePartMixin, EditableMixin, db.Model):
    __table_args__ = (
        case_fk(),
        UniqueConstraint("case_id", "need_area_id"),
        authority_index("need", "need_area", "need_area_id"),
        figures_index("need", "case_id", "need_area_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_area_id: Mapped[int] = reference_column(
        "need_area", info=gdpr("casework", art9=HEALTH_AREA)
    )
    description: Mapped[str | None] = mapped_column(Text, info=gdpr("free_text", art9=FREE_TEXT))
    priority: Mapped[str] = choice_column(PRIORITY, default="medium", info=gdpr("casework"))

    case: Mapped[Case] = case_relationship("Need", back_populates="needs")
    need_area: Mapped[NeedArea] = relationship()

    def __str__(self) -> str:
        return str(self.need_area)


class Goal(CasePartMixin, EditableMixin, db.Model):
    __table_args__ = (
        case_fk(),
        # Composite target so that a measure's goal is guaranteed to be of the same case.
        UniqueConstraint("id", "case_id"),
        authority_index("goal", "target_date", "target_date"),
        figures_index(
            "goal", "status", "target_date", name="due", include=("case_id", "need_area_id")
        ),
        figures_index("goal", "case_id", name="case", include=("status", "need_area_id")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_area_id: Mapped[int | None] = reference_column(
        "need_area", info=gdpr("casework", art9=HEALTH_AREA)
    )
    description: Mapped[str] = mapped_column(
        Text, nullable=False, info=gdpr("free_text", art9=FREE_TEXT)
    )
    indicator: Mapped[str | None] = mapped_column(Text, info=gdpr("free_text", art9=FREE_TEXT))
    target_date: Mapped[date | None] = mapped_column(Date, index=True, info=gdpr("casework"))
    agreed_on: Mapped[date | None] = mapped_column(Date, info=gdpr("casework"))
    status: Mapped[str] = choice_column(GOAL_STATUS, default="open", info=gdpr("casework"))
    attainment_note: Mapped[str | None] = mapped_column(
        Text, info=gdpr("free_text", art9=FREE_TEXT)
    )

    case: Mapped[Case] = case_relationship("Goal", back_populates="goals")
    need_area: Mapped[NeedArea | None] = relationship()
    measures: Mapped[list["Measure"]] = relationship(
        back_populates="goal",
        primaryjoin="Goal.id == Measure.goal_id",
        foreign_keys="Measure.goal_id",
        order_by="Measure.due_on",
    )

    def __str__(self) -> str:
        return self.description[:80]


class Measure(CasePartMixin, EditableMixin, db.Model):
    __table_args__ = (
        case_fk(),
        ForeignKeyConstraint(
            ["goal_id", "case_id"], ["goal.id", "goal.case_id"], ondelete="CASCADE"
        ),
        authority_index("measure", "due_on", "status", "due_on"),
        figures_index("measure", "status", "due_on", name="due", include=("case_id",)),
        CheckConstraint("status <> 'done' OR done_on IS NOT NULL", name="done_needs_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(nullable=False, index=True, info=gdpr("metadata"))
    measure_type_id: Mapped[int | None] = reference_column("measure_type", info=gdpr("casework"))
    description: Mapped[str] = mapped_column(
        Text, nullable=False, info=gdpr("free_text", art9=FREE_TEXT)
    )
    responsible: Mapped[str] = choice_column(
        MEASURE_RESPONSIBLE, default="case_manager", info=gdpr("casework")
    )
    agency_id: Mapped[int | None] = reference_column("agency", info=gdpr("casework"))
    due_on: Mapped[date | None] = mapped_column(Date, index=True, info=gdpr("casework"))
    status: Mapped[str] = choice_column(MEASURE_STATUS, default="planned", info=gdpr("casework"))
    done_on: Mapped[date | None] = mapped_column(Date, info=gdpr("casework"))

    case: Mapped[Case] = case_relationship("Measure")
    goal: Mapped[Goal] = relationship(
        back_populates="measures",
        primaryjoin="Goal.id == Measure.goal_id",
        foreign_keys="Measure.goal_id",
    )
    measure_type: Mapped[MeasureType | None] = relationship()
    agency: Mapped[Agency | None] = relationship()

    def __str__(self) -> str:
        return self.description[:80]


class Referral(CasePartMixin, EditableMixin, db.Model):
    __table_args__ = (
        case_fk(),
        # NO ACTION, checked at the end of the statement, lets a whole case be purged at once;
        # goals are archived, not deleted, while a referral names them.
        ForeignKeyConstraint(["goal_id", "case_id"], ["goal.id", "goal.case_id"]),
        authority_index("referral", "status_follow_up", "status", "follow_up_on"),
        authority_index("referral", "agency", "agency_id"),
        figures_index(
            "referral",
            "status",
            "sent_on",
            include=("case_id", "agency_id", "need_area_id", "answered_on", "follow_up_on"),
        ),
        CheckConstraint(
            "status = 'draft' OR status = 'withdrawn' OR consent_id IS NOT NULL",
            name="sent_needs_consent",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = reference_column("agency", info=gdpr("casework"))
    need_area_id: Mapped[int | None] = reference_column(
        "need_area", info=gdpr("casework", art9=HEALTH_AREA)
    )
    goal_id: Mapped[int | None] = mapped_column(index=True, info=gdpr("metadata"))
    reason: Mapped[str] = mapped_column(
        Text, nullable=False, info=gdpr("free_text", art9=FREE_TEXT)
    )
    consent_id: Mapped[int | None] = reference_column("consent", info=gdpr("consent"))
    status: Mapped[str] = choice_column(REFERRAL_STATUS, default="draft", info=gdpr("casework"))
    sent_on: Mapped[date | None] = mapped_column(Date, info=gdpr("casework"))
    follow_up_on: Mapped[date | None] = mapped_column(Date, index=True, info=gdpr("casework"))
    answered_on: Mapped[date | None] = mapped_column(Date, info=gdpr("casework"))
    rejection_reason: Mapped[str | None] = mapped_column(
        Text, info=gdpr("free_text", art9=FREE_TEXT)
    )
    outcome_note: Mapped[str | None] = mapped_column(Text, info=gdpr("free_text", art9=FREE_TEXT))

    case: Mapped[Case] = case_relationship("Referral")
    agency: Mapped[Agency] = relationship()
    need_area: Mapped[NeedArea | None] = relationship()
    goal: Mapped[Goal | None] = relationship(
        primaryjoin="Goal.id == Referral.goal_id", foreign_keys="Referral.goal_id"
    )
    consent: Mapped[Consent | None] = relationship()

    def __str__(self) -> str:
        return f"{self.agency} – {self.reason[:60]}"


class Activity(CasePartMixin, EditableMixin, db.Model):
    __table_args__ = (
        case_fk(),
        authority_index("activity", "occurred_on", "occurred_on"),
        Index("ix_activity_case_occurred_on", "case_id", "occurred_on"),
        # Activities are counted archived or not.
        figures_index(
            "activity",
            "occurred_on",
            name="recent",
            include=("case_id", "confidential"),
            where=None,
        ),
        figures_index(
            "activity", "case_id", "occurred_on", name="case", include=("confidential",), where=None
        ),
        CheckConstraint("duration_minutes >= 0 AND duration_minutes <= 1440", name="duration"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_on: Mapped[date] = mapped_column(
        Date, nullable=False, default=date.today, info=gdpr("casework")
    )
    kind: Mapped[str] = choice_column(ACTIVITY_KIND, default="meeting", info=gdpr("casework"))
    duration_minutes: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, info=gdpr("casework")
    )
    interpreter_used: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, info=gdpr("casework")
    )
    summary: Mapped[str | None] = mapped_column(Text, info=gdpr("counselling", art9=COUNSELLING))
    # Counselling notes: never visible outside the owning authority (§ 203 StGB).
    confidential: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, index=True, info=gdpr("casework")
    )

    case: Mapped[Case] = case_relationship("Activity")

    def __str__(self) -> str:
        return f"{date_label(self.occurred_on)} {ACTIVITY_KIND.label(self.kind)}"


case_conference_agency = link_table("case_conference", "agency")


class CaseConference(CasePartMixin, EditableMixin, db.Model):
    __table_args__ = (
        case_fk(),
        authority_index("case_conference", "held_on", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(Date, nullable=False, info=gdpr("casework"))
    participants_note: Mapped[str | None] = mapped_column(
        Text, info=gdpr("free_text", art9=FREE_TEXT)
    )
    results: Mapped[str | None] = mapped_column(Text, info=gdpr("free_text", art9=FREE_TEXT))
    agreed_actions: Mapped[str | None] = mapped_column(Text, info=gdpr("free_text", art9=FREE_TEXT))

    case: Mapped[Case] = case_relationship("CaseConference")
    agencies: Mapped[list[Agency]] = relationship(secondary=case_conference_agency)

    def __str__(self) -> str:
        return date_label(self.held_on)


class CaseChecklistItem(CasePartMixin, EditableMixin, db.Model):
    """A template item copied into a case; its text is a copy, so history stays put."""

    __table_args__ = (
        case_fk(),
        Index("ix_case_checklist_item_case_position", "case_id", "need_area_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("checklist_template_item.id", ondelete="SET NULL"),
        index=True,
        info=gdpr("metadata"),
    )
    need_area_id: Mapped[int | None] = reference_column(
        "need_area", info=gdpr("casework", art9=HEALTH_AREA)
    )
    text: Mapped[str] = mapped_column(Text, nullable=False, info=gdpr("casework"))
    required: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, info=gdpr("casework")
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0, info=gdpr("casework"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info=gdpr("casework"))
    done_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, info=gdpr("metadata")
    )
    note: Mapped[str | None] = mapped_column(Text, info=gdpr("free_text", art9=FREE_TEXT))

    case: Mapped[Case] = case_relationship("CaseChecklistItem")
    template_item: Mapped[ChecklistTemplateItem | None] = relationship()
    need_area: Mapped[NeedArea | None] = relationship()
    done_by: Mapped[User | None] = relationship(foreign_keys="CaseChecklistItem.done_by_id")

    def __str__(self) -> str:
        return self.text[:80]


class Evaluation(CasePartMixin, EditableMixin, db.Model):
    __table_args__ = (
        case_fk(),
        UniqueConstraint("case_id"),
        figures_index("evaluation", "case_id", include=("effort_minutes",)),
        CheckConstraint("success_rating BETWEEN 1 AND 5", name="success_rating"),
        CheckConstraint(
            "client_satisfaction IS NULL OR client_satisfaction BETWEEN 1 AND 5",
            name="client_satisfaction",
        ),
        CheckConstraint("effort_minutes >= 0", name="effort_minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluated_on: Mapped[date] = mapped_column(
        Date, nullable=False, index=True, info=gdpr("evaluation")
    )
    jointly_with_client: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, info=gdpr("evaluation")
    )
    effort_minutes: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, info=gdpr("evaluation")
    )
    effort_assessment: Mapped[str] = choice_column(
        EFFORT_ASSESSMENT, default="as_expected", info=gdpr("evaluation")
    )
    success_rating: Mapped[int] = mapped_column(Integer, nullable=False, info=gdpr("evaluation"))
    # None means the client's satisfaction is unknown.
    client_satisfaction: Mapped[int | None] = mapped_column(Integer, info=gdpr("evaluation"))
    client_view: Mapped[str | None] = mapped_column(Text, info=gdpr("free_text", art9=FREE_TEXT))
    caseworker_view: Mapped[str | None] = mapped_column(
        Text, info=gdpr("free_text", art9=FREE_TEXT)
    )
    lessons: Mapped[str | None] = mapped_column(Text, info=gdpr("free_text", art9=FREE_TEXT))

    case: Mapped[Case] = case_relationship("Evaluation")

    def __str__(self) -> str:
        return date_label(self.evaluated_on)


class CaseShare(EditableMixin, db.Model):
    """A case shared with another authority on the basis of a client's consent.

    ``owner_authority_id`` is the case's authority; ``authority_id`` the recipient.
    """

    __scope_owner__ = "owner_authority_id"
    __table_args__ = (
        ForeignKeyConstraint(
            ["case_id", "owner_authority_id"], ["case.id", "case.authority_id"], ondelete="CASCADE"
        ),
        CheckConstraint("authority_id <> owner_authority_id", name="not_with_owner"),
        authority_index("case_share", "case", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(nullable=False, index=True, info=gdpr("sharing"))
    owner_authority_id: Mapped[int] = reference_column("authority", info=gdpr("sharing"))
    authority_id: Mapped[int] = reference_column("authority", info=gdpr("sharing"))
    consent_id: Mapped[int] = reference_column("consent", info=gdpr("sharing"))
    access: Mapped[str] = choice_column(SHARE_ACCESS, default="read", info=gdpr("sharing"))
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, info=gdpr("sharing")
    )
    granted_on: Mapped[date] = mapped_column(
        Date, nullable=False, default=date.today, info=gdpr("sharing")
    )
    revoked_on: Mapped[date | None] = mapped_column(Date, index=True, info=gdpr("sharing"))

    case: Mapped[Case] = case_relationship("CaseShare")
    authority: Mapped[Authority] = relationship(foreign_keys="CaseShare.authority_id")
    consent: Mapped[Consent] = relationship()
    granted_by: Mapped[User | None] = relationship(foreign_keys="CaseShare.granted_by_id")

    def __str__(self) -> str:
        return f"{self.case} → {self.authority}"
