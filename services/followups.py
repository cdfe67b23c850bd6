"""Follow-ups (Wiedervorlage), derived from the records rather than typed in (docs/design.md §3).

What is due is decided by the conditions of ``services.due``."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, select

from models import Case, Client, Goal, Measure, Referral, db
from models.scoping import owned_by

from .due import DATED, NO_CONTACT, case_is_open, no_contact, permit_listed, silent_since

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
        case_is_open(Case),
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

    # Measures, referrals and goals: the text shown with each, by kind.
    texts = {"measure": Measure.description, "referral": Referral.reason, "goal": Goal.description}
    for kind in DATED:
        part = kind.model
        rows = execute(
            select(part.id, kind.due_on(), texts[kind.kind], Case.id, Case.number)
            .join(Case, Case.id == part.case_id)
            .where(scope_with(part), kind.listed(today))
            .order_by(kind.due_on())
            .limit(LIMIT_PER_KIND)
        )
        items += [FollowUp(kind.kind, d, c, n, t, kind.kind, i) for i, d, t, c, n in rows]

    permits = execute(
        select(Client.id, Client.residence_valid_until, Case.id, Case.number)
        .join(Case, Case.client_id == Client.id)
        .where(scope_with(Client), permit_listed(today))
        .order_by(Client.residence_valid_until)
        .limit(LIMIT_PER_KIND)
    )
    items += [FollowUp("permit", d, c, n, "", "client", i) for i, d, c, n in permits]

    # The last contact of each case, looked up per case in (case_id, occurred_on); a case
    # with a contact in the last 30 days is left out first, by the same index.
    since = silent_since(Case)
    silent = execute(
        select(Case.id, Case.number, since)
        .where(scope, no_contact(today, Case))
        .order_by(since)
        .limit(LIMIT_PER_KIND)
    )
    items += [
        FollowUp("no_contact", last + NO_CONTACT, c, n, "", "case", c) for c, n, last in silent
    ]
    return sorted(items, key=lambda item: (item.due_on, item.case_number))
