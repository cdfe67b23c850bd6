"""Steering figures: what the dashboard and the steering report count (issue 7).

Rules that every function here follows:

* **Aggregates only.** Each figure is an SQL aggregate (``GROUP BY``), and each function
  issues one query (a few one more, for reference data: the closure reasons, or the list of
  authorities that ``_per_authority`` reads once per session), so a page's query count is
  fixed whatever the number of cases. No Python loop runs over case rows.
* **Own figures are the authority's own cases.** Functions take ``authority_id`` and filter
  on it explicitly, on top of the authority rule that the session adds to ORM reads: a case
  shared *with* the authority is not one of its cases, and the explicit filter also covers
  the medians and unions, whose outer query the session's rule does not see.
* **Totals across authorities** (``authority_id=None``) are read only inside
  ``anonymised()``: an explicit, named bypass of the authority rule that refuses every write
  and every statement but a SELECT. What it returns are counts and medians; ``protect()``
  turns them into cells that never show a number under five (``MIN_CELL``) and never let a
  team lead work out another authority's small number by subtracting the own figure.
* **Medians** come from histograms: the database counts the rows per group and distinct
  value (days and minutes take a few hundred values, however many cases there are), and
  ``_median_of`` picks the middle value, or the mean of the two middle values, from those
  counts. Exact, the same on SQLite and PostgreSQL, and no rows are sorted.
* **Indexes.** The statements are written for the covering, authority-led indexes of
  migration 0004, so that PostgreSQL answers them from the indexes alone: every figure
  excludes archived rows (the indexes hold only those), the case statuses are written into
  the SQL (``_is_open``, ``_is_closed``) so the partial indexes of open and closed cases
  match, a case part is joined to its case on the authority as well (``_part_of_case``),
  and a total across authorities over a range of an index names every authority
  (``_per_authority``). A region of a million cases must not be read row by row.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import (
    Integer,
    String,
    and_,
    event,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy import case as sql_case
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.functions import FunctionElement

from models import (
    FINAL_GOAL_STATUSES,
    OPEN_STATUSES,
    Activity,
    Agency,
    Authority,
    Case,
    Client,
    ClosureReason,
    Evaluation,
    Goal,
    HouseholdMember,
    Measure,
    Need,
    NeedArea,
    Referral,
    StructuralIssue,
    User,
    db,
)
from models.scoping import ScopeError, current_scope, unscoped

from .followups import NO_CONTACT  # the follow-up list's definition

MIN_CELL = 5  # cells across authorities below this show as "< 5"
LESSONS_LIMIT = 200  # the report lists at most this many lessons
ISSUES_LIMIT = 200
ANONYMISED_REASON = "steering: anonymised totals across authorities (aggregates only)"

# Referral statuses as the figures group them; a draft was never sent and is not counted.
REFERRAL_SENT = ("sent", "accepted", "rejected", "in_progress", "completed", "withdrawn")
REFERRAL_ACCEPTED = ("accepted", "in_progress", "completed")
FOLLOW_UP_KINDS = ("measure", "referral", "goal", "permit", "no_contact")


def today() -> date:
    """The day the figures describe; tests replace it."""
    return date.today()


# -- periods --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A range of days, both ends included."""

    start: date
    end: date

    def months(self) -> list[tuple[int, int]]:
        months, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            months.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months


def last_twelve_months(day: date) -> Period:
    """The current month and the eleven before it, up to ``day``."""
    year, month = day.year, day.month - 11
    if month < 1:
        year, month = year - 1, month + 12
    return Period(date(year, month, 1), day)


def end_of_week(day: date) -> date:
    """The Sunday of ``day``'s week (weeks start on Monday, as in Germany)."""
    return day + timedelta(days=6 - day.weekday())


# -- portable SQL pieces --------------------------------------------------------------------


class days_between(FunctionElement):
    """Whole days from the first DATE to the second, on SQLite and PostgreSQL."""

    type = Integer()
    name = "days_between"
    inherit_cache = True


