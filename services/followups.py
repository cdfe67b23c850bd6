"""Follow-ups (Wiedervorlage), derived from the records rather than typed in (docs/design.md §3)."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select

from models import OPEN_STATUSES, Activity, Case, Client, Goal, Measure, Referral, db

DUE_SOON = timedelta(days=7)
PERMIT_WARNING = timedelta(days=90)
NO_CONTACT = timedelta(days=30)
LIMIT_PER_KIND = 200  # a bounded page; the counts say when there is more


@dataclass(frozen=True)
class FollowUp:
    kind: str
    due_on: date
    case_id: int
    case_number: str
    text: str
    endpoint: str
    record_id: int


def _case_filter(authority_id: int, caseworker_id: int | None):
    conditions = [
        Case.authority_id == authority_id,
        Case.status.in_(OPEN_STATUSES),
        Case.archived_at.is_(None),
    ]
    if caseworker_id is not None:
        conditions.append(Case.caseworker_id == caseworker_id)
    return and_(*conditions)


def followups(
    authority_id: int, caseworker_id: int | None = None, today: date | None = None
) -> list[FollowUp]:
    """Everything due for the authority's open cases, or one caseworker's; by due date.

    Five queries, one per kind, whatever the number of cases.
    """
    today = today or date.today()
    scope = _case_filter(authority_id, caseworker_id)
    execute = db.session.execute
    items: list[FollowUp] = []

    measures = execute(
        select(Measure.id, Measure.due_on, Measure.description, Case.id, Case.number)
        .join(Case, Case.id == Measure.case_id)
        .where(
            scope,
            Measure.archived_at.is_(None),
            Measure.status.in_(("planned", "in_progress")),
            Measure.due_on <= today + DUE_SOON,
        )
        .order_by(Measure.due_on)
        .limit(LIMIT_PER_KIND)
    )
    items += [FollowUp("measure", d, c, n, t, "measure", i) for i, d, t, c, n in measures]

    referrals = execute(
        select(Referral.id, Referral.follow_up_on, Referral.reason, Case.id, Case.number)
        .join(Case, Case.id == Referral.case_id)
        .where(
            scope,
            Referral.archived_at.is_(None),
            Referral.status == "sent",
            Referral.answered_on.is_(None),
            Referral.follow_up_on <= today,
        )
        .order_by(Referral.follow_up_on)
        .limit(LIMIT_PER_KIND)
    )
    items += [FollowUp("referral", d, c, n, t, "referral", i) for i, d, t, c, n in referrals]

    goals = execute(
        select(Goal.id, Goal.target_date, Goal.description, Case.id, Case.number)
        .join(Case, Case.id == Goal.case_id)
        .where(
            scope,
            Goal.archived_at.is_(None),
            Goal.status.in_(("open", "in_progress")),
            Goal.target_date < today,
        )
        .order_by(Goal.target_date)
        .limit(LIMIT_PER_KIND)
    )
    items += [FollowUp("goal", d, c, n, t, "goal", i) for i, d, t, c, n in goals]

    permits = execute(
        select(Client.id, Client.residence_valid_until, Case.id, Case.number)
        .join(Case, Case.client_id == Client.id)
        .where(
            scope,
            Client.residence_valid_until.is_not(None),
            Client.residence_valid_until <= today + PERMIT_WARNING,
        )
        .order_by(Client.residence_valid_until)
        .limit(LIMIT_PER_KIND)
    )
    items += [FollowUp("permit", d, c, n, "", "client", i) for i, d, c, n in permits]

    last_contact = (
        select(Activity.case_id, func.max(Activity.occurred_on).label("last_on"))
        .group_by(Activity.case_id)
        .subquery()
    )
    silent = execute(
        select(Case.id, Case.number, func.coalesce(last_contact.c.last_on, Case.opened_on))
        .outerjoin(last_contact, last_contact.c.case_id == Case.id)
        .where(
            scope,
            or_(
                last_contact.c.last_on < today - NO_CONTACT,
                and_(last_contact.c.last_on.is_(None), Case.opened_on < today - NO_CONTACT),
            ),
        )
        .order_by(func.coalesce(last_contact.c.last_on, Case.opened_on))
        .limit(LIMIT_PER_KIND)
    )
    items += [
        FollowUp("no_contact", last + NO_CONTACT, c, n, "", "case", c) for c, n, last in silent
    ]
    return sorted(items, key=lambda item: (item.due_on, item.case_number))
