"""Closed-loop referrals: rules a referral must satisfy at every save (docs/design.md §2, §3)."""

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import inspect as sa_inspect

from models import Referral

FOLLOW_UP_AFTER = timedelta(days=14)
ANSWERED = ("accepted", "rejected", "in_progress", "completed")


def referral_problems(referral: Referral, on: date | None = None) -> list[str]:
    """German reasons why ``referral`` may not be saved as it is; empty when it may.

    Also fills in what has a default: the follow-up date, 14 days after sending.
    """
    on = on or date.today()
    problems = []
    agency, consent = referral.agency, referral.consent
    state = sa_inspect(referral)
    newly_sent = referral.status != "draft" and (
        state.pending or state.transient or _was_draft(referral)
    )
    if referral.goal is not None and referral.goal.case_id != referral.case.id:
        problems.append(_("Das Ziel gehört zu einem anderen Fall."))
    if (state.pending or state.transient) and agency is not None and not agency.accepts_referrals:
        problems.append(_("%(agency)s nimmt derzeit keine Vermittlungen an.", agency=agency.name))
    if referral.status not in ("draft", "withdrawn"):
        if consent is None:
            problems.append(
                _("Eine gesendete Vermittlung braucht eine Einwilligung der Klient:in.")
            )
        elif consent.client_id != referral.case.client_id:
            problems.append(_("Die Einwilligung gehört zu einer anderen Person."))
        elif newly_sent and not consent.is_valid(on):
            problems.append(_("Die Einwilligung ist nicht (mehr) gültig."))
        elif agency is not None and agency not in consent.recipient_agencies:
            problems.append(
                _(
                    "Die Einwilligung nennt %(agency)s nicht als Empfänger. Ohne sie darf die "
                    "Vermittlung nicht gesendet werden.",
                    agency=agency.name,
                )
            )
        if referral.sent_on is None:
            referral.sent_on = on
        if referral.follow_up_on is None:
            referral.follow_up_on = referral.sent_on + FOLLOW_UP_AFTER
    if referral.status in ("accepted", "rejected", "completed") and referral.answered_on is None:
        problems.append(_("Bitte das Datum der Antwort der Stelle angeben."))
    if referral.status == "rejected" and not (referral.rejection_reason or "").strip():
        problems.append(_("Eine abgelehnte Vermittlung braucht einen Ablehnungsgrund."))
    return problems


def _was_draft(referral: Referral) -> bool:
    history = sa_inspect(referral).attrs.status.history
    return bool(history.deleted) and history.deleted[0] == "draft"
