"""Case-state conditions, each written once: when a case is open and may be changed, and
what of it is due (the follow-ups, *Wiedervorlage*, of docs/design.md §3).

The follow-up list (``services.followups``), the preset filters of the case list
(``admin_views.filters``), the dashboard's counts (``services.statistics``) and the views
use these conditions, so that they agree on every case. Each condition is an SQL
expression over a class or an alias of it. The statuses come from the enumerations of
``models.choices`` and are written into the SQL as literals, so that PostgreSQL matches the
partial indexes of open cases (migration 0004) however a statement is planned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, func, literal_column, or_, select
from sqlalchemy import inspect as sa_inspect

from models import OPEN_STATUSES, Activity, Case, Client, Goal, Measure, Referral
from models.choices import CASE_STATUS, GOAL_STATUS, MEASURE_STATUS, REFERRAL_STATUS, Choices


def _values(choices: Choices, *values: str) -> tuple[str, ...]:
    """``values``, checked against the enumeration they belong to."""
    unknown = [value for value in values if value not in choices]
    if unknown:
        raise ValueError(f"not a {choices.name}: {', '.join(unknown)}")
    return values


CLOSED_STATUSES = tuple(status for status in CASE_STATUS if status not in OPEN_STATUSES)
CLOSED = _values(CASE_STATUS, "closed")  # closed after the work, not declined
PENDING_MEASURE = _values(MEASURE_STATUS, "planned", "in_progress")
AWAITING_ANSWER = _values(REFERRAL_STATUS, "sent")
PENDING_GOAL = _values(GOAL_STATUS, "open", "in_progress")

DUE_SOON = timedelta(days=7)  # the follow-up list shows measures due within a week
PERMIT_WARNING = timedelta(days=90)  # and residence permits expiring within 90 days
NO_CONTACT = timedelta(days=30)  # a case without a contact for 30 days is due


def literal(value: str):
    """A constant string in SQL: a literal, not a parameter (partial indexes match it, and
    the branches of a UNION type it)."""
    return literal_column(f"'{value}'", String)


def is_one_of(column, values: tuple[str, ...]):
    """``column`` has one of ``values``, written into the SQL."""
    if len(values) == 1:
        return column == literal(values[0])
    return column.in_([literal(value) for value in values])


# -- the closed-case rule --------------------------------------------------------------------


class CaseClosed(ValueError):
    """The case is closed: its records are read-only until a team lead reopens it."""

    message = _l("Der Fall ist abgeschlossen und kann nicht mehr geändert werden.")


def is_editable(case: Case) -> bool:
    """Whether the case's records may be changed: it is in an open status."""
    return case.status not in CLOSED_STATUSES


def ensure_editable(case: Case) -> None:
    """Raise ``CaseClosed`` unless the case may be changed.

    Judged by the status the case has in the database: a change of the status that is
    still pending (the same form setting it) does not unlock a closed case. A new case,
    not yet stored, is always editable.
    """
    if case.id is None:
        return
    history = sa_inspect(case).attrs.status.history
    status = history.deleted[0] if history.deleted else case.status
    if status in CLOSED_STATUSES:
        raise CaseClosed(case.number)


# -- open cases ------------------------------------------------------------------------------


def case_is_open(case=Case):
    """The case is open and not archived: only such cases have follow-ups."""
    return and_(is_one_of(case.status, OPEN_STATUSES), case.archived_at.is_(None))


# -- dated follow-ups: measures, referrals, goals ---------------------------------------------


@dataclass(frozen=True)
class Dated:
    """A kind of follow-up that a case part's date makes due.

    ``pending(part)``: the part is still waiting (not archived, in a waiting status);
    ``due_column``: the name of its due date; ``listed_ahead``: how far ahead of today the
    follow-up list shows it (negative: only once the date has passed).
    """

    kind: str
    model: type
    due_column: str
    pending: Callable
    listed_ahead: timedelta

    def due_on(self, part=None):
        """The part's due date column."""
        return getattr(self.model if part is None else part, self.due_column)

    def waiting(self, part=None):
        """The part is still waiting for what its date asks."""
        return self.pending(self.model if part is None else part)

    def listed(self, today: date, part=None):
        """The part is waiting and shows in the follow-up list of ``today``."""
        return and_(self.waiting(part), self.due_on(part) <= today + self.listed_ahead)

    def overdue(self, today: date, part=None):
        """The part is waiting and its date is before ``today``."""
        return and_(self.waiting(part), self.due_on(part) < today)


MEASURES = Dated(
    "measure",
    Measure,
    "due_on",
    lambda m: and_(m.archived_at.is_(None), is_one_of(m.status, PENDING_MEASURE)),
    DUE_SOON,
)
REFERRALS = Dated(
    "referral",
    Referral,
    "follow_up_on",
    lambda r: and_(
        r.archived_at.is_(None), is_one_of(r.status, AWAITING_ANSWER), r.answered_on.is_(None)
    ),
    timedelta(0),
)
GOALS = Dated(
    "goal",
    Goal,
    "target_date",
    lambda g: and_(g.archived_at.is_(None), is_one_of(g.status, PENDING_GOAL)),
    timedelta(days=-1),
)
DATED = (MEASURES, REFERRALS, GOALS)


def overdue_part(today: date, case=Case):
    """The case has an overdue measure, an unanswered referral past its follow-up date or
    a goal past its target date. Only open cases are due (``case_is_open``)."""
    return or_(
        *(
            select(kind.model.id)
            .where(kind.model.case_id == case.id, kind.overdue(today))
            .correlate(case)
            .exists()
            for kind in DATED
        )
    )


# -- residence permits -------------------------------------------------------------------------


def permit_listed(today: date, client=Client):
    """The client's residence permit expires within ``PERMIT_WARNING`` (or has expired)."""
    valid_until = client.residence_valid_until
    return and_(valid_until.is_not(None), valid_until <= today + PERMIT_WARNING)


# -- no contact for 30 days ------------------------------------------------------------------


def last_contact(case=Case):
    """The date of the case's latest contact (NULL without any)."""
    return (
        select(func.max(Activity.occurred_on))
        .where(Activity.case_id == case.id)
        .correlate(case)
        .scalar_subquery()
    )


def any_contact(case=Case):
    """The case has a contact at all."""
    return select(Activity.id).where(Activity.case_id == case.id).correlate(case).exists()


def recent_contact(today: date, case=Case):
    """The case has a contact in the ``NO_CONTACT`` days up to ``today``."""
    return (
        select(Activity.id)
        .where(Activity.case_id == case.id, Activity.occurred_on >= today - NO_CONTACT)
        .correlate(case)
        .exists()
    )


def no_contact(today: date, case=Case, *, no_recent=None, contacted=None):
    """The case has had no contact for ``NO_CONTACT`` days: none since then, and it was
    opened before then or (rarely) has contacts dated before its opening. Only open cases
    are due (``case_is_open``).

    A statement may say in its own way that the case has no recent contact (``no_recent``;
    the dashboard joins the recent contacts once) and that it has a contact at all
    (``contacted``). By default both are looked up per case in the (case_id, occurred_on)
    index: ``~recent_contact`` and the latest contact's date (which the follow-up list
    reads anyway, for ``silent_since``).
    """
    if no_recent is None:
        no_recent = ~recent_contact(today, case)
    if contacted is None:
        contacted = last_contact(case).is_not(None)
    return and_(no_recent, or_(case.opened_on < today - NO_CONTACT, contacted))


def silent_since(case=Case):
    """The day the 30 days without a contact are counted from: the latest contact, or the
    opening without any."""
    return func.coalesce(last_contact(case), case.opened_on)
