"""Everything the case file page shows, loaded with a fixed number of queries."""

from dataclasses import dataclass, field

from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from models import (
    Activity,
    Case,
    CaseChecklistItem,
    CaseConference,
    CaseShare,
    Client,
    Consent,
    Evaluation,
    Goal,
    Measure,
    Need,
    Referral,
    db,
)


@dataclass
class ChecklistProgress:
    done: int = 0
    total: int = 0
    open_required: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class CaseFile:
    case: Case
    consents: list = field(default_factory=list)
    needs: list = field(default_factory=list)
    goals: list = field(default_factory=list)
    referrals: list = field(default_factory=list)
    activities: list = field(default_factory=list)
    conferences: list = field(default_factory=list)
    shares: list = field(default_factory=list)
    evaluation: Evaluation | None = None
    checklist: ChecklistProgress = field(default_factory=ChecklistProgress)

    @property
    def effort_minutes(self) -> int:
        return sum(a.duration_minutes for a in self.activities)


def load_case_file(case_id: int) -> CaseFile | None:
    """The case with all its parts; the authority rule decides what is visible."""
    case = db.session.execute(
        select(Case)
        .where(Case.id == case_id)
        .options(
            joinedload(Case.client).joinedload(Client.residence_status),
            joinedload(Case.caseworker),
            joinedload(Case.access_route),
            joinedload(Case.closure_reason),
        )
    ).scalar_one_or_none()
    if case is None:
        return None
    scalars = db.session.scalars
    file = CaseFile(case=case)
    file.consents = scalars(
        select(Consent)
        .where(Consent.client_id == case.client_id)
        .options(selectinload(Consent.recipient_agencies))
        .order_by(Consent.given_on.desc())
    ).all()
    file.needs = scalars(
        select(Need).where(Need.case_id == case_id).options(joinedload(Need.need_area))
    ).all()
    file.goals = scalars(
        select(Goal)
        .where(Goal.case_id == case_id)
        .options(
            joinedload(Goal.need_area),
            selectinload(Goal.measures).options(
                joinedload(Measure.agency), joinedload(Measure.measure_type)
            ),
        )
        .order_by(Goal.id)
    ).all()
    file.referrals = scalars(
        select(Referral)
        .where(Referral.case_id == case_id)
        .options(joinedload(Referral.agency), joinedload(Referral.need_area))
        .order_by(Referral.id)
    ).all()
    file.activities = scalars(
        select(Activity).where(Activity.case_id == case_id).order_by(Activity.occurred_on.desc())
    ).all()
    file.conferences = scalars(
        select(CaseConference)
        .where(CaseConference.case_id == case_id)
        .options(selectinload(CaseConference.agencies))
        .order_by(CaseConference.held_on.desc())
    ).all()
    file.shares = scalars(
        select(CaseShare)
        .where(CaseShare.case_id == case_id)
        .options(joinedload(CaseShare.authority))
        .order_by(CaseShare.granted_on.desc())
    ).all()
    file.evaluation = scalars(select(Evaluation).where(Evaluation.case_id == case_id)).first()
    done, total, open_required = db.session.execute(
        select(
            func.count(CaseChecklistItem.done_at),
            func.count(CaseChecklistItem.id),
            func.coalesce(
                func.sum(
                    sql_case(
                        (
                            CaseChecklistItem.required.is_(True)
                            & CaseChecklistItem.done_at.is_(None),
                            1,
                        ),
                        else_=0,
                    )
                ),
                0,
            ),
        ).where(CaseChecklistItem.case_id == case_id)
    ).one()
    file.checklist = ChecklistProgress(done=done, total=total, open_required=int(open_required))
    return file
