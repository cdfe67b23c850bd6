"""Login and session hardening (docs/design.md §9; OWASP ASVS 5.0 V6/V7)."""

import os
import time
from datetime import UTC, datetime, timedelta

import pytest
import redis
from itsdangerous import TimestampSigner

from models import User, db
from models.scoping import unscoped
from tests.conftest import AuthActions, make_app
from tests.factories import PASSWORD

WRONG = "E-Mail-Adresse oder Passwort ist falsch."


def _user(app, user_id):
    with app.app_context(), unscoped("test check"):
        return db.session.get(User, user_id)


def test_per_ip_rate_limit_answers_429_in_german(database_url, app, world):
    limited = make_app(database_url, RATELIMIT_ENABLED=True, LOTSE_LOGIN_RATE_LIMIT="3 per minute")
    browser = limited.test_client()
    statuses = [
        AuthActions(browser).login("x@kreis-lippe.example", "falsch").status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    last = AuthActions(browser).login(world.emails["caseworker"])
    assert last.status_code == 429
    assert "Zu viele Anfragen" in last.get_data(as_text=True)


def _redis_url():
    return os.environ.get("LOTSE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_rate_limit_is_shared_through_redis(database_url, app, world):
    url = _redis_url()
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("no Redis on 127.0.0.1:6379")
    config = {
        "RATELIMIT_ENABLED": True,
        "LOTSE_LOGIN_RATE_LIMIT": "2 per minute",
        "RATELIMIT_STORAGE_URI": url,
    }
    # Two apps stand for two gunicorn workers: the count is shared between them.
    first, second = make_app(database_url, **config), make_app(database_url, **config)
    assert AuthActions(first.test_client()).login("a@x.example", "falsch").status_code == 200
    assert AuthActions(second.test_client()).login("a@x.example", "falsch").status_code == 200
    assert AuthActions(first.test_client()).login("a@x.example", "falsch").status_code == 429
    redis.Redis.from_url(url).flushdb()


def test_lockout_delay_grows_with_further_failures(app, auth, world):
    email = world.emails["caseworker"]
    for _ in range(5):
        auth.login(email, "falsch-falsch-falsch")
    first_lock = _user(app, world.caseworker).locked_until
    with app.app_context(), unscoped("test arrangement"):
        user = db.session.get(User, world.caseworker)
        user.locked_until = datetime.now(UTC) - timedelta(seconds=1)  # the delay has passed
        db.session.commit()
    auth.login(email, "falsch-falsch-falsch")
    second = _user(app, world.caseworker)
    assert second.failed_logins == 6
    assert second.locked_until - datetime.now(UTC) > timedelta(minutes=1, seconds=50)
    assert first_lock - datetime.now(UTC) < timedelta(minutes=1, seconds=5)


def test_successful_login_after_the_delay_resets_the_counter(app, auth, world):
    for _ in range(5):
        auth.login(world.emails["caseworker"], "falsch-falsch-falsch")
    with app.app_context(), unscoped("test arrangement"):
        db.session.get(User, world.caseworker).locked_until = datetime.now(UTC) - timedelta(1)
        db.session.commit()
    assert auth.login(world.emails["caseworker"]).status_code == 302
    assert _user(app, world.caseworker).failed_logins == 0


def test_unknown_email_costs_about_as_much_time_as_a_wrong_password(auth, world):
    def timed(email):
        start = time.perf_counter()
        auth.login(email, "falsch-falsch-falsch")
        return time.perf_counter() - start

    timed("warmup@x.example")
    unknown = min(timed("niemand@x.example") for _ in range(3))
    known = min(timed(world.emails["team_lead"]) for _ in range(3))
    # Both run one argon2id verification; without the dummy check 'unknown' would be ~0.
    assert unknown > known * 0.5


def test_session_is_renewed_at_login(app, world):
    browser = app.test_client()
    browser.get("/login")
    with browser.session_transaction() as before:
        before["planted"] = "by an attacker"
    AuthActions(browser).login(world.emails["caseworker"])
    with browser.session_transaction() as after:
        assert "planted" not in after
        assert "_user_id" in after


def test_session_ends_after_the_absolute_limit(app, caseworker_client):
    with caseworker_client.session_transaction() as session:
        session["auth_at"] = (datetime.now(UTC) - timedelta(hours=10, minutes=1)).timestamp()
    response = caseworker_client.get("/admin/client/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_session_ends_after_thirty_idle_minutes(app, caseworker_client, monkeypatch):
    assert caseworker_client.get("/admin/client/").status_code == 200
    later = time.time() + 31 * 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(later))
    response = caseworker_client.get("/admin/client/")
    assert response.status_code == 302


def test_session_cookie_is_secure_outside_development(database_url, app, world):
    production = make_app(database_url, LOTSE_ENV="production")
    assert production.config["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    from app import create_app
    from config import ConfigError

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("LOTSE_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def _change(client, current, new, repeated=None):
    return client.post(
        "/admin/profile/password/",
        data={"current": current, "new": new, "repeated": repeated or new},
    )


def test_password_change_needs_the_current_password(app, caseworker_client, world):
    response = _change(caseworker_client, "falsch", "ein-neues-langes-passwort")
    assert "Das aktuelle Passwort ist falsch." in response.get_data(as_text=True)
    assert _user(app, world.caseworker).check_password(PASSWORD)


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("kurz12", "mindestens 12 Zeichen"),
        ("passwort1234", "zu verbreitet"),
        ("qwertyuiop123", "zu verbreitet"),
    ],
)
def test_weak_new_passwords_are_refused(app, caseworker_client, world, new, message):
    response = _change(caseworker_client, PASSWORD, new)
    assert message in response.get_data(as_text=True)
    assert _user(app, world.caseworker).check_password(PASSWORD)


def test_password_change_ends_other_sessions_but_not_this_one(app, login_as, world):
    this, other = login_as("caseworker"), login_as("caseworker")
    response = _change(this, PASSWORD, "ein-neues-langes-passwort")
    assert response.status_code == 302
    assert this.get("/admin/client/").status_code == 200
    assert other.get("/admin/client/").status_code == 302
    assert _user(app, world.caseworker).check_password("ein-neues-langes-passwort")


@pytest.mark.parametrize("code", [400, 403, 404, 429, 500])
def test_error_pages_are_generic_and_german(app, code):
    from admin_views.security import ERRORS

    with app.test_request_context():
        message = ERRORS[code]()
    assert message
    assert "Traceback" not in message


def test_internal_error_shows_no_trace(database_url, app, world):
    broken = make_app(database_url, TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @broken.get("/boom")
    def boom():
        raise RuntimeError("secret database text")

    response = broken.test_client().get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "interner Fehler" in html
    assert "secret database text" not in html
    assert "Traceback" not in html


def test_not_found_page_is_german(client):
    response = client.get("/gibt-es-nicht")
    assert response.status_code == 404
    assert "nicht gefunden" in response.get_data(as_text=True)
