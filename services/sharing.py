"""Sharing a case with another authority on the client's consent (docs/design.md §4)."""

from datetime import date

from flask_babel import gettext as _

from models import CaseShare


def share_problems(share: CaseShare, on: date | None = None) -> list[str]:
    """German reasons why ``share`` may not be granted (or kept) as it is; empty if it may."""
    on = on or date.today()
    problems = []
    case, consent, recipient = share.case, share.consent, share.authority
    if case is None or consent is None or recipient is None:
        return [_("Fall, Einwilligung und empfangende Behörde sind nötig.")]
    if recipient.id == case.authority_id:
        problems.append(_("Ein Fall kann nicht mit der eigenen Behörde geteilt werden."))
    if consent.client_id != case.client_id:
        problems.append(_("Die Einwilligung gehört zu einer anderen Person als der Fall."))
    elif share.revoked_on is None:
        if not consent.is_valid(on):
            problems.append(_("Die Einwilligung ist nicht (mehr) gültig."))
        if recipient not in consent.recipient_authorities:
            problems.append(
                _(
                    "Die Einwilligung nennt %(authority)s nicht als Empfängerin.",
                    authority=recipient.name,
                )
            )
    return problems
