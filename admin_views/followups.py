"""Wiedervorlage: the derived follow-up list, for "mine" or "my team"."""

from datetime import date
from functools import partial

from flask import request, url_for
from flask_admin import BaseView, expose
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from services.followups import followups

from .base import ProtectedMixin
from .rendering import row_url

KIND_LABELS = {
    "measure": _l("Maßnahme fällig"),
    "referral": _l("Vermittlung ohne Antwort"),
    "goal": _l("Zieldatum überschritten"),
    "permit": _l("Aufenthaltstitel läuft ab"),
    "no_contact": _l("Seit 30 Tagen kein Kontakt"),
}


class FollowUpView(ProtectedMixin, BaseView):
    resource = "followups"

    @expose("/")
    def index(self):
        team = request.args.get("scope") == "team"
        items = followups(current_user.authority_id, None if team else current_user.id)
        return self.render(
            "lotse/followups.html",
            items=items,
            team=team,
            today=date.today(),
            # Up to a thousand rows: each label translated and each link built once.
            kind_labels={kind: str(label) for kind, label in KIND_LABELS.items()},
            link=partial(row_url, url_for),
        )
