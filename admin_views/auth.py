"""Login and logout with Flask-Login; the session is bound to the user's session token."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
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
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from models import User, db
from models.auditing import record
from models.choices import LOCALE
from models.scoping import bind_request_scope, unscoped
from models.types import utcnow
from models.user import dummy_password_check

bp = Blueprint("auth", __name__)
login_manager = LoginManager()

LOCKOUT_AFTER = 5
LOCKOUT_BASE = timedelta(minutes=1)
LOCKOUT_MAX = timedelta(hours=1)


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


def _who(user) -> dict:
    return {"user_id": user.id, "authority_id": user.authority_id}


def _failed_login_delay(failures: int) -> timedelta:
    """1, 2, 4, … minutes after the fifth failure, capped at an hour."""
    if failures < LOCKOUT_AFTER:
        return timedelta(0)
    return min(LOCKOUT_BASE * 2 ** (failures - LOCKOUT_AFTER), LOCKOUT_MAX)


def _login_rate_limit() -> str:
    return current_app.config["LOTSE_LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        with unscoped("login lookup"):
            user = db.session.execute(
                select(User).where(func.lower(User.email) == email)
            ).scalar_one_or_none()
        now = utcnow()
        if user is None:
            dummy_password_check(form.password.data)
            record("login_failed", changes={"reason": "unknown_account"})
            db.session.commit()
        elif user.locked_until and user.locked_until > now:
            dummy_password_check(form.password.data)
            record("login_failed", "user", user.id, {"reason": "locked"}, **_who(user))
            db.session.commit()
            user = None
        elif not user.check_password(form.password.data) or not user.active:
            user.failed_logins += 1
            delay = _failed_login_delay(user.failed_logins)
            if delay:
                user.locked_until = now + delay
            record("login_failed", "user", user.id, {"reason": "credentials"}, **_who(user))
            db.session.commit()
            user = None
        if user is None:
            # One message for unknown users, wrong passwords and locked accounts alike.
            flash(_("E-Mail-Adresse oder Passwort ist falsch."), "error")
            return render_template("login.html", form=form), 200
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        record("login", "user", user.id, **_who(user))
        db.session.commit()
        session.clear()  # a fresh session at login, against session fixation
        login_user(user)
        bind_request_scope(user)
        session.permanent = True
        session["auth_at"] = now.timestamp()
        return redirect(safe_next(request.args.get("next")) or url_for("admin.index"))
    return render_template("login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    current_user.rotate_session_token()
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
    started = session.get("auth_at")
    max_age = timedelta(hours=current_app.config["LOTSE_SESSION_MAX_HOURS"])
    now = datetime.now(UTC)
    if started is None or now - datetime.fromtimestamp(started, UTC) > max_age:
        logout_user()
        session.clear()
        flash(_("Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an."), "info")
        return redirect(url_for("auth.login"))
    session.modified = True  # refreshes the idle timeout on every request
    return None


def init_auth(app) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    app.register_blueprint(bp)
    # Per-IP limit on login attempts, in memory or in Redis (LOTSE_RATELIMIT_STORAGE_URI).
    # One limiter per app: its storage is per app, like the app's configuration.
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["LOTSE_RATELIMIT_STORAGE_URI"])
    limiter = Limiter(key_func=get_remote_address, default_limits=[], app=app)
    app.view_functions["auth.login"] = limiter.limit(_login_rate_limit, methods=["POST"])(
        app.view_functions["auth.login"]
    )
    app.extensions["lotse_limiter"] = limiter
    app.before_request(_enforce_session_limits)
