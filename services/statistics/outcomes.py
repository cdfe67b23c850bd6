"""What became of the cases: goals attained, closed cases with their duration, effort and
closure reasons, and the referrals' outcomes. The dashboard and the report show them."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select, union_all

from models import (
    FINAL_GOAL_STATUSES,
    Agency,
    Case,
    ClosureReason,
    Evaluation,
    Goal,
    Need,
    Referral,
    db,
)
from services.due import literal

from .periods import Period
from .scope import _owned_by, _per_authority
from .sql import _closed_in, _has_need, _median_of, _part_of_case, days_between

# Referral statuses as the figures group them; a draft was never sent and is not counted.
REFERRAL_SENT = ("sent", "accepted", "rejected", "in_progress", "completed", "withdrawn")
REFERRAL_ACCEPTED = ("accepted", "in_progress", "completed")


def goal_attainment(
    authority_id: int | None,
    period: Period,
    *,
    by_need_area: bool = False,
    need_area_id: int | None = None,
) -> dict[tuple, int]:
    """Final goals of the cases closed in ``period``: {(need_area_id?, status): n}.

    Per need area, a goal counts in its own need area.
    """
    area = (Goal.need_area_id,) if by_need_area else ()
    statement = (
        select(*area, Goal.status, func.count())
        .join(Case, _part_of_case(Goal))
        .where(
            *_closed_in(authority_id, period),
            _owned_by(Goal, authority_id),
            Goal.archived_at.is_(None),
            Goal.status.in_(FINAL_GOAL_STATUSES),
        )
        .group_by(*area, Goal.status)
    )
    if need_area_id is not None:
        statement = statement.where(Goal.need_area_id == need_area_id)
    return {tuple(row[:-1]): row[-1] for row in db.session.execute(statement)}


@dataclass
class ClosedCaseFigures:
    """Cases closed in a period, overall or per need area (key None: no need recorded)."""

    closed: dict = field(default_factory=dict)  # key -> number of closed cases
    days: dict = field(default_factory=dict)  # key -> (median days intake→closure, n)
    effort: dict = field(default_factory=dict)  # key -> (median effort in hours, n)


ALL = "all"  # the key of the overall figures


def closed_case_figures(
    authority_id: int | None,
    period: Period,
    *,
    by_need_area: bool = False,
    need_area_id: int | None = None,
) -> ClosedCaseFigures:
    """Number of closed cases, median days from intake to closure and median effort.

    One query. Days run from the intake interview (or the opening, if no intake date was
    recorded) to the closure; effort is the evaluation's snapshot of the contact minutes.
    A case with several need areas counts in each of them.
    """
    figures, _closures = _closed_cases(
        authority_id, period, by_need_area=by_need_area, need_area_id=need_area_id
    )
    return figures


def _closed_cases(
    authority_id: int | None,
    period: Period,
    *,
    by_need_area: bool = False,
    need_area_id: int | None = None,
    closures: bool = False,
) -> tuple[ClosedCaseFigures, list]:
    """``closed_case_figures`` and, with ``closures``, ``closure_outcomes``: one query.

    Every figure is a histogram: the number of closed cases per value of days or minutes
    (overall, and per need area) and per closure reason. The closed cases are joined to
    their evaluation (at most one, unique) and, per need area, to their needs once, as a
    CTE that the per-area histograms share. All three are read from indexes ordered by
    (authority_id, case_id), so PostgreSQL can join them by merging.
    """
    days = days_between(func.coalesce(Case.intake_on, Case.opened_on), Case.closed_on).label("days")
    evaluation = (
        Evaluation,
        _part_of_case(Evaluation)
        & Evaluation.archived_at.is_(None)
        & _owned_by(Evaluation, authority_id),
    )
    # With a need area, a case counts only if it has a need in it; so do the closure
    # reasons, which are counted in the area of each need.
    closed = (*_closed_in(authority_id, period), _has_need(need_area_id))

    def histogram(metric, source, area, value, *, nulls=False):
        statement = select(literal(metric), area, value, func.count()).select_from(source)
        if not nulls:  # a median counts the values there are
            statement = statement.where(value.is_not(None))
        return statement.group_by(area, value)

    # Overall: one pass, counted per pair of values (a few thousand pairs), which gives
    # both histograms; a case without an evaluation has no effort.
    effort = Evaluation.effort_minutes
    branches = [
        select(literal("cases"), days, effort, func.count())
        .select_from(Case)
        .outerjoin(*evaluation)
        .where(*closed)
        .group_by(days, effort)
    ]
    if by_need_area or closures:
        need = (
            select(
                Need.need_area_id.label("area"),
                days,
                Evaluation.effort_minutes.label("effort"),
                Case.closure_reason_id.label("reason"),
            )
            .select_from(Case)
            .outerjoin(*evaluation)
            .outerjoin(
                Need,
                _part_of_case(Need) & Need.archived_at.is_(None) & _owned_by(Need, authority_id),
            )
            .where(*closed)
        )
        if need_area_id is not None:
            need = need.where(Need.need_area_id == need_area_id)
        need = need.cte("closed_case_needs")
        if by_need_area:
            branches.append(histogram("days_area", need, need.c.area, need.c.days))
            branches.append(histogram("effort_area", need, need.c.area, need.c.effort))
        if closures:
            branches.append(histogram("closure", need, need.c.area, need.c.reason, nulls=True))
    figures = ClosedCaseFigures()
    histograms: dict[tuple, list] = {}
    closure_counts: dict[tuple, int] = {}
    statement = branches[0] if len(branches) == 1 else union_all(*branches)
    for metric, area, value, n in db.session.execute(statement):
        if metric == "cases":  # area: the days, value: the minutes
            histograms.setdefault(("days", None), []).append((area, n))
            if value is not None:
                histograms.setdefault(("effort", None), []).append((value, n))
        elif metric == "closure":
            closure_counts[(area, value)] = n
        else:
            histograms.setdefault((metric, area), []).append((value, n))
    for (metric, area), values in histograms.items():
        median, n = _median_of(values)
        key = ALL if metric in ("days", "effort") else area
        if metric.startswith("days"):
            figures.closed[key] = n
            figures.days[key] = (median, n)
        else:
            figures.effort[key] = (median / 60, n)
    return figures, _closure_lines(closure_counts) if closures else []


@dataclass(frozen=True)
class AgencyOutcome:
    agency_id: int
    name: str
    need_area_id: int | None
    counts: dict  # status -> n

    @property
    def sent(self) -> int:
        return sum(self.counts.get(s, 0) for s in REFERRAL_SENT)

    @property
    def accepted(self) -> int:
        return sum(self.counts.get(s, 0) for s in REFERRAL_ACCEPTED)

    @property
    def rejected(self) -> int:
        return self.counts.get("rejected", 0)


def referral_outcomes(authority_id: int | None, **selection) -> list[AgencyOutcome]:
    """Sent referrals per agency (and need area) by status.

    ``selection`` is that of ``_referral_figures``: ``sent_in``, referrals sent in a period
    (the dashboard); ``closed_in``, referrals of the cases closed in a period (the report);
    ``by_need_area`` and ``need_area_id``. Per need area, a referral counts in its own.
    """
    return _referral_figures(authority_id, **selection)[0]


def referral_figures(
    authority_id: int | None, *, sent_in: Period
) -> tuple[list[AgencyOutcome], dict[int, tuple[float, int]]]:
    """``referral_outcomes(sent_in=…)`` and ``days_to_answer(sent_in=…)`` in one query."""
    return _referral_figures(authority_id, sent_in=sent_in, answer_days=True)


def days_to_answer(authority_id: int | None, *, sent_in: Period) -> dict[int, tuple[float, int]]:
    """{agency_id: (median days from sending to the agency's answer, n)}."""
    return _referral_figures(authority_id, sent_in=sent_in, answer_days=True)[1]


def _referral_figures(
    authority_id: int | None,
    *,
    sent_in: Period | None = None,
    closed_in: Period | None = None,
    by_need_area: bool = False,
    need_area_id: int | None = None,
    answer_days: bool = False,
):
    """Outcomes per agency (and need area), and with ``answer_days`` the median days to
    the answer per agency, from one pass over the referrals: counted per agency, status
    and (with ``answer_days``) days to the answer, a histogram of a few thousand rows.
    The agencies' names are joined to the counts, not to every referral."""
    area = (Referral.need_area_id.label("area"),) if by_need_area else ()
    days = (
        (days_between(Referral.sent_on, Referral.answered_on).label("days"),) if answer_days else ()
    )
    counts = (
        select(Referral.agency_id.label("agency"), *area, Referral.status.label("status"), *days)
        .add_columns(func.count().label("n"))
        .where(
            _per_authority(Referral, authority_id),
            Referral.archived_at.is_(None),
            Referral.status.in_(REFERRAL_SENT),
        )
        .group_by(Referral.agency_id, *(c.element for c in (*area, *days)), Referral.status)
    )
    if sent_in is not None:
        counts = counts.where(Referral.sent_on.between(sent_in.start, sent_in.end))
    if closed_in is not None:
        counts = counts.join(Case, _part_of_case(Referral)).where(
            *_closed_in(authority_id, closed_in)
        )
    if need_area_id is not None:
        counts = counts.where(Referral.need_area_id == need_area_id)
    counts = counts.subquery("counts")
    statement = select(
        counts.c.agency,
        Agency.name,
        *(counts.c[c.name] for c in area),
        counts.c.status,
        *(counts.c[c.name] for c in days),
        counts.c.n,
    ).join(Agency, Agency.id == counts.c.agency)
    outcomes: dict[tuple, AgencyOutcome] = {}
    histograms: dict[int, list] = {}
    for row in db.session.execute(statement):
        agency_id, name, *rest = row
        area_id = rest[0] if by_need_area else None
        status, n = rest[len(area)], rest[-1]
        key = (area_id, agency_id)
        if key not in outcomes:
            outcomes[key] = AgencyOutcome(agency_id, name, area_id, {})
        counts_ = outcomes[key].counts
        counts_[status] = counts_.get(status, 0) + n
        if answer_days and rest[-2] is not None:
            histograms.setdefault(agency_id, []).append((rest[-2], n))
    medians = {agency: _median_of(values) for agency, values in histograms.items()}
    return sorted(outcomes.values(), key=lambda o: (-o.sent, o.name)), medians


@dataclass(frozen=True)
class ClosureCount:
    need_area_id: int | None
    closure_reason_id: int | None
    name: str | None
    outcome: str | None
    n: int


def _closure_lines(counts: dict[tuple, int]) -> list[ClosureCount]:
    """{(need area, closure reason): n} as ``ClosureCount``s, ordered as before by the
    reasons' position and name (the database orders the few reasons), a case without a
    reason where the database puts NULL: last on PostgreSQL, first on SQLite; one reason's
    need areas by id (the report groups the lines by need area)."""
    if not counts:
        return []
    reasons = db.session.execute(
        select(ClosureReason.id, ClosureReason.name, ClosureReason.outcome).order_by(
            ClosureReason.position, ClosureReason.name
        )
    ).all()
    nulls_last = db.session.get_bind().dialect.name == "postgresql"
    order = {reason.id: i for i, reason in enumerate(reasons)}
    order[None] = len(reasons) if nulls_last else -1
    names = {reason.id: (reason.name, reason.outcome) for reason in reasons}
    return [
        ClosureCount(area, reason_id, *names.get(reason_id, (None, None)), counts[area, reason_id])
        for area, reason_id in sorted(counts, key=lambda k: (order[k[1]], k[0] is None, k[0] or 0))
    ]
