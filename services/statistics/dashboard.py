"""The dashboard's figures: open cases, caseloads, cases per month, follow-ups,
documents per kind and structural issues."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select, true, union_all
from sqlalchemy import case as sql_case
from sqlalchemy.orm import aliased

from models import (
    Activity,
    Case,
    Client,
    Document,
    DocumentKind,
    Need,
    NeedArea,
    StructuralIssue,
    User,
    db,
)
from services.due import DATED, NO_CONTACT, Dated, any_contact, case_is_open, literal, no_contact

from .periods import Period, end_of_week
from .scope import _owned_by, _per_authority
from .sql import _as_date, _count_if, _is_closed, _part_of_case

FOLLOW_UP_KINDS = ("measure", "referral", "goal", "permit", "no_contact")


# -- dashboard figures ----------------------------------------------------------------------


def open_cases_by_status(authority_id: int | None, caseworker_id: int | None = None):
    """{status: number of open cases}."""
    statement = select(Case.status, func.count()).where(
        _owned_by(Case, authority_id),
        case_is_open(),
    )
    if caseworker_id is not None:
        statement = statement.where(Case.caseworker_id == caseworker_id)
    return {status: n for status, n in db.session.execute(statement.group_by(Case.status))}


def cases_per_month(authority_id: int | None, period: Period):
    """{(year, month): {"new": n, "closed": n}} for every month of ``period``.

    Counted per day in SQL (at most one row per day of the period) and summed into
    months here: ``EXTRACT`` per row costs more than the count itself on PostgreSQL.
    """
    own = _owned_by(Case, authority_id)
    opened = (
        select(literal("new"), Case.opened_on, func.count())
        .where(
            _per_authority(Case, authority_id),
            Case.archived_at.is_(None),
            Case.opened_on.between(period.start, period.end),
        )
        .group_by(Case.opened_on)
    )
    closed = (
        select(literal("closed"), Case.closed_on, func.count())
        .where(
            own,
            Case.archived_at.is_(None),
            _is_closed(),
            Case.closed_on.between(period.start, period.end),
        )
        .group_by(Case.closed_on)
    )
    result = {month: {"new": 0, "closed": 0} for month in period.months()}
    for kind, day, n in db.session.execute(union_all(opened, closed)):
        day = _as_date(day)
        result.setdefault((day.year, day.month), {"new": 0, "closed": 0})[kind] += n
    return result


@dataclass(frozen=True)
class AreaCount:
    need_area_id: int | None
    name: str | None
    n: int


def open_cases_by_need_area(authority_id: int | None) -> list[AreaCount]:
    """Open cases per need area; a case with several areas counts in each."""
    counts = (
        select(Need.need_area_id.label("area"), func.count().label("n"))
        .select_from(Need)
        .join(Case, _part_of_case(Need))
        .where(
            _owned_by(Case, authority_id),
            _owned_by(Need, authority_id),
            case_is_open(),
            Need.archived_at.is_(None),
        )
        .group_by(Need.need_area_id)
        .subquery("counts")
    )
    return [AreaCount(*row) for row in _named(NeedArea, counts, counts.c.area)]


def _named(reference, counts, key):
    """The ``counts`` subquery's rows with their reference row's id and name, in the
    reference table's order (reference data: one join, no row of client data loaded)."""
    statement = (
        select(reference.id, reference.name, counts.c.n)
        .join(counts, key == reference.id)
        .order_by(reference.position, reference.name)
    )
    return db.session.execute(statement)


@dataclass(frozen=True)
class KindCount:
    kind_id: int
    name: str
    n: int


def documents_by_kind(authority_id: int | None) -> list[KindCount]:
    """Documents per kind, archived ones left out. A purged document still counts: the
    retention purge keeps its kind (services/privacy.py)."""
    counts = (
        select(Document.kind_id.label("kind"), func.count().label("n"))
        .where(_per_authority(Document, authority_id), Document.archived_at.is_(None))
        .group_by(Document.kind_id)
        .subquery("counts")
    )
    return [KindCount(*row) for row in _named(DocumentKind, counts, counts.c.kind)]


@dataclass(frozen=True)
class Caseload:
    caseworker_id: int | None
    name: str | None
    n: int


def caseload(authority_id: int) -> list[Caseload]:
    """Open cases per caseworker of the authority (None: not assigned); largest first."""
    statement = (
        select(Case.caseworker_id, User.display_name, func.count())
        .select_from(Case)
        .outerjoin(User, User.id == Case.caseworker_id)
        .where(
            _owned_by(Case, authority_id),
            case_is_open(),
        )
        .group_by(Case.caseworker_id, User.display_name)
        .order_by(
            func.count().desc(),
            sql_case((Case.caseworker_id.is_(None), 1), else_=0),
            User.display_name,
        )
    )
    return [Caseload(*row) for row in db.session.execute(statement)]


def _today() -> date:
    """The package's ``today``, which tests replace."""
    from services import statistics

    return statistics.today()


