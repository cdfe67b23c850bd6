"""The login rules as a service: lockout with growing delay, audit reasons, session limits."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models import AuditEvent, User, db
from models.scoping import unscoped
from services.authentication import (
    LOCKOUT_AFTER,
    authenticate,
    end_sessions,
    failed_login_delay,
    session_expired,
)
from tests.conftest import PASSWORD


def _reasons():
    with unscoped("test check"):
        return [
            (e.action, (e.changes or {}).get("reason"))
            for e in db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.in_(("login", "login_failed")))
                .order_by(AuditEvent.id)
            )
        ]


def _user(world) -> User:
    with unscoped("test check"):
        return db.session.get(User, world.caseworker)


def test_the_delay_doubles_from_the_fifth_failure_and_stops_at_an_hour():
    assert [failed_login_delay(n) for n in range(LOCKOUT_AFTER)] == [timedelta(0)] * 5
    assert failed_login_delay(5) == timedelta(minutes=1)
    assert failed_login_delay(6) == timedelta(minutes=2)
    assert failed_login_delay(8) == timedelta(minutes=8)
    assert failed_login_delay(40) == timedelta(hours=1)


def test_five_failures_lock_the_account_even_against_the_right_password(app, world):
    email = world.emails["caseworker"]
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    with app.test_request_context():
        for _attempt in range(LOCKOUT_AFTER):
            assert authenticate(email, "falsch", now) is None
        user = _user(world)
        assert user.failed_logins == 5
        assert user.locked_until == now + timedelta(minutes=1)
        assert authenticate(email.upper(), PASSWORD, now + timedelta(seconds=30)) is None
        # Once the delay is over the right password opens the account and resets the count.
        opened = authenticate(f"  {email} ", PASSWORD, now + timedelta(minutes=2))
        assert opened is not None
        assert opened.id == world.caseworker
        assert (opened.failed_logins, opened.locked_until) == (0, None)
        reasons = _reasons()
    assert reasons == [
        *[("login_failed", "credentials")] * 5,
        ("login_failed", "locked"),
        ("login", None),
    ]


def test_unknown_and_deactivated_accounts_are_refused_and_told_apart_only_in_the_audit(app, world):
    with app.test_request_context():
        assert authenticate("niemand@example.org", PASSWORD) is None
        with unscoped("test arrangement"):
            db.session.get(User, world.caseworker).active = False
            db.session.commit()
        assert authenticate(world.emails["caseworker"], PASSWORD) is None
        reasons = _reasons()
    assert reasons == [("login_failed", "unknown_account"), ("login_failed", "credentials")]


def test_ending_sessions_replaces_the_token(app, world):
    with app.test_request_context():
        user = _user(world)
        before = user.session_token
        end_sessions(user)
        assert user.session_token != before


def test_the_absolute_session_limit():
    now = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
    assert session_expired(None, now, 10)
    assert not session_expired((now - timedelta(hours=9, minutes=59)).timestamp(), now, 10)
    assert session_expired((now - timedelta(hours=10, minutes=1)).timestamp(), now, 10)