@compiles(days_between)
def _days_between(element, compiler, **kw):
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({end} - {start})"  # PostgreSQL: date - date is an integer number of days


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"


def _text(value: str):
    """A constant string in SQL; a literal, not a parameter, so UNION branches type it."""
    return literal_column(f"'{value}'", String)


def _is_open():
    """The case is open; the statuses written into the SQL, not bound, so that PostgreSQL
    can match the partial index of open cases however the statement is planned."""
    return Case.status.in_([_text(status) for status in OPEN_STATUSES])


def _is_closed():
    """The case is closed; see ``_is_open``."""
    return Case.status == _text("closed")


def _count_if(condition):
    return func.coalesce(func.sum(sql_case((condition, 1), else_=0)), 0)


def _median_of(histogram: list[tuple]) -> tuple[float, int]:
    """(median, number of values) of ``[(value, count), …]``: the middle value, or the
    mean of the two middle values, as the window query over the rows would pick them."""
    histogram.sort(key=lambda row: row[0])
    n = sum(count for _value, count in histogram)
    lower, upper = (n + 1) // 2, (n + 2) // 2  # 1-based ranks of the middle value(s)
    seen, low, high = 0, None, None
    for value, count in histogram:
        seen += count
        if low is None and seen >= lower:
            low = value
        if seen >= upper:
            high = value
            break
    return (float(low) + float(high)) / 2, n


# -- the anonymised bypass ------------------------------------------------------------------

_anonymised: ContextVar[bool] = ContextVar("lotse_statistics_anonymised", default=False)


class ReadOnlyViolation(ScopeError):
    """Something tried to write inside ``anonymised()``."""


@contextlib.contextmanager
def anonymised():
    """Read every authority's rows for aggregate figures, and nothing else.

    An explicit, named ``unscoped`` context. Inside it the session refuses to flush and to
    run anything but a SELECT, so no write can cross the authority boundary through it.
    Only the functions of this module run inside it, and they return aggregates.
    """
    session = db.session
    if session.new or session.dirty or session.deleted:
        raise ReadOnlyViolation("anonymised figures are read with no unsaved changes pending")
    token = _anonymised.set(True)
    try:
        with unscoped(ANONYMISED_REASON), session.no_autoflush:
            yield
    finally:
        _anonymised.reset(token)


