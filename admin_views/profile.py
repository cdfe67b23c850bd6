"""The logged-in user's own account: changing the password, enrolling a second factor."""

from flask import flash, redirect, request, session, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from models import db
from services.second_factor import (
    enrolled,
    enrolment_deadline,
    in_grace_period,
    must_enrol_now,
    unused_recovery_codes,
)
from services.users import UserError, change_password

from .auth import safe_next
from .base import ProtectedMixin
from .i18n import format_date
from .permissions import second_factor_always
from .second_factor import enrolment


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Aktuelles Passwort"), validators=[DataRequired(), Length(max=200)])
    new = PasswordField(_l("Neues Passwort"), validators=[DataRequired(), Length(max=200)])
    repeated = PasswordField(
        _l("Neues Passwort wiederholen"), validators=[DataRequired(), Length(max=200)]
    )


class ProfileView(ProtectedMixin, BaseView):
    def is_accessible(self) -> bool:
        return current_user.is_authenticated  # every user manages their own password

    def is_visible(self) -> bool:
        return False  # reached from the user menu, not the main menu

    @expose("/")
    def index(self):
        return redirect(url_for(".password"))

    @expose("/password/", methods=("GET", "POST"))
    def password(self):
        form = PasswordForm()
        if form.validate_on_submit():
            try:
                change_password(current_user, form.current.data, form.new.data, form.repeated.data)
            except UserError as exc:
                db.session.rollback()
                flash(str(exc), "error")
                return self.render("lotse/password.html", form=form)
            db.session.commit()
            # This session goes on under the new token; the rotation ended all others.
            started = session.get("auth_at")
            session.clear()
            login_user(current_user._get_current_object())
            session.permanent = True
            session["auth_at"] = started
            flash(_("Ihr Passwort wurde geändert. Andere Sitzungen wurden beendet."), "success")
            return redirect(url_for("admin.index"))
        return self.render("lotse/password.html", form=form)

    @expose("/second-factor/", methods=("GET", "POST"))
    def second_factor(self):
        """Enrol a factor of one's own accord, during the grace period, or once it is over
        (``auth._enforce_second_factor`` sends such a session here); once enrolled, its state.
        """
        user = current_user._get_current_object()
        next_url = safe_next(request.args.get("next")) or url_for("admin.index")
        if enrolled(user):
            if request.method == "POST":  # a second tab's enrolment, or a form sent again
                flash(_("Ihr zweiter Faktor ist schon eingerichtet."), "info")
                return redirect(url_for(".second_factor"))
            return self.render(
                "lotse/second_factor.html",
                enrolled_at=format_date(user.totp_enrolled_at),
                unused=unused_recovery_codes(user),
            )
        always = second_factor_always(user.role)
        deadline = None
        if in_grace_period(user, always=always):
            deadline = format_date(enrolment_deadline(user))
        elif must_enrol_now(user, always=always):
            flash(_("Bitte richten Sie jetzt einen zweiten Faktor ein."), "warning")

        def render(**context):
            return self.render(
                "lotse/second_factor.html", deadline=deadline, next_url=next_url, **context
            )

        def finished(codes):
            db.session.commit()
            return self.render("lotse/second_factor.html", codes=codes, next_url=next_url)

        return enrolment(user, render, finished)
