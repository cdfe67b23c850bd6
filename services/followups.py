"""Follow-ups (Wiedervorlage), derived from the records rather than typed in (docs/design.md §3)."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select

from models import OPEN_STATUSES, Activity, Case, Client, Goal, Measure, Referral, db
from models.scoping import owned_by

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


def _case_filter(authority_id: int, caseworker_id: int | None, part=None):
    """Open, unarchived cases of the authority (or one caseworker). ``part`` is the class
    listed with its case: owned by the authority too, so that its own authority-led index
    (by status and due date, say) leads the plan, rather than a walk over every open case."""
    conditions = [
        owned_by(authority_id, Case, *([part] if part is not None else [])),
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

    def scope_with(part):
        return _case_filter(authority_id, caseworker_id, part)

    execute = db.session.execute
    items: list[FollowUp] = []

    measures = execute(
        select(Measure.id, Measure.due_on, Measure.description, Case.id, Case.number)
        .join(Case, Case.id == Measure.case_id)
        .where(
            scope_with(Measure),
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
            scope_with(Referral),
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
            scope_with(Goal),
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
            scope_with(Client),
            Client.residence_valid_until.is_not(None),
            Client.residence_valid_until <= today + PERMIT_WARNING,
        )
        .order_by(Client.residence_valid_until)
        .limit(LIMIT_PER_KIND)
    )
    items += [FollowUp("permit", d, c, n, "", "client", i) for i, d, c, n in permits]

    # The last contact of each case, looked up per case in (case_id, occurred_on); a case
    # with a contact in the last 30 days is left out first, by the same index.
    last_on = (
        select(func.max(Activity.occurred_on))
        .where(Activity.case_id == Case.id)
        .correlate(Case)
        .scalar_subquery()
    )
    recent = (
        select(Activity.id)
        .where(Activity.case_id == Case.id, Activity.occurred_on >= today - NO_CONTACT)
        .correlate(Case)
        .exists()
    )
    silent_since = func.coalesce(last_on, Case.opened_on)
    silent = execute(
        select(Case.id, Case.number, silent_since)
        # Opened long enough ago, or (rarely) with contacts dated before its opening.
        .where(scope, ~recent, or_(Case.opened_on < today - NO_CONTACT, last_on.is_not(None)))
        .order_by(silent_since)
        .limit(LIMIT_PER_KIND)
    )
    items += [
        FollowUp("no_contact", last + NO_CONTACT, c, n, "", "case", c) for c, n, last in silent
    ]
    return sorted(items, key=lambda item: (item.due_on, item.case_number))
