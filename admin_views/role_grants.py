"""Verwaltung: requests to give an account the IT role, confirmed by a second it_admin.

The rule is ``services.role_grants``; this view lists the requests and maps a refused
decision to a German flash message (and an audit row). Requests are made in the user form
(``administration.UserView``). IT staff manage every authority's accounts, so an it_admin
of any authority sees and decides every request (docs/design.md §4, "user accounts").
"""

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user

from models import db
from models.choices import ROLE, ROLE_GRANT_STATUS
from services import role_grants
from services.role_grants import RoleGrantRefused

from .base import EDIT, ProtectedMixin, allowed, deny

DECISIONS = {"confirm": role_grants.confirm, "reject": role_grants.reject}


class RoleGrantView(ProtectedMixin, BaseView):
    resource = "role_grant"

    @expose("/")
    def index(self):
        return self.render(
            "lotse/role_grants.html",
            grants=role_grants.open_grants(),
            decided=role_grants.recent_decisions(),
            is_pending=role_grants.is_pending,
            may_decide=allowed(self.resource, EDIT),
            me=current_user.id,
            role_label=ROLE.label,
            status_label=ROLE_GRANT_STATUS.label,
        )

    @expose("/decide/", methods=("POST",))
    def decide(self):
        grant_id = request.form.get("id", type=int)
        decision = DECISIONS.get(request.form.get("decision", ""))
        if not allowed(self.resource, EDIT):
            deny(self.endpoint, grant_id, 403, operation=EDIT)
        if grant_id is None or decision is None:
            abort(400)
        step = request.form["decision"]
        try:
            grant = decision(role_grants.find_grant(grant_id), by=current_user)
            db.session.commit()
        except RoleGrantRefused as refused:
            db.session.rollback()
            role_grants.record_refusal(step, refused, by=current_user, grant_id=grant_id)
            db.session.commit()
            flash(str(refused), "error")
            return redirect(url_for(".index"))
        if step == "confirm":
            message = _(
                "Bestätigt: %(email)s hat jetzt die Rolle %(role)s.",
                email=grant.user.email,
                role=ROLE.label(grant.role),
            )
        else:
            message = _("Abgelehnt: %(email)s behält die bisherige Rolle.", email=grant.user.email)
        flash(message, "success")
        return redirect(url_for(".index"))
