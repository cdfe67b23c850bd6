"""Steering figures: what the dashboard and the steering report count.

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
  ``anonymised()``, the named context ``models.scoping.anonymised_figures``: an explicit
  bypass of the authority rule that refuses every write and every statement but a SELECT.
  What it returns are counts and medians; ``protect()`` turns them into cells that never
  show a number under five (``MIN_CELL``) and never let a team lead work out another
  authority's small number by subtracting the own figure.
* **Medians** come from histograms: the database counts the rows per group and distinct
  value (days and minutes take a few hundred values, however many cases there are), and
  ``_median_of`` picks the middle value, or the mean of the two middle values, from those
  counts. Exact, the same on SQLite and PostgreSQL, and no rows are sorted.
* **Indexes.** The statements are written for the covering, authority-led indexes of
  migration 0004, so that PostgreSQL answers them from the indexes alone: every figure
  excludes archived rows (the indexes hold only those), the case statuses are written into
  the SQL (``services.due.case_is_open``, ``sql._is_closed``) so the partial indexes of
  open and closed cases match, a case part is joined to its case on the authority as well
  (``_part_of_case``), and a total across authorities over a range of an index names every
  authority (``_per_authority``). A region of a million cases must not be read row by row.

The package by concern: ``periods`` (the days the figures describe), ``sql`` (portable SQL
pieces), ``scope`` (whose rows), ``cache``, ``disclosure`` (small numbers), ``dashboard``,
``outcomes`` (shared by the dashboard and the report), ``report`` and ``redaction``. What
is due in the follow-up counts is decided by ``services.due``.
"""

from .cache import Cached, across_authorities, figures_cache, of_authority
from .dashboard import (
    FOLLOW_UP_KINDS,
    AreaCount,
    Caseload,
    KindCount,
    caseload,
    cases_per_month,
    documents_by_kind,
    follow_up_counts,
    open_cases_by_need_area,
    open_cases_by_status,
    structural_issues_by_area_and_status,
)
from .disclosure import (
    DIFFERENCE,
    FEW_VALUES,
    MIN_CELL,
    SMALL,
    Cell,
    exact,
    protect,
    protect_median,
)
from .outcomes import (
    ALL,
    REFERRAL_ACCEPTED,
    REFERRAL_SENT,
    AgencyOutcome,
    ClosedCaseFigures,
    ClosureCount,
    closed_case_figures,
    days_to_answer,
    goal_attainment,
    referral_figures,
    referral_outcomes,
)
from .periods import Period, end_of_week, last_twelve_months, today
from .redaction import REDACTED, redact
from .report import (
    IssueLine,
    Lessons,
    closed_case_report,
    closure_outcomes,
    lessons,
    linked_issue_counts,
    linked_issues,
)
from .scope import ReadOnlyViolation, anonymised, prepare
from .sql import _median_of, days_between

__all__ = [
    "ALL",
    "DIFFERENCE",
    "FEW_VALUES",
    "FOLLOW_UP_KINDS",
    "MIN_CELL",
    "REDACTED",
    "REFERRAL_ACCEPTED",
    "REFERRAL_SENT",
    "SMALL",
    "AgencyOutcome",
    "AreaCount",
    "Cached",
    "Caseload",
    "KindCount",
    "Cell",
    "ClosedCaseFigures",
    "ClosureCount",
    "IssueLine",
    "Lessons",
    "Period",
    "ReadOnlyViolation",
    "_median_of",
    "across_authorities",
    "anonymised",
    "caseload",
    "documents_by_kind",
    "cases_per_month",
    "closed_case_figures",
    "closed_case_report",
    "closure_outcomes",
    "days_between",
    "days_to_answer",
    "end_of_week",
    "exact",
    "figures_cache",
    "follow_up_counts",
    "goal_attainment",
    "last_twelve_months",
    "lessons",
    "linked_issue_counts",
    "linked_issues",
    "of_authority",
    "open_cases_by_need_area",
    "open_cases_by_status",
    "prepare",
    "protect",
    "protect_median",
    "redact",
    "referral_figures",
    "referral_outcomes",
    "structural_issues_by_area_and_status",
    "today",
]
