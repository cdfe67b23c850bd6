"""Login, logout and the login requirement of every admin page."""

import pytest

from admin_views.auth import safe_next
from models import User, db
from models.scoping import unscoped
from tests.conftest import AuthActions, submit_second_factor

WRONG = "E-Mail-Adresse oder Passwort ist falsch."


def _admin_urls(app):
    """Every GET-able admin URL, with a harmless value for each URL argument."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or "static" in rule.endpoint:
            continue
        url = rule.rule.replace("<export_type>", "csv")
        if "<" in url:
            continue
        urls.append((url, "GET" if "GET" in rule.methods else "POST"))
    return urls


def test_every_admin_url_sends_anonymous_visitors_to_login(app, client, world):
    urls = _admin_urls(app)
    assert len(urls) > 200
    for url, method in urls:
        response = client.open(url + "?id=1", method=method)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login"), url


def test_login_with_correct_password_opens_the_admin(auth, client, world):
    response = auth.login(world.emails["caseworker"])
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_unknown_user_and_wrong_password_get_the_same_message(auth, world):
    unknown = auth.login("niemand@kreis-lippe.example", "irgendein-passwort")
    wrong = auth.login(world.emails["caseworker"], "falsches-passwort!")
    assert WRONG in unknown.get_data(as_text=True)
    assert WRONG in wrong.get_data(as_text=True)
    assert unknown.status_code == wrong.status_code == 200


def test_passwords_are_hashed_with_argon2id(app, world):
    with app.app_context(), unscoped("test check"):
        user = db.session.get(User, world.caseworker)
        assert user.password_hash.startswith("$argon2id$")
        assert user.check_password("correct horse battery staple")
        assert not user.check_password("wrong")


def test_account_locks_after_five_failures(app, auth, world):
    email = world.emails["caseworker"]
    for _ in range(5):
        auth.login(email, "falsches-passwort!")
    response = auth.login(email)  # the right password, but locked now
    assert WRONG in response.get_data(as_text=True)
    with app.app_context(), unscoped("test check"):
        user = db.session.get(User, world.caseworker)
        assert user.failed_logins == 5
        assert user.locked_until is not None


def test_deactivated_user_cannot_log_in(app, auth, world):
    with app.app_context(), unscoped("test arrangement"):
        db.session.get(User, world.caseworker).active = False
        db.session.commit()
    response = auth.login(world.emails["caseworker"])
    assert WRONG in response.get_data(as_text=True)


def test_copied_session_cookie_stops_working_after_logout(app, world):
    browser = app.test_client()
    AuthActions(browser).login(world.emails["caseworker"])
    cookie = browser.get_cookie("lotse_session", domain="lotse.test")
    assert cookie is not None

    thief = app.test_client()
    thief.set_cookie("lotse_session", cookie.value, domain=cookie.domain)
    assert thief.get("/admin/client/").status_code == 200

    AuthActions(browser).logout()
    response = thief.get("/admin/client/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_session_cookie_flags(app, world):
    browser = app.test_client()
    response = AuthActions(browser).login(world.emails["caseworker"])
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example/admin/",
        "https:evil.example",
        "\\\\evil.example",
        "/\\evil.example",
        "%2F%2Fevil.example",
        "javascript:alert(1)",
        " //evil.example",
        "/admin/\r\nLocation: https://evil.example",
    ],
)
def test_login_next_cannot_lead_off_site(target):
    assert safe_next(target) is None


def test_login_next_keeps_local_paths(auth, world, client):
    response = client.post(
        "/login?next=/admin/case/",
        data={"email": world.emails["caseworker"], "password": "correct horse battery staple"},
    )
    response = submit_second_factor(client, world.emails["caseworker"], response)
    assert response.headers["Location"] == "/admin/case/"


def test_security_headers_on_every_page(client, world):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_wrong_role_gets_403(it_admin_client, auditor_client, caseworker_client):
    assert it_admin_client.get("/admin/client/").status_code == 403
    assert auditor_client.get("/admin/case/").status_code == 403
    assert caseworker_client.get("/admin/user/").status_code == 403
    assert caseworker_client.get("/admin/audit_event/").status_code == 403
    assert "keine Berechtigung" in caseworker_client.get("/admin/user/").get_data(as_text=True)


def test_user_switches_ui_language_for_themselves(app, caseworker_client, world):
    response = caseworker_client.post("/locale", data={"locale": "en", "next": "/admin/client/"})
    assert response.headers["Location"] == "/admin/client/"
    page = caseworker_client.get("/admin/client/").get_data(as_text=True)
    assert 'lang="en"' in page
    with app.app_context(), unscoped("test check"):
        assert db.session.get(User, world.caseworker).locale == "en"
    assert caseworker_client.post("/locale", data={"locale": "fr"}).status_code == 400


def test_production_hashes_use_the_rfc_9106_profile(app):
    from models.user import _DEFAULT_HASHER

    assert app.config["LOTSE_ARGON2_MEMORY_KIB"] == 8192  # the suite's cheaper setting
    production = _DEFAULT_HASHER.hash("x")
    assert production.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_a_hash_with_other_settings_is_upgraded_at_login(app, auth, world):
    from models.user import _hasher_for

    with app.app_context(), unscoped("test arrangement"):
        user = db.session.get(User, world.caseworker)
        user.password_hash = _hasher_for(2, 8192).hash("correct horse battery staple")
        db.session.commit()
    assert auth.login(world.emails["caseworker"]).status_code == 302
    with app.app_context(), unscoped("test check"):
        assert "m=8192,t=1" in db.session.get(User, world.caseworker).password_hash
