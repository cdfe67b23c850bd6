"""Who may log in: password check, lockout with growing delay, and the session's limits.

The second step, a TOTP or recovery code, is ``services/second_factor.py``; its failures
count toward the same lockout through ``count_failure``.

The login view, the CLI and the tests share these rules (docs/design.md §9).
The view only maps a refusal to its one German message: unknown accounts, wrong passwords,
locked and deactivated accounts are told apart in the audit trail, never to the visitor.
The per-address rate limit of login attempts is Flask-Limiter's, configured in
``admin_views/auth.py`` with ``LOTSE_LOGIN_RATE_LIMIT``.
"""

from datetime import datetime, timedelta

from sqlalchemy import func, select

from models import User, db
from models.auditing import record
from models.scoping import unscoped
from models.types import utcnow
from models.user import dummy_password_check

LOCKOUT_AFTER = 5
LOCKOUT_BASE = timedelta(minutes=1)
LOCKOUT_MAX = timedelta(hours=1)


def failed_login_delay(failures: int) -> timedelta:
    """1, 2, 4, … minutes after the fifth failure, capped at an hour."""
    if failures < LOCKOUT_AFTER:
        return timedelta(0)
    return min(LOCKOUT_BASE * 2 ** (failures - LOCKOUT_AFTER), LOCKOUT_MAX)


def _who(user: User) -> dict:
    return {"user_id": user.id, "authority_id": user.authority_id}


def verify_password(email: str, password: str, now: datetime | None = None) -> User | None:
    """The account that ``email`` and ``password`` open, or None; failures audited and
    committed.

    Every refusal costs one password hash, so that the time taken does not tell whether
    an account exists. A failure counts toward the lockout of the account. A success is
    not yet a login: the second factor may follow, and only ``complete_login`` resets the
    count, so that wrong codes after a right password still lock the account.
    """
    now = now or utcnow()
    with unscoped("login lookup"):
        user = db.session.execute(
            select(User).where(func.lower(User.email) == email.strip().lower())
        ).scalar_one_or_none()
    if user is None:
        dummy_password_check(password)
        record("login_failed", changes={"reason": "unknown_account"})
    elif _locked(user, now):
        dummy_password_check(password)
        user = None
    elif not user.check_password(password) or not user.active:
        count_failure(user, "credentials", now)
        user = None
    db.session.commit()
    return user


def _locked(user: User, now: datetime) -> bool:
    if user.locked_until and user.locked_until > now:
        record("login_failed", "user", user.id, {"reason": "locked"}, **_who(user))
        return True
    return False


def count_failure(user: User, reason: str, now: datetime) -> None:
    """A wrong password or second-factor code: toward the lockout, and audited."""
    user.failed_logins += 1
    delay = failed_login_delay(user.failed_logins)
    if delay:
        user.locked_until = now + delay
    record("login_failed", "user", user.id, {"reason": reason}, **_who(user))


def second_factor_refused(user: User, now: datetime) -> bool:
    """The account is locked (audited and committed) and takes no code now."""
    if not _locked(user, now):
        return False
    db.session.commit()
    return True


def complete_login(user: User, now: datetime | None = None, second_factor: str | None = None):
    """Every factor is checked: the lockout count resets, and the login is audited.

    ``second_factor`` says how the second step was passed (``totp``, ``recovery_code``,
    ``enrolled``), None for an account that logs in with the password alone.
    """
    now = now or utcnow()
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    changes = {"second_factor": second_factor} if second_factor else None
    record("login", "user", user.id, changes, **_who(user))
    db.session.commit()


def authenticate(email: str, password: str, now: datetime | None = None) -> User | None:
    """A login by password alone, for an account that needs no second step now."""
    user = verify_password(email, password, now)
    if user is not None:
        complete_login(user, now)
    return user


def end_sessions(user: User) -> None:
    """Every session of ``user`` ends: they are bound to the token this replaces."""
    user.rotate_session_token()


def session_expired(started_at: float | None, now: datetime, max_hours: int) -> bool:
    """Past the absolute session limit (the idle limit is the cookie's lifetime)."""
    if started_at is None:
        return True
    return now - datetime.fromtimestamp(started_at, now.tzinfo) > timedelta(hours=max_hours)
