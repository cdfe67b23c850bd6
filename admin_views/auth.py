"""Login and logout with Flask-Login; the session is bound to the user's session token.

An account with a second factor, or one that must enrol one now, is not logged in after
the password: the session only holds a pending login (``start_pending``), and the code or
enrolment step of ``admin_views/second_factor.py`` completes it. Until then Flask-Login
sees an anonymous visitor, so no admin page or data is reachable.
"""

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from models import User, db
from models.auditing import record
from models.choices import LOCALE
from models.scoping import bind_request_scope, unscoped
from models.types import utcnow
from services.authentication import complete_login, end_sessions, session_expired, verify_password
from services.second_factor import enrolled, enrolment_deadline, in_grace_period, must_enrol_now

from .i18n import format_date
from .permissions import second_factor_always

bp = Blueprint("auth", __name__)
login_manager = LoginManager()


class LoginForm(FlaskForm):
    email = EmailField(_l("E-Mail"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("Passwort"), validators=[DataRequired(), Length(max=200)])


def safe_next(target: str | None) -> str | None:
    """Only a local path may follow the login; anything with a scheme or host is dropped."""
    if not target:
        return None
    target = target.strip()
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@login_manager.user_loader
def load_user(session_token: str):
    # Finding who is logged in comes before any scope can exist.
    with unscoped("session user lookup"):
        # With the authority, which every page's header names: one statement, not two.
        user = db.session.execute(
            select(User)
            .where(User.session_token == session_token, User.active.is_(True))
            .options(joinedload(User.authority))
        ).scalar_one_or_none()
        bind_request_scope(user)
    return user


@login_manager.unauthorized_handler
def unauthorized():
    if request.blueprint and request.path.startswith("/admin"):
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    abort(401)


def _login_rate_limit() -> str:
    return current_app.config["LOTSE_LOGIN_RATE_LIMIT"]


def wrong_login_message() -> str:
    # One message for unknown users, wrong passwords and locked accounts alike.
    return _("E-Mail-Adresse oder Passwort ist falsch.")


PENDING = "lotse_pending_login"


def start_pending(user: User, next_url: str | None) -> None:
    """The password was right; the second step is still to come. Nothing is logged in."""
    session.clear()  # a fresh session at login, against session fixation
    session[PENDING] = {"token": user.session_token, "at": utcnow().timestamp(), "next": next_url}


def start_session(user: User) -> None:
    """Every factor is checked: a fresh session, logged in and bound to the user's token."""
    session.clear()  # a fresh session at login, against session fixation
    login_user(user)
    bind_request_scope(user)
    session.permanent = True
    session["auth_at"] = utcnow().timestamp()
    # The session's CSRF token, now: two tabs that load their first pages at once would
    # otherwise each make one, and the tab whose cookie lost would be refused on saving.
    # (The login form's check cached the old session's token for this request.)
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    generate_csrf()


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = verify_password(form.email.data, form.password.data)
        if user is None:
            flash(wrong_login_message(), "error")
            return render_template("login.html", form=form), 200
        next_url = safe_next(request.args.get("next"))
        always = second_factor_always(user.role)
        if enrolled(user):
            start_pending(user, next_url)
            return redirect(url_for("second_factor.code"))
        if must_enrol_now(user, always=always):
            start_pending(user, next_url)
            return redirect(url_for("second_factor.setup"))
        complete_login(user)
        start_session(user)
        if in_grace_period(user, always=always):
            return _offer_enrolment(user, next_url)
        return redirect(next_url or url_for("admin.index"))
    return render_template("login.html", form=form)


def _offer_enrolment(user: User, next_url: str | None):
    flash(
        _(
            "Bitte richten Sie bis zum %(date)s einen zweiten Faktor ein; danach ist die "
            "Anmeldung nur noch damit möglich.",
            date=format_date(enrolment_deadline(user)),
        ),
        "warning",
    )
    return redirect(url_for("profile.second_factor", next=next_url))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    end_sessions(current_user)
    record("logout", "user", current_user.id)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Sie wurden abgemeldet."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/locale", methods=["POST"])
@login_required
def set_locale():
    """Each user chooses the UI language for themselves."""
    locale = request.form.get("locale")
    if locale not in LOCALE:
        abort(400)
    current_user.locale = locale
    db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("admin.index"))


@bp.route("/")
def root():
    return redirect(url_for("admin.index"))


def _enforce_session_limits():
    """End sessions past the absolute limit; the idle limit is the cookie's lifetime."""
    if not current_user.is_authenticated:
        return None
    max_hours = current_app.config["LOTSE_SESSION_MAX_HOURS"]
    if session_expired(session.get("auth_at"), datetime.now(UTC), max_hours):
        logout_user()
        session.clear()
        flash(_("Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an."), "info")
        return redirect(url_for("auth.login"))
    session.modified = True  # refreshes the idle timeout on every request
    return None


# What a logged-in user who must still enrol a second factor may reach meanwhile.
ENROLMENT_ENDPOINTS = frozenset(
    {"profile.second_factor", "auth.logout", "auth.set_locale", "static", "admin.static"}
)


def _enforce_second_factor():
    """A session whose grace period ended meanwhile goes to the enrolment, and nowhere else.

    It reads only the session user's row, loaded already (no statement of its own).
    """
    if not current_user.is_authenticated or request.endpoint in ENROLMENT_ENDPOINTS:
        return None
    if must_enrol_now(current_user, always=second_factor_always(current_user.role)):
        return redirect(url_for("profile.second_factor"))
    return None


def init_auth(app) -> None:
    from .second_factor import bp as second_factor_bp

    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    app.register_blueprint(bp)
    app.register_blueprint(second_factor_bp)
    # Per-IP limit on login attempts, in memory or in Redis (LOTSE_RATELIMIT_STORAGE_URI).
    # One limiter per app: its storage is per app, like the app's configuration.
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["LOTSE_RATELIMIT_STORAGE_URI"])
    limiter = Limiter(key_func=get_remote_address, default_limits=[], app=app)
    # The code steps are limited like the password, each with a count of its own.
    for endpoint in ("auth.login", "second_factor.code", "second_factor.setup"):
        app.view_functions[endpoint] = limiter.limit(_login_rate_limit, methods=["POST"])(
            app.view_functions[endpoint]
        )
    app.extensions["lotse_limiter"] = limiter
    app.before_request(_enforce_session_limits)
    app.before_request(_enforce_second_factor)
