"""Portable SQL pieces of the figures: day differences, conditional counts, medians from
histograms, and the joins of case parts to their cases."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Integer, and_, func, select, true
from sqlalchemy import case as sql_case
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from models import Case, Need
from services.due import CLOSED, is_one_of

from .periods import Period
from .scope import _owned_by

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


def _is_closed():
    """The case is closed (not declined); the status written into the SQL, so that
    PostgreSQL matches the partial index of closed cases (``services.due.is_one_of``)."""
    return is_one_of(Case.status, CLOSED)


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


def _as_date(value) -> date:
    """A DATE column's value; SQLite hands back the ISO text from a UNION."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _closed_in(authority_id: int | None, period: Period):
    return (
        _owned_by(Case, authority_id),
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