@event.listens_for(Session, "before_flush")
def _refuse_flush(session, flush_context, instances):
    if _anonymised.get():
        raise ReadOnlyViolation("anonymised() is read-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_writes(state):
    if _anonymised.get() and not state.is_select:
        raise ReadOnlyViolation("anonymised() runs SELECT statements only")


def prepare() -> None:
    """Call once per page, before its figures: settings for the figures' transaction.

    On PostgreSQL, JIT compilation is switched off for this transaction (``SET LOCAL``).
    The authority rule adds its criteria to every scoped table of a statement, so the
    figures' statements are large expression trees; past ``jit_above_cost`` PostgreSQL
    compiles them (over 1,500 functions for the follow-up counts), which took seconds
    where the query itself takes milliseconds.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


def _owned_by(column, authority_id: int | None):
    """``column == authority_id``; all authorities only inside ``anonymised()``."""
    if authority_id is not None:
        return column == authority_id
    scope = current_scope()
    if not _anonymised.get() or scope is None or not scope.unrestricted:
        raise ScopeError("figures across authorities are read only inside anonymised()")
    return true()


def _per_authority(column, authority_id: int | None):
    """``_owned_by(column, authority_id)``, for a statement that reads a range of an
    authority-led index, such as ``(authority_id, status, due_on)``.

    For one authority that is the plain ``column = :authority``. For the totals across
    authorities on PostgreSQL it adds ``column IN (every authority's id)``, which changes
    no result (every row belongs to an authority) but lets the same index serve the
    totals: PostgreSQL 15 cannot skip over an index's leading column, so without it a
    total reads the whole index (or table), with it one short range per authority, the
    rows it counts and no others. Not for indexes whose second column is no range
    (``(authority_id, case_id)``, read whole for a merge join): there the list only costs.
    Nor for the side of a join that is hashed: a scan with the list is not parallel-aware,
    so each parallel worker would build the whole hash again (seen in EXPLAIN).
    """
    condition = _owned_by(column, authority_id)
    if authority_id is not None or db.session.get_bind().dialect.name != "postgresql":
        return condition
    return and_(condition, column.in_(_authority_ids()))


def _authority_ids() -> list[int]:
    """Every authority's id; read once per session, that is per request or background
    computation (reference data, not scoped)."""
    info = db.session.info
    if "lotse_statistics_authorities" not in info:
        info["lotse_statistics_authorities"] = list(
            db.session.execute(select(Authority.id).order_by(Authority.id)).scalars()
        )
    return info["lotse_statistics_authorities"]


# -- a short-lived cache for the totals across authorities ----------------------------------


@dataclass(frozen=True)
class Cached:
    """Figures and when they were computed (UTC)."""

    value: object
    computed_at: datetime


STALE_FACTOR = 10  # stale figures are served, while they refresh, up to 10 × the cache time


class _FiguresCache:
    """Process-local cache of one authority's figures and of the totals across authorities.

    The slowest things a page reads are the region's full tables and the largest
    authority's (50,000 cases): a dozen aggregates over tens or hundreds of thousands of
    rows each. They are the same for every reader of one authority, so each worker keeps
    them for ``LOTSE_STATISTICS_CACHE_SECONDS`` (default 120; 0 switches the cache off, as
    the tests do) and the page says when they were computed. After that they are stale:
    still served, for up to ten times as long, while a background thread computes them
    anew, so no reader waits for the region's tables. Only aggregates and the already
    redacted lessons are kept, never a row; the protection of small numbers is applied per
    request, against the reader's own figures. The caseworker's own desk is never cached.
    """

    MAX_ENTRIES = 128

    def __init__(self):
        self._lock = threading.Lock()
        self._entries: dict[tuple, tuple[float, Cached]] = {}
        self._running: dict[tuple, threading.Thread] = {}

    @staticmethod
    def ttl() -> int:
        if not has_app_context():
            return 0
        default = 0 if current_app.testing else 120
        return int(current_app.config.get("LOTSE_STATISTICS_CACHE_SECONDS", default))

    def get(
        self,
        key: tuple,
        compute: Callable[[], object],
        refresh: Callable[[], object] | None = None,
        *,
        wait: bool = True,
    ) -> Cached | None:
        """Fresh figures from the cache, or stale ones while ``refresh`` runs in the
        background, or ``compute()`` now. With ``wait=False`` a miss starts the background
        computation and returns None."""
        ttl = self.ttl()
        if ttl <= 0:
            return Cached(compute(), datetime.now(UTC))
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
        age = now - hit[0] if hit else None
        if hit and age < ttl:
            return hit[1]
        if refresh is not None and (not wait or (hit and age < ttl * STALE_FACTOR)):
            self._refresh(key, refresh)
            return hit[1] if hit and age < ttl * STALE_FACTOR else None
        cached = Cached(compute(), datetime.now(UTC))
        self._store(key, now, cached)
        return cached

    def _store(self, key: tuple, stored: float, cached: Cached) -> None:
        with self._lock:
            if key not in self._entries and len(self._entries) >= self.MAX_ENTRIES:
                oldest = min(self._entries, key=lambda k: self._entries[k][0])
                del self._entries[oldest]
            self._entries[key] = (stored, cached)

    def _refresh(self, key: tuple, refresh: Callable[[], object]) -> None:
        with self._lock:
            if key in self._running:
                return
            thread = threading.Thread(
                target=self._run, args=(key, refresh), name="lotse-figures", daemon=True
            )
            self._running[key] = thread
        thread.start()

    def _run(self, key: tuple, refresh: Callable[[], object]) -> None:
        try:
            started = time.monotonic()
            self._store(key, started, Cached(refresh(), datetime.now(UTC)))
        except Exception:  # noqa: BLE001 - logged; the next request tries again
            logging.getLogger(__name__).exception("figures %s could not be refreshed", key)
        finally:
            with self._lock:
                self._running.pop(key, None)

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the background computations (tests and benchmarks)."""
        with self._lock:
            threads = list(self._running.values())
        for thread in threads:
            thread.join(timeout)

    def clear(self) -> None:
        self.wait()
        with self._lock:
            self._entries.clear()


figures_cache = _FiguresCache()


def _cache_key(key: tuple) -> tuple:
    database = db.engine.url.render_as_string(hide_password=True) if has_app_context() else ""
    return (database, *key)


def _background(compute: Callable[[], object], user_id: int | None):
    """``compute`` for a thread of its own: an app context, a session, and the reader's
    authority rule (or, for totals across authorities, ``anonymised()``)."""
    app = current_app._get_current_object()

    def run():
        from models.scoping import as_user

        with app.app_context():
            try:
                if user_id is None:
                    prepare()
                    with anonymised():
                        return compute()
                with unscoped("steering: the reader of figures refreshed in the background"):
                    reader = db.session.get(User, user_id)
                with as_user(reader):
                    prepare()
                    return compute()
            finally:
                db.session.rollback()
                db.session.remove()

    return run


def of_authority(authority_id: int, key: tuple, compute: Callable[[], object]) -> Cached:
    """``compute()`` of one authority's figures, through the per-process cache. Runs with
    the current reader's authority rule, now or in the background."""
    from flask_login import current_user

    return figures_cache.get(
        _cache_key(("authority", authority_id, *key)),
        compute,
        _background(compute, current_user.id),
    )


def across_authorities(
    key: tuple, compute: Callable[[], object], *, wait: bool = True
) -> Cached | None:
    """``compute()`` inside ``anonymised()``, through the per-process cache. With
    ``wait=False``, None while the first computation runs in the background."""

    def run():
        with anonymised():
            return compute()

    return figures_cache.get(_cache_key(("all", *key)), run, _background(compute, None), wait=wait)


# -- protection of small numbers ------------------------------------------------------------

SMALL = "small"  # the cell itself is under MIN_CELL
DIFFERENCE = "difference"  # total minus the reader's own figure would be a small number
FEW_VALUES = "few_values"  # a median or share over fewer than MIN_CELL values


@dataclass(frozen=True)
class Cell:
    """A figure as shown: a number, or the reason it is withheld."""

    value: float | int | None
    withheld: str | None = None

    @property
    def shown(self) -> bool:
        return self.withheld is None and self.value is not None


def exact(value) -> Cell:
    return Cell(value)


def protect(total: int, own: int | None = None) -> Cell:
    """A count across authorities, safe to show to a reader whose own figure is ``own``.

    Under ``MIN_CELL`` it is withheld ("< 5"). So is a total whose difference to the own
    figure is a small positive number: that difference is what the other authorities
    together have, and with few authorities it may be one authority's small number.
    """
    total = int(total or 0)
    if total < MIN_CELL:
        return Cell(None, SMALL)
    if own is not None and 0 < total - int(own or 0) < MIN_CELL:
        return Cell(None, DIFFERENCE)
    return Cell(total)


def protect_median(median: float | None, n: int) -> Cell:
    if median is None or n < MIN_CELL:
        return Cell(None, FEW_VALUES)
    return Cell(median)


# -- dashboard figures ----------------------------------------------------------------------


def open_cases_by_status(authority_id: int | None, caseworker_id: int | None = None):
    """{status: number of open cases}."""
    statement = select(Case.status, func.count()).where(
        _owned_by(Case.authority_id, authority_id),
        _is_open(),
        Case.archived_at.is_(None),
    )
    if caseworker_id is not None:
        statement = statement.where(Case.caseworker_id == caseworker_id)
    return {status: n for status, n in db.session.execute(statement.group_by(Case.status))}


def cases_per_month(authority_id: int | None, period: Period):
    """{(year, month): {"new": n, "closed": n}} for every month of ``period``.

    Counted per day in SQL (at most one row per day of the period) and summed into
    months here: ``EXTRACT`` per row costs more than the count itself on PostgreSQL.
    """
    own = _owned_by(Case.authority_id, authority_id)
    opened = (
        select(_text("new"), Case.opened_on, func.count())
        .where(
            _per_authority(Case.authority_id, authority_id),
            Case.archived_at.is_(None),
            Case.opened_on.between(period.start, period.end),
        )
        .group_by(Case.opened_on)
    )
    closed = (
        select(_text("closed"), Case.closed_on, func.count())
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


def _as_date(value) -> date:
    """A DATE column's value; SQLite hands back the ISO text from a UNION."""
    return date.fromisoformat(value) if isinstance(value, str) else value


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
            _owned_by(Case.authority_id, authority_id),
            _owned_by(Need.authority_id, authority_id),
            _is_open(),
            Case.archived_at.is_(None),
            Need.archived_at.is_(None),
        )
        .group_by(Need.need_area_id)
        .subquery("counts")
    )
    statement = (
        select(NeedArea.id, NeedArea.name, counts.c.n)
        .join(counts, counts.c.area == NeedArea.id)
        .order_by(NeedArea.position, NeedArea.name)
    )
    return [AreaCount(*row) for row in db.session.execute(statement)]


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
            _owned_by(Case.authority_id, authority_id),
            _is_open(),
            Case.archived_at.is_(None),
        )
        .group_by(Case.caseworker_id, User.display_name)
        .order_by(
            func.count().desc(),
            sql_case((Case.caseworker_id.is_(None), 1), else_=0),
            User.display_name,
        )
    )
    return [Caseload(*row) for row in db.session.execute(statement)]


