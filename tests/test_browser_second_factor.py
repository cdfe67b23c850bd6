"""The enrolment of a second factor in a real browser, as a new team lead does it: the QR
code and the secret on the page, a wrong first code, the right one, the recovery codes once,
log out, and log in again with a code from the same authenticator."""

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from models import User, db
from models.scoping import unscoped
from tests import factories
from tests.browser_support import PageProblems, artifacts_on_failure, axe_violations
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

EMAIL = "neue-teamleitung@kreis-lippe.example"


@pytest.fixture
def new_team_lead(app, world):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        factories.make_user(EMAIL, "team_lead", authority, enrolled=False)
        db.session.commit()
    return EMAIL


def _submit(page) -> None:
    with page.expect_navigation():
        page.click("form button[type=submit]")


def _alerts(page) -> str:
    return " ".join(page.locator(".alert").all_inner_texts())


def test_a_team_lead_enrols_and_logs_in_with_a_code(page, live_server, new_team_lead, app):
    base = live_server.url
    problems = PageProblems()
    problems.watch(page)
    violations: list[str] = []
    with artifacts_on_failure(page, "second-factor-enrolment"):
        page.goto(f"{base}/login")
        page.fill("input[name=email]", new_team_lead)
        page.fill("input[name=password]", PASSWORD)
        _submit(page)
        assert page.url == f"{base}/login/setup", page.url
        assert page.locator(".lotse-qr svg").count() == 1
        violations += axe_violations(page, "enrolment")

        # The secret as a person would type it into an app: read from the page.
        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
        totp = pyotp.TOTP(secret)

        page.fill("input[name=code]", "000000")
        _submit(page)
        assert "Der Code stimmt nicht." in _alerts(page)
        assert page.locator("#recovery-codes").count() == 0

        page.fill("input[name=code]", totp.now())
        _submit(page)
        assert "Der zweite Faktor ist eingerichtet." in _alerts(page)
        codes = page.locator("#recovery-codes li").all_inner_texts()
        assert len(codes) == 10
        violations += axe_violations(page, "recovery codes")
        with page.expect_navigation():
            page.click("text=Weiter")
        assert page.url == f"{base}/admin/", page.url

        # Shown once: the profile says it is set up, and shows neither secret nor codes.
        page.goto(f"{base}/admin/profile/second-factor/")
        body = page.locator("main").inner_text()
        assert "Ihr zweiter Faktor ist seit" in body
        assert secret not in body.replace(" ", "")
        assert not any(code in body for code in codes)

        with page.expect_navigation():
            page.click("form[action='/logout'] button")
        assert "/login" in page.url

        # Log in again: password, then the code of the next time step (the current one was
        # used for the enrolment, and a used step is refused; one step of drift is allowed).
        page.fill("input[name=email]", new_team_lead)
        page.fill("input[name=password]", PASSWORD)
        _submit(page)
        assert page.url == f"{base}/login/code", page.url
        violations += axe_violations(page, "code step")
        page.fill("input[name=code]", totp.at(datetime.now(UTC) + timedelta(seconds=30)))
        _submit(page)
        assert page.url == f"{base}/admin/", f"{page.url}: {_alerts(page)}"
        problems.collect_from(page)

    with app.app_context(), unscoped("test check"):
        user = db.session.query(User).filter_by(email=new_team_lead).one()
        assert user.totp_enrolled_at is not None
        assert secret not in (user.totp_secret or "")
    assert not violations, "\n".join(violations)
    assert not problems, "the browser reported problems:\n" + problems.report()
