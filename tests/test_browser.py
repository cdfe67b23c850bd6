"""End to end in Chromium: log in, register a client through the admin form, find it again.

The app runs in a real HTTP server with CSRF protection on, so the form tokens, the
Content-Security-Policy and the Select2 widget are exercised as a browser meets them.
"""

import re
from datetime import date

import pytest
from sqlalchemy import select

from models import Client, db
from models.scoping import unscoped
from tests.browser_support import (
    TIMEOUT_MS,
    PageProblems,
    artifacts_on_failure,
    pass_second_factor,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

FAMILY_NAME = "Browsertest-Haddad"
GIVEN_NAMES = "Amira Nour"
BIRTH_DATE = date(1990, 4, 12)
NATIONALITY = "SYR"
NATIONALITY_SEARCH = "Syri"  # German "Syrien, Arabische Republik"
NUMBER = re.compile(r"^KL-ABH-\d{4}-\d{5}$")


def form_errors(page) -> str:
    errors = page.locator(".invalid-feedback, .help-block, .alert-danger").all_inner_texts()
    return "; ".join(text.strip() for text in errors if text.strip()) or "(no message shown)"


def test_caseworker_registers_a_client_and_finds_it(page, live_server, app, world, request):
    from playwright.sync_api import expect

    problems = PageProblems()
    problems.watch(page)
    base = live_server.url

    with artifacts_on_failure(page, request.node.name):
        # Log in through the form; the CSRF token travels in the rendered field.
        response = page.goto(f"{base}/login")
        assert response.ok, response.status
        csp = response.headers.get("content-security-policy", "")
        assert "script-src" in csp, f"no script CSP on the login page: {csp!r}"
        page.fill("input[name=email]", world.emails["caseworker"])
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("form button[type=submit]")
        pass_second_factor(page, world.emails["caseworker"])
        assert "/login" not in page.url, f"login failed: {form_errors(page)}"

        # Create a client.
        response = page.goto(f"{base}/admin/client/new/")
        assert response.ok, response.status
        page.fill("input#family_name", FAMILY_NAME)
        page.fill("input#given_names", GIVEN_NAMES)
        # A plain text box, typed as a German clerk writes dates; no picker pops up.
        birth_date = page.locator("input#birth_date")
        assert birth_date.get_attribute("placeholder") == "TT.MM.JJJJ"
        birth_date.fill(f"{BIRTH_DATE:%d.%m.%Y}")
        expect(page.locator(".daterangepicker:visible")).to_have_count(0)

        # Nationality is a Select2 (3.5) widget over a <select>: use it as a person would.
        page.click("#s2id_nationality a.select2-choice")
        page.fill("#select2-drop input.select2-input", NATIONALITY_SEARCH)
        page.locator("#select2-drop .select2-results li.select2-result-selectable").filter(
            has_text=NATIONALITY_SEARCH
        ).first.click()
        assert page.input_value("select#nationality") == NATIONALITY

        with page.expect_navigation():
            page.click("form.admin-form input[type=submit].btn-primary")
        assert "/new/" not in page.url, f"client not saved: {form_errors(page)}"

        with app.app_context(), unscoped("test check"):
            client = db.session.scalars(
                select(Client).where(Client.family_name == FAMILY_NAME)
            ).one()
            assert client.authority_id == world.authority
            assert client.given_names == GIVEN_NAMES
            assert client.birth_date == BIRTH_DATE
            assert client.nationality == NATIONALITY
            assert NUMBER.match(client.number), client.number
            number = client.number

        # Find it again through the list's search box.
        response = page.goto(f"{base}/admin/client/")
        assert response.ok, response.status
        page.fill("input[name=search]", FAMILY_NAME)
        with page.expect_navigation():
            page.press("input[name=search]", "Enter")
        expect(page.locator("input[name=search]")).to_have_value(FAMILY_NAME)
        row = page.locator("table.model-list tbody tr").filter(has_text=FAMILY_NAME)
        expect(row).to_have_count(1, timeout=TIMEOUT_MS)
        expect(row).to_contain_text(number, timeout=TIMEOUT_MS)
        expect(row).to_contain_text(GIVEN_NAMES, timeout=TIMEOUT_MS)

        problems.collect_from(page)
        assert not problems, "the browser reported problems:\n" + problems.report()