def follow_up_counts(
    authority_id: int | None, caseworker_id: int | None = None, day: date | None = None
) -> dict[str, dict[str, int]]:
    """{kind: {"overdue": n, "week": n}} of the follow-ups of open cases (docs/design.md §3).

    The same kinds, conditions and due dates as the follow-up list (``services.due``): measures
    by their due date, unanswered referrals by their follow-up date, open goals by their
    target date, residence permits by their expiry, and cases by 30 days after their last
    contact. "overdue" is due before ``day``; "week" is due from ``day`` to Sunday.
    One query.
    """
    day = day or _today()
    week_end = end_of_week(day)
    cases = [_owned_by(Case, authority_id), case_is_open()]
    if caseworker_id is not None:
        cases.append(Case.caseworker_id == caseworker_id)
    # One caseworker's few cases: their parts and contacts are looked up by case, instead
    # of reading the whole authority's and keeping the caseworker's.
    mine = ()
    if caseworker_id is not None:
        own_case = aliased(Case)
        mine = (
            select(own_case.id)
            .where(
                _owned_by(own_case, authority_id),
                case_is_open(own_case),
                own_case.caseworker_id == caseworker_id,
            )
            .scalar_subquery(),
        )

    def of_mine(column):
        return [column.in_(subquery) for subquery in mine]

    def due(kind: Dated):
        part = kind.model
        return select(
            part.case_id.label("case_id"),
            part.authority_id.label("authority_id"),
            literal(kind.kind).label("kind"),
            kind.due_on().label("due"),
        ).where(
            _per_authority(part, authority_id),
            kind.waiting(),
            kind.due_on() <= week_end,
            *of_mine(part.case_id),
        )

    # Measures, referrals and goals as one list of due dates, joined to the open cases
    # once (a single hash of the open cases instead of one per kind) and counted in one
    # row, per kind, overdue and due this week.
    dated_kinds = tuple(kind.kind for kind in DATED)
    parts = union_all(*(due(kind) for kind in DATED)).subquery("due")
    of_kind = {kind: parts.c.kind == literal(kind) for kind in dated_kinds}
    dated = (
        select(
            *(
                _count_if(and_(of_kind[kind], when)).label(f"{kind}_{bucket}")
                for kind in dated_kinds
                for bucket, when in (("overdue", parts.c.due < day), ("week", parts.c.due >= day))
            )
        )
        .select_from(parts)
        .join(Case, and_(Case.id == parts.c.case_id, Case.authority_id == parts.c.authority_id))
        .where(*cases)
        .subquery("dated")
    )
    # No contact for 30 days: the last contact (or, without any, the opening) plus 30 days
    # is the due date. Only the contacts of the last 30 days are read (one authority's
    # from the (authority_id, occurred_on) index; all authorities' from the one by case,
    # merged with the open cases in case order), as each case's latest among them: a case
    # without one is overdue (or, opened less than 30 days ago, due once 30 days have
    # passed), one whose latest falls before Sunday minus 30 days is due this week.
    # Whether a case has any contact at all is asked only for the few cases opened in the
    # last 30 days without a recent one: the conditions are evaluated left to right.
    since, since_week = day - NO_CONTACT, week_end - NO_CONTACT
    recent = (
        select(
            Activity.authority_id.label("authority_id"),
            Activity.case_id.label("case_id"),
            func.max(Activity.occurred_on).label("last"),
        )
        .where(
            _owned_by(Activity, authority_id),
            Activity.occurred_on >= since,
            *of_mine(Activity.case_id),
        )
        .group_by(Activity.authority_id, Activity.case_id)
        .subquery("recent")
    )
    no_recent = recent.c.last.is_(None)
    overdue = no_contact(day, Case, no_recent=no_recent, contacted=any_contact(Case))
    this_week = and_(
        or_(no_recent, recent.c.last <= since_week),
        or_(
            recent.c.last.is_not(None),
            and_(Case.opened_on.between(since, since_week), ~any_contact(Case)),
        ),
    )
    # Residence permits in the same pass over the open cases: their clients' permits
    # that expire by Sunday (a few per cent of the clients) are joined to them.
    permit = Client.residence_valid_until
    silent = (
        select(
            _count_if(overdue).label("no_contact_overdue"),
            _count_if(this_week).label("no_contact_week"),
            _count_if(permit < day).label("permit_overdue"),
            _count_if(permit >= day).label("permit_week"),
        )
        .select_from(Case)
        .outerjoin(
            recent,
            and_(recent.c.case_id == Case.id, recent.c.authority_id == Case.authority_id),
        )
        .outerjoin(
            Client,
            and_(
                Client.id == Case.client_id,
                Client.authority_id == Case.authority_id,
                _per_authority(Client, authority_id),
                permit <= week_end,
            ),
        )
        .where(*cases)
    )
    silent = silent.subquery("silent")
    row = db.session.execute(select(dated, silent).select_from(dated).join(silent, true())).one()
    return {
        kind: {
            "overdue": int(row._mapping[f"{kind}_overdue"] or 0),
            "week": int(row._mapping[f"{kind}_week"] or 0),
        }
        for kind in FOLLOW_UP_KINDS
    }


def structural_issues_by_area_and_status() -> dict[tuple, int]:
    """{(need_area_id, status): n} of the structural issues the reader may read.

    The authority rule decides which: every authority's for team leads and auditors, the
    own authority's for caseworkers (docs/design.md §4). Issues carry no personal data.
    """
    statement = (
        select(StructuralIssue.need_area_id, StructuralIssue.status, func.count())
        .where(StructuralIssue.archived_at.is_(None))
        .group_by(StructuralIssue.need_area_id, StructuralIssue.status)
    )
    return {(area, status): n for area, status, n in db.session.execute(statement)}
