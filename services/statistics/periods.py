"""The periods the figures describe: the day, months and weeks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


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
