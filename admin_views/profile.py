"""The logged-in user's own account: changing the password."""

from flask import flash, redirect, session, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from models import db
from services.users import UserError, change_password

from .base import ProtectedMixin


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
