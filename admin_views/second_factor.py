"""The second step of a login (a TOTP or recovery code) and the enrolment of a factor.

Both serve a *pending* login (``auth.start_pending``): the password was right, but nothing
is logged in yet. The rules are ``services/second_factor.py``; a wrong code counts toward
the lockout of ``services/authentication.py``. The enrolment page is shared with the
profile (``admin_views/profile.py``), where a logged-in user enrols of their own accord or
during the grace period.
"""

import segno
from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from models import User, db
from models.auditing import record
from models.scoping import bind_request_scope, unscoped
from models.types import utcnow
from services.authentication import complete_login, count_failure, second_factor_refused
from services.second_factor import (
    RECOVERY,
    REUSED,
    TOTP,
    SecondFactorError,
    check_code,
    confirm_enrolment,
    enrolled,
    grouped,
    pending_secret,
    provisioning_uri,
    unused_recovery_codes,
)

from .auth import PENDING, start_session, wrong_login_message

bp = Blueprint("second_factor", __name__)

PENDING_MINUTES = 5  # a password step is good for this long


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32)],
        description=_l("Der sechsstellige Code aus Ihrer App oder ein Wiederherstellungscode"),
    )


class EnrolmentForm(FlaskForm):
    code = StringField(
        _l("Erster Code aus der App"),
        validators=[DataRequired(), Length(max=32)],
        description=_l("Der sechsstellige Code, den Ihre App jetzt anzeigt"),
    )


def pending_user() -> User | None:
    """The account whose password step this session passed, if still current."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    if utcnow().timestamp() - float(pending.get("at", 0)) > PENDING_MINUTES * 60:
        session.pop(PENDING, None)
        return None
    with unscoped("pending login lookup"):
        user = db.session.execute(
            select(User)
            .where(User.session_token == pending.get("token"), User.active.is_(True))
            .options(joinedload(User.authority))
        ).scalar_one_or_none()
    # Its own audit rows and reads belong to this user, as after a login.
    bind_request_scope(user)
    return user


def _back_to_login(message: str | None = None):
    if current_user.is_authenticated:  # logged in already: nothing pending to complete
        return redirect(url_for("admin.index"))
    session.clear()
    if message:
        flash(message, "error")
    return redirect(url_for("auth.login"))


@bp.route("/login/code", methods=["GET", "POST"])
def code():
    user = pending_user()
    if user is None or not enrolled(user):
        return _back_to_login()
    form = CodeForm()
    if form.validate_on_submit():
        now = utcnow()
        if second_factor_refused(user, now):
            return _back_to_login(wrong_login_message())
        result = check_code(user, form.code.data, now)
        if result in (TOTP, RECOVERY):
            next_url = session[PENDING].get("next")
            complete_login(user, now, result)
            start_session(user)
            if result == RECOVERY:
                flash(
                    _(
                        "Sie haben einen Wiederherstellungscode verwendet; er gilt nicht noch "
                        "einmal. Es bleiben %(num)s Codes.",
                        num=unused_recovery_codes(user),
                    ),
                    "warning",
                )
            return redirect(next_url or url_for("admin.index"))
        count_failure(user, REUSED if result == REUSED else "second_factor", now)
        db.session.commit()
        if user.locked_until and user.locked_until > now:
            return _back_to_login(wrong_login_message())
        flash(_("Der Code ist falsch oder wurde schon verwendet."), "error")
        return render_template("second_factor_code.html", form=form), 200
    return render_template("second_factor_code.html", form=form)


def qr_code_svg(uri: str) -> Markup:
    """The otpauth URI as an inline SVG QR code (no image request, nothing leaves the page)."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, border=4, dark="#000", light="#fff", title=_("QR-Code für Ihre App")
    )
    return Markup(svg)  # noqa: S704 (segno's own SVG markup; the URI is encoded, not embedded)


def enrolment(user: User, render, finished):
    """The enrolment page for ``user``: QR code and secret, confirmed with a first code.

    ``render(**context)`` renders the page; ``finished(codes)`` answers once the factor is
    enrolled and committed, with the recovery codes to show this once.
    """
    form = EnrolmentForm()
    secret = pending_secret(user)
    db.session.commit()  # a new pending secret stays the same when the page is reloaded
    if form.validate_on_submit():
        try:
            codes = confirm_enrolment(user, form.code.data)
        except SecondFactorError as refused:
            db.session.rollback()
            record("login_failed", "user", user.id, {"reason": "enrolment_code"})
            db.session.commit()
            flash(str(refused), "error")
        else:
            return finished(codes)
    return render(
        form=form,
        qr_svg=qr_code_svg(provisioning_uri(user, secret)),
        secret=grouped(secret),
    )


@bp.route("/login/setup", methods=["GET", "POST"])
def setup():
    user = pending_user()
    if user is None or enrolled(user):
        return _back_to_login()

    def render(**context):
        return render_template("second_factor_setup.html", **context)

    def finished(codes):
        next_url = session[PENDING].get("next")
        complete_login(user, second_factor="enrolled")
        start_session(user)
        return render_template(
            "second_factor_codes.html", codes=codes, next_url=next_url or url_for("admin.index")
        )

    return enrolment(user, render, finished)
