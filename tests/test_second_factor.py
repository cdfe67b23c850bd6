"""The second factor: enrolment, the code step of the login, recovery codes, reuse, lockout,
the reset by IT staff, the audit trail and who reaches the new pages."""

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from models import AuditEvent, RecoveryCode, User, db
from models.scoping import unscoped
from models.types import utcnow
from services.authentication import LOCKOUT_AFTER
from services.second_factor import decrypt_secret, new_recovery_codes
from tests import factories
from tests.conftest import PASSWORD, AuthActions, make_app, totp_code
from tests.test_access import admin_rules, attempts_for, goes_to_login
from tests.test_access import data as access_data  # noqa: F401 (the fixture)

WRONG_LOGIN = "E-Mail-Adresse oder Passwort ist falsch."
WRONG_CODE = "Der Code ist falsch oder wurde schon verwendet."
ENROLMENT_REFUSED = "Der Code stimmt nicht."
SECRET_ON_PAGE = re.compile(r'id="totp-secret">([A-Z2-7 ]+)<')
RECOVERY_ON_PAGE = re.compile(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>")


def _user(app, email) -> User:
    with app.app_context(), unscoped("test check"):
        user = db.session.scalars(select(User).where(User.email == email)).one()
        db.session.expunge(user)
        return user


def _new_user(app, world, email, role, *, enrolled=False, created_days_ago=0):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        user = factories.make_user(email, role, authority, enrolled=enrolled)
        user.created_at = utcnow() - timedelta(days=created_days_ago)
        db.session.commit()
    return email


def _audit(app, user_id=None):
    with app.app_context(), unscoped("test check"):
        query = select(AuditEvent).order_by(AuditEvent.id)
        if user_id is not None:
            query = query.where(AuditEvent.object_type == "user", AuditEvent.object_id == user_id)
        return [(e.action, e.changes or {}) for e in db.session.scalars(query)]


def _password_step(client, email, password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def _text(response) -> str:
    return response.get_data(as_text=True)


def _reaches_admin(client) -> bool:
    return client.get("/admin/client/").status_code in (200, 403)


# -- enrolment --------------------------------------------------------------------------------


def test_a_team_lead_without_a_factor_must_enrol_before_anything_else(app, client, world):
    email = _new_user(app, world, "neu-tl@kreis-lippe.example", "team_lead")
    response = _password_step(client, email)
    assert response.headers["Location"] == "/login/setup"
    assert not _reaches_admin(client)  # half-authenticated: nothing yet

    page = _text(client.get("/login/setup"))
    assert "<svg" in page
    assert "QR-Code für Ihre App" in page
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
    assert len(secret) == 32
    # The pending secret is encrypted at rest, and a reload shows the same one.
    stored = _user(app, email).totp_secret
    assert secret not in stored
    with app.app_context():
        assert decrypt_secret(stored) == secret
    assert secret in _text(client.get("/login/setup")).replace(" ", "")

    wrong = client.post("/login/setup", data={"code": "000000"})
    assert wrong.status_code == 200
    assert ENROLMENT_REFUSED in _text(wrong)
    assert _user(app, email).totp_enrolled_at is None
    assert not _reaches_admin(client)

    done = client.post("/login/setup", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = RECOVERY_ON_PAGE.findall(_text(done))
    assert len(codes) == len(set(codes)) == 10
    assert _user(app, email).totp_enrolled_at is not None
    assert _reaches_admin(client)

    # Shown once: neither the codes nor the secret appear again.
    for page in (client.get("/admin/profile/second-factor/"), client.get("/login/setup")):
        assert not RECOVERY_ON_PAGE.search(_text(page))
        assert secret not in _text(page).replace(" ", "")
    with app.app_context(), unscoped("test check"):
        hashes = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(hashes) == 10
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert not any(c.replace("-", "") in h for c in codes for h in hashes)

    user_id = _user(app, email).id
    events = _audit(app, user_id)
    assert ("login_failed", {"reason": "enrolment_code"}) in events
    assert ("login", {"second_factor": "enrolled"}) in events
    enrolment = [c for a, c in events if a == "update" and "totp_enrolled_at" in c]
    assert enrolment
    assert enrolment[-1]["totp_enrolled_at"][0] is None
    assert all(secret not in str(c) for _a, c in events)


def test_team_leads_and_it_staff_enrol_even_when_the_factor_is_not_required(
    database_url, app, world
):
    optional = make_app(database_url, LOTSE_2FA_REQUIRED=False)
    for role in ("team_lead", "it_admin"):
        email = _new_user(app, world, f"{role}-neu@kreis-lippe.example", role)
        response = _password_step(optional.test_client(), email)
        assert response.headers["Location"] == "/login/setup", role
    caseworker = _new_user(app, world, "cw-neu@kreis-lippe.example", "caseworker")
    response = _password_step(optional.test_client(), caseworker)
    assert response.headers["Location"] == "/admin/"


def test_other_roles_may_skip_during_the_grace_period_but_not_after(app, world):
    fresh = _new_user(app, world, "frisch@kreis-lippe.example", "caseworker")
    browser = app.test_client()
    response = _password_step(browser, fresh)
    assert response.headers["Location"].startswith("/admin/profile/second-factor/")
    page = _text(browser.get(response.headers["Location"]))
    assert "Bitte richten Sie bis zum" in page
    assert "Später einrichten" in page
    assert browser.get("/admin/client/").status_code == 200  # skipped

    old = _new_user(app, world, "alt@kreis-lippe.example", "auditor", created_days_ago=15)
    response = _password_step(app.test_client(), old)
    assert response.headers["Location"] == "/login/setup"


def test_a_session_whose_grace_period_ends_goes_to_the_enrolment(app, world):
    email = _new_user(app, world, "spaet@kreis-lippe.example", "caseworker")
    browser = app.test_client()
    _password_step(browser, email)
    assert browser.get("/admin/client/").status_code == 200
    with app.app_context(), unscoped("test arrangement"):
        user = db.session.scalars(select(User).where(User.email == email)).one()
        user.created_at = utcnow() - timedelta(days=30)
        db.session.commit()
    response = browser.get("/admin/client/")
    assert response.headers["Location"] == "/admin/profile/second-factor/"
    page = _text(browser.get("/admin/profile/second-factor/"))
    assert "Bitte richten Sie jetzt einen zweiten Faktor ein." in page
    assert "Später einrichten" not in page
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
    done = browser.post("/admin/profile/second-factor/", data={"code": pyotp.TOTP(secret).now()})
    assert len(RECOVERY_ON_PAGE.findall(_text(done))) == 10
    assert browser.get("/admin/client/").status_code == 200


def test_the_grace_period_can_count_from_a_set_start(database_url, app, world):
    email = _new_user(app, world, "alt2@kreis-lippe.example", "caseworker", created_days_ago=400)
    recent = (utcnow() - timedelta(days=3)).date()
    started = make_app(database_url, LOTSE_2FA_GRACE_FROM=recent)
    response = _password_step(started.test_client(), email)
    assert response.headers["Location"].startswith("/admin/profile/second-factor/")
    response = _password_step(app.test_client(), email)
    assert response.headers["Location"] == "/login/setup"


# -- the code step ------------------------------------------------------------------------------


def test_login_with_a_totp_code(app, client, world):
    email = world.emails["caseworker"]
    assert _password_step(client, email).headers["Location"] == "/login/code"
    assert not _reaches_admin(client)
    response = client.post("/login/code", data={"code": totp_code(app, email)})
    assert response.headers["Location"] == "/admin/"
    assert _reaches_admin(client)
    assert ("login", {"second_factor": "totp"}) in _audit(app, world.caseworker)


def test_a_wrong_code_is_refused_in_german_and_audited(app, client, world):
    email = world.emails["caseworker"]
    _password_step(client, email)
    response = client.post("/login/code", data={"code": "123456"})
    assert response.status_code == 200
    assert WRONG_CODE in _text(response)
    assert not _reaches_admin(client)
    assert _user(app, email).failed_logins == 1
    assert ("login_failed", {"reason": "second_factor"}) in _audit(app, world.caseworker)
    assert "123456" not in str(_audit(app))


def test_a_code_of_an_already_used_time_step_is_refused(app, world):
    email = world.emails["caseworker"]
    first = app.test_client()
    _password_step(first, email)
    code = totp_code(app, email)
    assert first.post("/login/code", data={"code": code}).headers["Location"] == "/admin/"
    second = app.test_client()
    _password_step(second, email)
    response = second.post("/login/code", data={"code": code})
    assert WRONG_CODE in _text(response)
    assert not _reaches_admin(second)
    assert ("login_failed", {"reason": "reused_code"}) in _audit(app, world.caseworker)


def test_a_recovery_code_works_once(app, world):
    email = world.emails["team_lead"]
    with app.app_context(), unscoped("test arrangement"):
        codes = new_recovery_codes(db.session.get(User, world.team_lead))
        db.session.commit()
    browser = app.test_client()
    _password_step(browser, email)
    response = browser.post("/login/code", data={"code": codes[3].upper()})
    assert response.headers["Location"] == "/admin/"
    page = _text(browser.get("/admin/"))
    assert "Wiederherstellungscode verwendet" in page
    assert "Es bleiben 9 Codes." in page
    assert ("login", {"second_factor": "recovery_code"}) in _audit(app, world.team_lead)

    again = app.test_client()
    _password_step(again, email)
    response = again.post("/login/code", data={"code": codes[3]})
    assert WRONG_CODE in _text(response)
    assert not _reaches_admin(again)
    assert ("login_failed", {"reason": "second_factor"}) in _audit(app, world.team_lead)
    assert all(code not in str(_audit(app)) for code in codes)


def test_wrong_codes_count_toward_the_lockout_and_the_password_does_not_reset_it(app, world):
    email = world.emails["caseworker"]
    for _attempt in range(LOCKOUT_AFTER - 1):
        browser = app.test_client()
        _password_step(browser, email)
        browser.post("/login/code", data={"code": "000000"})
    assert _user(app, email).failed_logins == LOCKOUT_AFTER - 1
    browser = app.test_client()
    _password_step(browser, email)  # the right password leaves the count as it is
    assert _user(app, email).failed_logins == LOCKOUT_AFTER - 1
    response = browser.post("/login/code", data={"code": "000000"})
    assert response.headers["Location"] == "/login"  # locked: the pending login ends
    user = _user(app, email)
    assert user.failed_logins == LOCKOUT_AFTER
    assert user.locked_until is not None
    # Locked, even the right password and code do not open it now.
    response = AuthActions(app.test_client()).login(email)
    assert WRONG_LOGIN in _text(response)


def test_a_pending_login_expires(app, client, world):
    email = world.emails["caseworker"]
    _password_step(client, email)
    with client.session_transaction() as session:
        pending = dict(session["lotse_pending_login"])
        pending["at"] -= 6 * 60
        session["lotse_pending_login"] = pending
    response = client.post("/login/code", data={"code": totp_code(app, email)})
    assert response.headers["Location"] == "/login"
    assert not _reaches_admin(client)


def test_the_code_step_is_rate_limited_like_the_password(database_url, app, world):
    limited = make_app(database_url, RATELIMIT_ENABLED=True, LOTSE_LOGIN_RATE_LIMIT="3 per minute")
    browser = limited.test_client()
    _password_step(browser, world.emails["caseworker"])
    statuses = [browser.post("/login/code", data={"code": "000000"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "Zu viele Anfragen" in _text(browser.post("/login/code", data={"code": "1"}))


# -- reset by IT staff -------------------------------------------------------------------------


def test_reset_2fa_clears_the_factor_ends_sessions_and_is_audited(app, runner, world, login_as):
    email = world.emails["team_lead"]
    logged_in = login_as("team_lead")
    with app.app_context(), unscoped("test arrangement"):
        new_recovery_codes(db.session.get(User, world.team_lead))
        db.session.commit()
    result = runner.invoke(args=["users", "reset-2fa", email.upper()])
    assert result.exit_code == 0, result.output
    assert "Zweiter Faktor für teamleitung@kreis-lippe.example zurückgesetzt" in result.output
    user = _user(app, email)
    assert (user.totp_secret, user.totp_enrolled_at, user.totp_last_step) == (None, None, None)
    with app.app_context(), unscoped("test check"):
        assert db.session.scalars(select(RecoveryCode)).all() == []
    assert goes_to_login(logged_in.get("/admin/client/"))
    events = _audit(app, world.team_lead)
    reset = [c for a, c in events if a == "update" and "totp_enrolled_at" in c]
    assert reset
    assert reset[-1]["totp_enrolled_at"][1] is None
    # The next login enrols anew.
    assert _password_step(app.test_client(), email).headers["Location"] == "/login/setup"


def test_reset_2fa_of_an_unknown_email_fails_in_german(app, runner, world):
    before = _audit(app)
    result = runner.invoke(args=["users", "reset-2fa", "niemand@kreis-lippe.example"])
    assert result.exit_code == 1
    assert "Fehler: kein Benutzerkonto mit der E-Mail" in result.output
    assert "Traceback" not in result.output
    assert _audit(app) == before


# -- who reaches the new pages -----------------------------------------------------------------


NEW_PAGES = ("/login/code", "/login/setup")


def test_anonymous_visitors_get_nothing_from_the_code_and_setup_pages(app, client, world):
    for path in NEW_PAGES:
        for method in ("GET", "POST"):
            response = client.open(path, method=method, data={"code": "000000"})
            assert response.headers["Location"] == "/login", (path, method)
    response = client.get("/admin/profile/second-factor/")
    assert goes_to_login(response)
    assert goes_to_login(client.post("/admin/profile/second-factor/", data={"code": "1"}))


def test_a_half_authenticated_session_reaches_no_admin_url(app, client, access_data):
    """The sweep of tests/test_access.py, after the password step and before the code."""
    _password_step(client, access_data.world.emails["caseworker"])
    tried = 0
    for rule in admin_rules(app):
        for attempt in attempts_for(app, rule, access_data):
            response = attempt.send(client)
            assert goes_to_login(response), (str(attempt), response.status_code)
            tried += 1
    assert tried > 250
    for path, method in (("/logout", "POST"), ("/locale", "POST")):
        assert client.open(path, method=method).status_code == 401
    # An enrolled user's pending login shows no enrolment (and so no secret).
    assert client.get("/login/setup").headers["Location"] == "/login"


@pytest.mark.parametrize(
    "role", ["caseworker", "team_lead", "it_admin", "auditor", "foreign_caseworker"]
)
def test_each_role_sees_only_its_own_factor(app, world, login_as, role):
    browser = login_as(role)
    own = _user(app, world.emails[role])
    page = browser.get("/admin/profile/second-factor/")
    assert page.status_code == 200
    assert "Ihr zweiter Faktor ist seit" in _text(page)
    assert factories.TOTP_SECRET not in _text(page).replace(" ", "")
    assert not SECRET_ON_PAGE.search(_text(page))
    # A logged-in user has nothing pending: the login steps send them on.
    for path in NEW_PAGES:
        assert browser.get(path).headers["Location"] == "/admin/", path
    # Posting a code changes neither their factor nor another authority's user.
    others = [_user(app, e) for r, e in world.emails.items() if r != role]
    browser.post("/admin/profile/second-factor/", data={"code": "000000"})
    assert _user(app, own.email).totp_secret == own.totp_secret
    for other in others:
        after = _user(app, other.email)
        assert (after.totp_secret, after.totp_enrolled_at) == (
            other.totp_secret,
            other.totp_enrolled_at,
        )


# -- configuration ------------------------------------------------------------------------------


def test_the_role_table_says_who_needs_the_factor_always():
    from admin_views.permissions import PERMISSIONS
    from admin_views.permissions import SECOND_FACTOR_ALWAYS as always

    assert always == {"team_lead", "it_admin"}
    assert always.issubset(PERMISSIONS)


def test_a_secret_is_unreadable_under_another_secret_key(database_url, app, world):
    """A new SECRET_KEY cannot read the stored secrets: the code step refuses every code."""
    rekeyed = make_app(database_url, SECRET_KEY="another-secret-key-for-this-test")
    browser = rekeyed.test_client()
    email = world.emails["caseworker"]
    _password_step(browser, email)
    response = browser.post("/login/code", data={"code": totp_code(app, email)})
    assert WRONG_CODE in _text(response)
    with rekeyed.app_context():
        assert decrypt_secret(_user(rekeyed, email).totp_secret) is None


def test_the_code_step_speaks_english_for_the_default_locale_en(database_url, app, world):
    english = make_app(database_url, LOTSE_DEFAULT_LOCALE="en")
    browser = english.test_client()
    _password_step(browser, world.emails["caseworker"])
    page = _text(browser.get("/login/code"))
    assert "Second factor" in page
    assert "Confirm" in page