def _closed_in(authority_id: int | None, period: Period):
    return (
        _owned_by(Case.authority_id, authority_id),
        _is_closed(),
        Case.closed_on.between(period.start, period.end),
        Case.archived_at.is_(None),
    )


def _part_of_case(part):
    """The join of a case part to its case. The composite foreign key already guarantees
    the part's authority is its case's; naming it as well lets PostgreSQL join the
    authority-led indexes of both tables, index-only, instead of visiting the rows."""
    return and_(Case.id == part.case_id, Case.authority_id == part.authority_id)


def _has_need(need_area_id: int | None):
    """The case has a need in the area (an alias of Need, so it never correlates away)."""
    if need_area_id is None:
        return true()
    need = aliased(Need)
    return (
        select(need.id)
        .where(
            _part_of_case(need),
            need.need_area_id == need_area_id,
            need.archived_at.is_(None),
        )
        .correlate(Case)
        .exists()
    )


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
            _owned_by(Goal.authority_id, authority_id),
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
        & _owned_by(Evaluation.authority_id, authority_id),
    )
    # With a need area, a case counts only if it has a need in it; so do the closure
    # reasons, which are counted in the area of each need.
    closed = (*_closed_in(authority_id, period), _has_need(need_area_id))

    def histogram(metric, source, area, value, *, nulls=False):
        statement = select(_text(metric), area, value, func.count()).select_from(source)
        if not nulls:  # a median counts the values there are
            statement = statement.where(value.is_not(None))
        return statement.group_by(area, value)

    # Overall: one pass, counted per pair of values (a few thousand pairs), which gives
    # both histograms; a case without an evaluation has no effort.
    effort = Evaluation.effort_minutes
    branches = [
        select(_text("cases"), days, effort, func.count())
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
                _part_of_case(Need)
                & Need.archived_at.is_(None)
                & _owned_by(Need.authority_id, authority_id),
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


def referral_outcomes(
    authority_id: int | None,
    *,
    sent_in: Period | None = None,
    closed_in: Period | None = None,
    by_need_area: bool = False,
    need_area_id: int | None = None,
) -> list[AgencyOutcome]:
    """Sent referrals per agency (and need area) by status.

    ``sent_in``: referrals sent in a period (the dashboard); ``closed_in``: referrals of the
    cases closed in a period (the report). Per need area, a referral counts in its own.
    """
    outcomes, _days = _referral_figures(
        authority_id,
        sent_in=sent_in,
        closed_in=closed_in,
        by_need_area=by_need_area,
        need_area_id=need_area_id,
    )
    return outcomes


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
            _per_authority(Referral.authority_id, authority_id),
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


def follow_up_counts(
    authority_id: int | None, caseworker_id: int | None = None, day: date | None = None
) -> dict[str, dict[str, int]]:
    """{kind: {"overdue": n, "week": n}} of the follow-ups of open cases (DESIGN.md §3).

    The same kinds and due dates as the follow-up list (``services.followups``): measures
    by their due date, unanswered referrals by their follow-up date, open goals by their
    target date, residence permits by their expiry, and cases by 30 days after their last
    contact. "overdue" is due before ``day``; "week" is due from ``day`` to Sunday.
    One query.
    """
    day = day or today()
    week_end = end_of_week(day)
    cases = [
        _owned_by(Case.authority_id, authority_id),
        _is_open(),
        Case.archived_at.is_(None),
    ]
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
                _owned_by(own_case.authority_id, authority_id),
                own_case.status.in_([_text(status) for status in OPEN_STATUSES]),
                own_case.archived_at.is_(None),
                own_case.caseworker_id == caseworker_id,
            )
            .scalar_subquery(),
        )

    def of_mine(column):
        return [column.in_(subquery) for subquery in mine]

    def due(kind, part, due_on, *conditions):
        return select(
            part.case_id.label("case_id"),
            part.authority_id.label("authority_id"),
            _text(kind).label("kind"),
            due_on.label("due"),
        ).where(
            _per_authority(part.authority_id, authority_id),
            part.archived_at.is_(None),
            due_on <= week_end,
            *conditions,
            *of_mine(part.case_id),
        )

    # Measures, referrals and goals as one list of due dates, joined to the open cases
    # once (a single hash of the open cases instead of one per kind) and counted in one
    # row, per kind, overdue and due this week.
    dated_kinds = ("measure", "referral", "goal")
    parts = union_all(
        due("measure", Measure, Measure.due_on, Measure.status.in_(("planned", "in_progress"))),
        due(
            "referral",
            Referral,
            Referral.follow_up_on,
            Referral.status == "sent",
            Referral.answered_on.is_(None),
        ),
        due("goal", Goal, Goal.target_date, Goal.status.in_(("open", "in_progress"))),
    ).subquery("due")
    of_kind = {kind: parts.c.kind == _text(kind) for kind in dated_kinds}
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
            _owned_by(Activity.authority_id, authority_id),
            Activity.occurred_on >= since,
            *of_mine(Activity.case_id),
        )
        .group_by(Activity.authority_id, Activity.case_id)
        .subquery("recent")
    )
    any_contact = select(Activity.id).where(Activity.case_id == Case.id).correlate(Case).exists()
    no_recent = recent.c.last.is_(None)
    overdue = and_(no_recent, or_(Case.opened_on < since, any_contact))
    this_week = and_(
        or_(no_recent, recent.c.last <= since_week),
        or_(
            recent.c.last.is_not(None),
            and_(Case.opened_on.between(since, since_week), ~any_contact),
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
                _per_authority(Client.authority_id, authority_id),
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
    own authority's for caseworkers (DESIGN.md §4). Issues carry no personal data.
    """
    statement = (
        select(StructuralIssue.need_area_id, StructuralIssue.status, func.count())
        .where(StructuralIssue.archived_at.is_(None))
        .group_by(StructuralIssue.need_area_id, StructuralIssue.status)
    )
    return {(area, status): n for area, status, n in db.session.execute(statement)}


# -- report figures -------------------------------------------------------------------------


@dataclass(frozen=True)
class ClosureCount:
    need_area_id: int | None
    closure_reason_id: int | None
    name: str | None
    outcome: str | None
    n: int


def closure_outcomes(
    authority_id: int | None, period: Period, *, need_area_id: int | None = None
) -> list[ClosureCount]:
    """Cases closed in ``period`` per need area and closure reason. Two queries: the
    counts, and the closure reasons (reference data) to name and order them."""
    return _closed_cases(authority_id, period, need_area_id=need_area_id, closures=True)[1]


def closed_case_report(
    authority_id: int | None, period: Period, *, need_area_id: int | None = None
) -> tuple[ClosedCaseFigures, list[ClosureCount]]:
    """``closed_case_figures(by_need_area=True)`` and ``closure_outcomes`` of the report,
    from one pass over the closed cases and their needs (plus the closure reasons)."""
    return _closed_cases(
        authority_id, period, by_need_area=True, need_area_id=need_area_id, closures=True
    )


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


@dataclass(frozen=True)
class IssueLine:
    need_area_id: int | None
    title: str
    status: str


def linked_issue_counts(
    authority_id: int | None, period: Period, *, need_area_id: int | None = None
) -> dict[tuple, int]:
    """{(need_area_id, status): n} of structural issues whose source case closed in
    ``period``. Per need area, an issue counts in its own."""
    statement = (
        select(StructuralIssue.need_area_id, StructuralIssue.status, func.count())
        .join(Case, _part_of_case(StructuralIssue))
        .where(
            *_closed_in(authority_id, period),
            _owned_by(StructuralIssue.authority_id, authority_id),
            StructuralIssue.archived_at.is_(None),
        )
        .group_by(StructuralIssue.need_area_id, StructuralIssue.status)
    )
    if need_area_id is not None:
        statement = statement.where(StructuralIssue.need_area_id == need_area_id)
    return {(area, status): n for area, status, n in db.session.execute(statement)}


def linked_issues(
    authority_id: int, period: Period, *, need_area_id: int | None = None
) -> list[IssueLine]:
    """The own authority's structural issues whose source case closed in ``period``.

    Titles carry no personal data by design; they are redacted all the same, with the
    names of the source case's client.
    """
    statement = (
        select(
            StructuralIssue.need_area_id,
            StructuralIssue.title,
            StructuralIssue.status,
            Client.family_name,
            Client.given_names,
        )
        .join(Case, Case.id == StructuralIssue.case_id)
        .join(Client, Client.id == Case.client_id)
        .where(
            *_closed_in(authority_id, period),
            StructuralIssue.authority_id == authority_id,
            StructuralIssue.archived_at.is_(None),
        )
        .order_by(StructuralIssue.title)
        .limit(ISSUES_LIMIT)
    )
    if need_area_id is not None:
        statement = statement.where(StructuralIssue.need_area_id == need_area_id)
    return [
        IssueLine(area, redact(title, names=(family, given)), status)
        for area, title, status, family, given in db.session.execute(statement)
    ]


@dataclass(frozen=True)
class Lessons:
    texts: list[str]
    total: int  # lessons in the period; more than ``texts`` when the list is capped


def lessons(authority_id: int, period: Period, *, need_area_id: int | None = None) -> Lessons:
    """The evaluations' lessons of the own authority's cases closed in ``period``.

    Without any personal data: no case, client, date or author goes with a lesson, the list
    is in alphabetical order, and ``redact`` removes the names of the case's client, the
    client's household and the caseworker, as well as numbers, dates, e-mail addresses and
    phone numbers from the text. Other authorities' lessons are never read: they are not
    aggregates. Two queries (the lessons, then the household names for the redaction).
    """
    statement = (
        select(
            Evaluation.lessons,
            Client.id,
            Client.family_name,
            Client.given_names,
            User.display_name,
            func.count().over(),
        )
        .select_from(Evaluation)
        .join(Case, Case.id == Evaluation.case_id)
        .join(Client, Client.id == Case.client_id)
        .outerjoin(User, User.id == Case.caseworker_id)
        .where(
            *_closed_in(authority_id, period),
            _has_need(need_area_id),
            Evaluation.authority_id == authority_id,
            Evaluation.archived_at.is_(None),
            Evaluation.lessons.is_not(None),
            func.length(func.trim(Evaluation.lessons)) > 0,
        )
        .order_by(Evaluation.lessons, Evaluation.id)
        .limit(LESSONS_LIMIT)
    )
    rows = db.session.execute(statement).all()
    household: dict[int, list[str]] = {}
    if rows:
        members = db.session.execute(
            select(
                HouseholdMember.client_id,
                HouseholdMember.family_name,
                HouseholdMember.given_names,
            ).where(
                HouseholdMember.client_id.in_({row[1] for row in rows}),
                HouseholdMember.authority_id == authority_id,
            )
        )
        for client_id, family, given in members:
            household.setdefault(client_id, []).extend((family, given))
    texts = sorted(
        redact(text, names=(family, given, staff, *household.get(client_id, ())))
        for text, client_id, family, given, staff, _total in rows
    )
    return Lessons(texts=texts, total=rows[0][-1] if rows else 0)


# -- redaction ------------------------------------------------------------------------------

REDACTED = "[…]"
_PATTERNS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",  # e-mail addresses
        r"\b[A-Z0-9ÄÖÜ]+(?:-[A-Z0-9ÄÖÜ]+)*-\d{4}-\d+\b",  # client and case numbers
        r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,3})?\b",  # IBAN
        r"\b\d{1,2}\.\s?\d{1,2}\.\s?(?:\d{4}|\d{2})\b",  # dates 01.02.1990
        r"\b\d{4}-\d{2}-\d{2}\b",  # dates 1990-02-01
        r"(?<![\w])\+?\d[\d\s/()-]{5,}\d",  # phone numbers and other long digit runs
        r"\b\d{4,}\b",  # file numbers, postcodes, years of birth
    )
]


def _name_words(names: Iterable[str | None]) -> list[str]:
    words = set()
    for name in names:
        for word in re.split(r"[\s,;/]+", name or ""):
            word = word.strip(".-'’()")
            if len(word) >= 2:
                words.add(word)
    return sorted(words, key=len, reverse=True)


def redact(text: str | None, names: Iterable[str | None] = ()) -> str:
    """``text`` with names, numbers, dates, e-mail addresses and phone numbers removed."""
    text = text or ""
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    words = _name_words(names)
    if words:
        alternatives = "|".join(re.escape(word) for word in words)
        text = re.sub(rf"(?<!\w)(?:{alternatives})(?!\w)", REDACTED, text, flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", text).strip()


__all__ = [
    "ALL",
    "MIN_CELL",
    "Cell",
    "Period",
    "across_authorities",
    "anonymised",
    "caseload",
    "cases_per_month",
    "closed_case_figures",
    "closure_outcomes",
    "days_to_answer",
    "follow_up_counts",
    "goal_attainment",
    "last_twelve_months",
    "lessons",
    "linked_issue_counts",
    "linked_issues",
    "open_cases_by_need_area",
    "open_cases_by_status",
    "protect",
    "protect_median",
    "redact",
    "referral_outcomes",
    "structural_issues_by_area_and_status",
]
