"""Everything the case file page shows, loaded with a fixed number of queries.

Each statement pays for the authority rule's loader criteria (models.scoping) besides its
SQL, so the parts are loaded with as few statements as the shapes allow: the case with its
many-to-one details, its needs, its shares, its client's household members, its evaluation
and its checklist progress in one; every other list (documents included) in one each, its
own details joined in.
"""

from dataclasses import dataclass, field

from sqlalchemy import Boolean, cast, func, literal, null, select, true, union_all
from sqlalchemy import case as sql_case
from sqlalchemy.orm import contains_eager, joinedload

from models import (
    FINAL_GOAL_STATUSES,
    Activity,
    Agency,
    Case,
    CaseChecklistItem,
    CaseConference,
    CaseShare,
    Client,
    ClosureReason,
    Consent,
    Document,
    DocumentKind,
    Evaluation,
    Goal,
    Measure,
    Need,
    NeedArea,
    Referral,
    db,
)
from services.lifecycle import CaseFacts


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
    documents: list = field(default_factory=list)
    shares: list = field(default_factory=list)
    evaluation: Evaluation | None = None
    checklist: ChecklistProgress = field(default_factory=ChecklistProgress)

    @property
    def effort_minutes(self) -> int:
        return sum(a.duration_minutes for a in self.activities)

    def facts(self) -> CaseFacts:
        """The lifecycle conditions' counts, from the loaded parts (no queries)."""
        goals = [goal for goal in self.goals if goal.archived_at is None]
        return CaseFacts(
            needs=sum(1 for need in self.needs if need.archived_at is None),
            agreed_goals=sum(1 for goal in goals if goal.agreed_on is not None),
            open_goals=sum(1 for goal in goals if goal.status not in FINAL_GOAL_STATUSES),
            open_required_items=self.checklist.open_required,
            evaluations=int(self.evaluation is not None),
        )


def _checklist_progress(case_id: int):
    """One row: done, total and open required items of a case's checklist."""
    item = CaseChecklistItem
    open_required = sql_case((item.required.is_(True) & item.done_at.is_(None), 1), else_=0)
    return (
        select(
            func.count(item.done_at).label("done"),
            func.count(item.id).label("total"),
            func.coalesce(func.sum(open_required), 0).label("open_required"),
        )
        .where(item.case_id == case_id)
        .subquery("checklist_progress")
    )


def load_case_file(case_id: int) -> CaseFile | None:
    """The case with all its parts; the authority rule decides what is visible."""
    progress = _checklist_progress(case_id)
    row = (
        db.session.execute(
            select(Case, Evaluation, progress.c.done, progress.c.total, progress.c.open_required)
            .select_from(Case)
            .join(progress, true())
            .outerjoin(Evaluation, Evaluation.case_id == Case.id)
            .where(Case.id == case_id)
            .options(
                joinedload(Case.client).joinedload(Client.residence_status),
                # For the upload form: the household members a document may belong to.
                joinedload(Case.client).joinedload(Client.household_members),
                joinedload(Case.caseworker),
                joinedload(Case.access_route),
                joinedload(Case.closure_reason),
                joinedload(Case.needs).joinedload(Need.need_area),
                # Few per case: joined here rather than read by a statement of their own.
                joinedload(Case.shares).joinedload(CaseShare.authority),
            )
        )
        .unique()
        .one_or_none()
    )
    if row is None:
        return None
    case, evaluation, done, total, open_required = row
    scalars = db.session.scalars
    file = CaseFile(
        case=case,
        needs=sorted(case.needs, key=lambda need: need.id),
        evaluation=evaluation,
        checklist=ChecklistProgress(done=done, total=total, open_required=int(open_required)),
    )
    file.consents = (
        scalars(
            select(Consent)
            .outerjoin(Consent.recipient_agencies)
            .where(Consent.client_id == case.client_id)
            .options(contains_eager(Consent.recipient_agencies))
            # The collections have no order of their own; by id, alike on both databases.
            .order_by(Consent.given_on.desc(), Consent.id, Agency.id)
        )
        .unique()
        .all()
    )
    file.goals = _rows_of_case(
        case_id, Goal, Goal.id, load=joinedload(Goal.measures).joinedload(Measure.agency)
    )
    file.referrals = _rows_of_case(case_id, Referral, Referral.id, load=joinedload(Referral.agency))
    file.activities = _rows_of_case(case_id, Activity, Activity.occurred_on.desc())
    file.conferences = (
        scalars(
            select(CaseConference)
            .outerjoin(CaseConference.agencies)
            .where(CaseConference.case_id == case_id)
            .options(contains_eager(CaseConference.agencies))
            .order_by(CaseConference.held_on.desc(), CaseConference.id, Agency.id)
        )
        .unique()
        .all()
    )
    file.documents = _rows_of_case(
        case_id,
        Document,
        Document.archived_at.is_not(None),
        Document.document_date.desc(),
        Document.id.desc(),
        load=joinedload(Document.kind),
    )
    file.shares = sorted(case.shares, key=lambda share: (share.granted_on, share.id), reverse=True)
    return file


def _rows_of_case(case_id: int, model, *order_by, load=None) -> list:
    """The case's rows of ``model`` in ``order_by``, with ``load`` loading what they show."""
    statement = select(model).where(model.case_id == case_id).order_by(*order_by)
    if load is not None:
        statement = statement.options(load)
    return db.session.scalars(statement).unique().all()


@dataclass(frozen=True)
class ReferenceEntry:
    id: int
    code: str
    name: str
    requires_evaluation: bool | None


def reference_lists(
    need_areas: bool = True, closure_reasons: bool = True, document_kinds: bool = False
) -> tuple[list[ReferenceEntry], list[ReferenceEntry], list[ReferenceEntry]]:
    """The active need areas, closure reasons and document kinds, each in its order, in
    one statement; a list not asked for stays empty (and unqueried)."""
    # Each list: its kind (its index in the result), the model, and whether a closure
    # reason needs an evaluation (need areas have no such column).
    wanted = (
        (need_areas, NeedArea, cast(null(), Boolean)),
        (closure_reasons, ClosureReason, ClosureReason.requires_evaluation),
        (document_kinds, DocumentKind, cast(null(), Boolean)),
    )
    parts = [
        select(
            literal(kind).label("kind"),
            model.id,
            model.code,
            model.name,
            model.position,
            requires_evaluation.label("requires_evaluation"),
        ).where(model.active.is_(True))
        for kind, (asked, model, requires_evaluation) in enumerate(wanted)
        if asked
    ]
    lists = ([], [], [])
    if not parts:
        return lists
    statement = parts[0] if len(parts) == 1 else union_all(*parts)
    statement = statement.order_by("kind", "position", "id")
    for kind, id_, code, name, _position, requires_evaluation in db.session.execute(statement):
        lists[kind].append(ReferenceEntry(id_, code, name, requires_evaluation))
    return lists
