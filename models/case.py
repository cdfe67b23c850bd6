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
    choice_check,
    choice_column,
)
from .client import Client, Consent, OwnedMixin
from .db import db
from .mixins import EditableMixin
from .reference import (
    AccessRoute,
    Agency,
    Authority,
    ChecklistTemplateItem,
    ClosureReason,
    MeasureType,
    NeedArea,
)
from .sql import covering_index, link_table, reference_column, trigram_index
from .types import UTCDateTime, date_label
from .user import User

OPEN_STATUSES = ("intake", "planning", "active", "on_hold", "evaluation")
FINAL_GOAL_STATUSES = ("achieved", "partly_achieved", "not_achieved", "dropped")


class Case(OwnedMixin, EditableMixin, db.Model):
    __tablename__ = "case"
    __table_args__ = (
        UniqueConstraint("authority_id", "number"),
        UniqueConstraint("id", "authority_id"),
        ForeignKeyConstraint(
            ["client_id", "authority_id"], ["client.id", "client.authority_id"], ondelete="CASCADE"
        ),
        Index("ix_case_authority_opened_on", "authority_id", "opened_on"),
        Index("ix_case_authority_status_opened_on", "authority_id", "status", "opened_on"),
        Index("ix_case_authority_caseworker", "authority_id", "caseworker_id", "status"),
        # The steering figures (services/statistics/, migration 0004): covering and
        # partial, so that the figures are read from the indexes alone.
        covering_index(
            "ix_case_figures_open",
            "authority_id",
            "id",
            include=("status", "opened_on", "client_id", "caseworker_id"),
            where="archived_at IS NULL"
            " AND status IN ('intake', 'planning', 'active', 'on_hold', 'evaluation')",
        ),
        covering_index(
            "ix_case_figures_closed",
            "authority_id",
            "closed_on",
            include=(
                "id",
                "opened_on",
                "intake_on",
                "closure_reason_id",
                "client_id",
                "caseworker_id",
            ),
            where="archived_at IS NULL AND status = 'closed'",
        ),
        covering_index(
            "ix_case_figures_opened",
            "authority_id",
            "opened_on",
            include=("id",),
            where="archived_at IS NULL",
        ),
        trigram_index("case", "number"),
        choice_check("status", CASE_STATUS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(nullable=False, index=True)
    number: Mapped[str] = mapped_column(String(40), nullable=False)
    status: Mapped[str] = choice_column(CASE_STATUS, default="intake")
    caseworker_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    access_route_id: Mapped[int | None] = reference_column("access_route")
    opened_on: Mapped[date] = mapped_column(Date, nullable=False, default=date.today, index=True)
    intake_on: Mapped[date | None] = mapped_column(Date)
    intake_summary: Mapped[str | None] = mapped_column(Text)
    closed_on: Mapped[date | None] = mapped_column(Date, index=True)
    closure_reason_id: Mapped[int | None] = reference_column("closure_reason")
    closure_note: Mapped[str | None] = mapped_column(Text)

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

    case_id: Mapped[int] = mapped_column(nullable=False, index=True)


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
    __tablename__ = "need"
    __table_args__ = (
        case_fk(),
        UniqueConstraint("case_id", "need_area_id"),
        Index("ix_need_authority_need_area", "authority_id", "need_area_id"),
        covering_index(
            "ix_need_figures",
            "authority_id",
            "case_id",
            "need_area_id",
            where="archived_at IS NULL",
        ),
        choice_check("priority", PRIORITY),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_area_id: Mapped[int] = reference_column("need_area")
    description: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[str] = choice_column(PRIORITY, default="medium")

    case: Mapped[Case] = case_relationship("Need", back_populates="needs")
    need_area: Mapped[NeedArea] = relationship()

    def __str__(self) -> str:
        return str(self.need_area)


class Goal(CasePartMixin, EditableMixin, db.Model):
    __tablename__ = "goal"
    __table_args__ = (
        case_fk(),
        # Composite target so that a measure's goal is guaranteed to be of the same case.
        UniqueConstraint("id", "case_id"),
        Index("ix_goal_authority_target_date", "authority_id", "target_date"),
        covering_index(
            "ix_goal_figures_due",
            "authority_id",
            "status",
            "target_date",
            include=("case_id", "need_area_id"),
            where="archived_at IS NULL",
        ),
        covering_index(
            "ix_goal_figures_case",
            "authority_id",
            "case_id",
            include=("status", "need_area_id"),
            where="archived_at IS NULL",
        ),
        choice_check("status", GOAL_STATUS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_area_id: Mapped[int | None] = reference_column("need_area")
    description: Mapped[str] = mapped_column(Text, nullable=False)
    indicator: Mapped[str | None] = mapped_column(Text)
    target_date: Mapped[date | None] = mapped_column(Date, index=True)
    agreed_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = choice_column(GOAL_STATUS, default="open")
    attainment_note: Mapped[str | None] = mapped_column(Text)

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
    __tablename__ = "measure"
    __table_args__ = (
        case_fk(),
        ForeignKeyConstraint(
            ["goal_id", "case_id"], ["goal.id", "goal.case_id"], ondelete="CASCADE"
        ),
        Index("ix_measure_authority_due_on", "authority_id", "status", "due_on"),
        covering_index(
            "ix_measure_figures_due",
            "authority_id",
            "status",
            "due_on",
            include=("case_id",),
            where="archived_at IS NULL",
        ),
        CheckConstraint("status <> 'done' OR done_on IS NOT NULL", name="done_needs_date"),
        choice_check("responsible", MEASURE_RESPONSIBLE),
        choice_check("status", MEASURE_STATUS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(nullable=False, index=True)
    measure_type_id: Mapped[int | None] = reference_column("measure_type")
    description: Mapped[str] = mapped_column(Text, nullable=False)
    responsible: Mapped[str] = choice_column(MEASURE_RESPONSIBLE, default="case_manager")
    agency_id: Mapped[int | None] = reference_column("agency")
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = choice_column(MEASURE_STATUS, default="planned")
    done_on: Mapped[date | None] = mapped_column(Date)

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
    __tablename__ = "referral"
    __table_args__ = (
        case_fk(),
        # NO ACTION, checked at the end of the statement, lets a whole case be purged at once;
        # goals are archived, not deleted, while a referral names them.
        ForeignKeyConstraint(["goal_id", "case_id"], ["goal.id", "goal.case_id"]),
        Index("ix_referral_authority_status_follow_up", "authority_id", "status", "follow_up_on"),
        Index("ix_referral_authority_agency", "authority_id", "agency_id"),
        covering_index(
            "ix_referral_figures",
            "authority_id",
            "status",
            "sent_on",
            include=("case_id", "agency_id", "need_area_id", "answered_on", "follow_up_on"),
            where="archived_at IS NULL",
        ),
        CheckConstraint(
            "status = 'draft' OR status = 'withdrawn' OR consent_id IS NOT NULL",
            name="sent_needs_consent",
        ),
        choice_check("status", REFERRAL_STATUS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = reference_column("agency")
    need_area_id: Mapped[int | None] = reference_column("need_area")
    goal_id: Mapped[int | None] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    consent_id: Mapped[int | None] = reference_column("consent")
    status: Mapped[str] = choice_column(REFERRAL_STATUS, default="draft")
    sent_on: Mapped[date | None] = mapped_column(Date)
    follow_up_on: Mapped[date | None] = mapped_column(Date, index=True)
    answered_on: Mapped[date | None] = mapped_column(Date)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    outcome_note: Mapped[str | None] = mapped_column(Text)

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
    __tablename__ = "activity"
    __table_args__ = (
        case_fk(),
        Index("ix_activity_authority_occurred_on", "authority_id", "occurred_on"),
        Index("ix_activity_case_occurred_on", "case_id", "occurred_on"),
        covering_index(
            "ix_activity_figures_recent",
            "authority_id",
            "occurred_on",
            include=("case_id", "confidential"),
        ),
        covering_index(
            "ix_activity_figures_case",
            "authority_id",
            "case_id",
            "occurred_on",
            include=("confidential",),
        ),
        CheckConstraint("duration_minutes >= 0 AND duration_minutes <= 1440", name="duration"),
        choice_check("kind", ACTIVITY_KIND),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_on: Mapped[date] = mapped_column(Date, nullable=False, default=date.today)
    kind: Mapped[str] = choice_column(ACTIVITY_KIND, default="meeting")
    duration_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    interpreter_used: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    summary: Mapped[str | None] = mapped_column(Text)
    # Counselling notes: never visible outside the owning authority (§ 203 StGB).
    confidential: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, index=True)

    case: Mapped[Case] = case_relationship("Activity")

    def __str__(self) -> str:
        return f"{date_label(self.occurred_on)} {ACTIVITY_KIND.label(self.kind)}"


case_conference_agency = link_table("case_conference", "agency")


class CaseConference(CasePartMixin, EditableMixin, db.Model):
    __tablename__ = "case_conference"
    __table_args__ = (
        case_fk(),
        Index("ix_case_conference_authority_held_on", "authority_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(Date, nullable=False)
    participants_note: Mapped[str | None] = mapped_column(Text)
    results: Mapped[str | None] = mapped_column(Text)
    agreed_actions: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = case_relationship("CaseConference")
    agencies: Mapped[list[Agency]] = relationship(secondary=case_conference_agency)

    def __str__(self) -> str:
        return date_label(self.held_on)


class CaseChecklistItem(CasePartMixin, EditableMixin, db.Model):
    """A template item copied into a case; its text is a copy, so history stays put."""

    __tablename__ = "case_checklist_item"
    __table_args__ = (
        case_fk(),
        Index("ix_case_checklist_item_case_position", "case_id", "need_area_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("checklist_template_item.id", ondelete="SET NULL"), index=True
    )
    need_area_id: Mapped[int | None] = reference_column("need_area")
    text: Mapped[str] = mapped_column(Text, nullable=False)
    required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    note: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = case_relationship("CaseChecklistItem")
    template_item: Mapped[ChecklistTemplateItem | None] = relationship()
    need_area: Mapped[NeedArea | None] = relationship()
    done_by: Mapped[User | None] = relationship(foreign_keys="CaseChecklistItem.done_by_id")

    def __str__(self) -> str:
        return self.text[:80]


class Evaluation(CasePartMixin, EditableMixin, db.Model):
    __tablename__ = "evaluation"
    __table_args__ = (
        case_fk(),
        UniqueConstraint("case_id"),
        covering_index(
            "ix_evaluation_figures",
            "authority_id",
            "case_id",
            include=("effort_minutes",),
            where="archived_at IS NULL",
        ),
        CheckConstraint("success_rating BETWEEN 1 AND 5", name="success_rating"),
        CheckConstraint(
            "client_satisfaction IS NULL OR client_satisfaction BETWEEN 1 AND 5",
            name="client_satisfaction",
        ),
        CheckConstraint("effort_minutes >= 0", name="effort_minutes"),
        choice_check("effort_assessment", EFFORT_ASSESSMENT),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluated_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    jointly_with_client: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    effort_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    effort_assessment: Mapped[str] = choice_column(EFFORT_ASSESSMENT, default="as_expected")
    success_rating: Mapped[int] = mapped_column(Integer, nullable=False)
    # None means the client's satisfaction is unknown.
    client_satisfaction: Mapped[int | None] = mapped_column(Integer)
    client_view: Mapped[str | None] = mapped_column(Text)
    caseworker_view: Mapped[str | None] = mapped_column(Text)
    lessons: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = case_relationship("Evaluation")

    def __str__(self) -> str:
        return date_label(self.evaluated_on)


class CaseShare(EditableMixin, db.Model):
    """A case shared with another authority on the basis of a client's consent.

    ``owner_authority_id`` is the case's authority; ``authority_id`` the recipient.
    """

    __tablename__ = "case_share"
    __scope_owner__ = "owner_authority_id"
    __table_args__ = (
        ForeignKeyConstraint(
            ["case_id", "owner_authority_id"], ["case.id", "case.authority_id"], ondelete="CASCADE"
        ),
        CheckConstraint("authority_id <> owner_authority_id", name="not_with_owner"),
        Index("ix_case_share_authority_case", "authority_id", "case_id"),
        choice_check("access", SHARE_ACCESS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(nullable=False, index=True)
    owner_authority_id: Mapped[int] = reference_column("authority")
    authority_id: Mapped[int] = reference_column("authority")
    consent_id: Mapped[int] = reference_column("consent")
    access: Mapped[str] = choice_column(SHARE_ACCESS, default="read")
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    granted_on: Mapped[date] = mapped_column(Date, nullable=False, default=date.today)
    revoked_on: Mapped[date | None] = mapped_column(Date, index=True)

    case: Mapped[Case] = case_relationship("CaseShare")
    authority: Mapped[Authority] = relationship(foreign_keys="CaseShare.authority_id")
    consent: Mapped[Consent] = relationship()
    granted_by: Mapped[User | None] = relationship(foreign_keys="CaseShare.granted_by_id")

    def __str__(self) -> str:
        return f"{self.case} → {self.authority}"
