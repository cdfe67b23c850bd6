"""End to end in Chromium: a caseworker takes a case from intake to closed, a team lead finds it.

Every step goes through the screens a person uses: the login form, the admin create and edit
forms (with their Select2 widgets and date fields), the case file's lifecycle buttons and the
checklist page. The app runs in a real HTTP server with CSRF protection on; console errors,
uncaught exceptions and CSP violations fail the test, and a failure keeps a screenshot.
"""

import re
from datetime import date

import pytest
from sqlalchemy import select

from models import Case, Client, Evaluation, Goal, db
from models.scoping import unscoped
from tests.browser_support import (
    PageProblems,
    artifacts_on_failure,
    pass_second_factor,
    save_artifacts,
)
from tests.conftest import PASSWORD

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips, or fails in CI, without Playwright
    expect = None

pytestmark = pytest.mark.browser

FAMILY_NAME = "Workflow-Okafor"
GIVEN_NAMES = "Chidi Emeka"
GOAL = "Deutschkurs bis B1 abschließen"
ACTIVITY_MINUTES = 45
TODAY = date.today().isoformat()


def messages(page) -> str:
    """Flash messages and form errors on the page, for assertion messages."""
    texts = page.locator(".alert, .invalid-feedback, .help-block").all_inner_texts()
    return "; ".join(" ".join(text.split()) for text in texts if text.strip()) or "(none shown)"


def log_in(page, base: str, email: str) -> None:
    response = page.goto(f"{base}/login")
    assert response.ok, response.status
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    pass_second_factor(page, email)
    assert "/login" not in page.url, f"login failed for {email}: {messages(page)}"


def fill_date(page, field_id: str, value: str) -> None:
    """Flask-Admin's date fields are text inputs with a picker; type the ISO date."""
    field = page.locator(f"input#{field_id}")
    assert field.get_attribute("data-role") is None
    field.fill(value)
    # The picker stays open over the form; close it as a person would, by clicking aside.
    page.locator("main h1, main h4").first.click()
    expect(page.locator(".daterangepicker:visible")).to_have_count(0)
    assert field.input_value() == value


def pick_select2(page, field_id: str, option: str, search: str | None = None) -> None:
    """Choose ``option`` in a Select2 (3.5) widget as a person would: open, type, click.

    Without ``search`` the option's text must match exactly ("erreicht", not "nicht
    erreicht"); with it, the first result containing ``option`` is taken.
    """
    page.click(f"#s2id_{field_id} a.select2-choice")
    if search is None:
        text = re.compile(rf"^\s*{re.escape(option)}\s*$")
    else:
        page.fill("#select2-drop input.select2-input", search)
        text = option
    results = page.locator("#select2-drop .select2-results li.select2-result-selectable")
    results.filter(has_text=text).first.click()
    page.locator("#select2-drop").wait_for(state="hidden")
    assert page.locator(f"#{field_id}").input_value(), f"{field_id}: no value after choosing"


def save_form(page, what: str) -> None:
    """Press the primary save button of an admin form and check that it was accepted."""
    form_url = page.url
    with page.expect_navigation():
        page.click("form.admin-form input[type=submit].btn-primary")
    still_on_form = page.url == form_url or "/new/" in page.url or "/edit/" in page.url
    assert not still_on_form, f"{what} not saved at {form_url}: {messages(page)}"


def status_badge(page) -> str:
    return page.locator("h1 .badge").inner_text().strip()


def take_step(page, button: str, expected_status: str) -> None:
    """Press a lifecycle button on the case file and check the new status."""
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()
    assert "/admin/case/details/" in page.url, page.url
    assert status_badge(page) == expected_status, (
        f"{button!r} left the case in {status_badge(page)!r}: {messages(page)}"
    )


def follow_link(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name=name, exact=True).click()


def test_caseworker_closes_a_case_and_team_lead_finds_it(
    new_page, live_server, app, world, request
):
    base = live_server.url
    problems = PageProblems()
    page = new_page()
    problems.watch(page)
    lead = None

    try:
        with artifacts_on_failure(page, f"{request.node.name}-caseworker"):
            log_in(page, base, world.emails["caseworker"])

            # 1. A client with the privacy notice given, then a case for them.
            page.goto(f"{base}/admin/client/new/")
            page.fill("input#family_name", FAMILY_NAME)
            page.fill("input#given_names", GIVEN_NAMES)
            privacy = page.get_by_label("Datenschutzhinweis (Art. 13 DSGVO) am")
            assert privacy.get_attribute("id") == "privacy_notice_given_on"
            fill_date(page, "privacy_notice_given_on", TODAY)
            save_form(page, "client")

            page.goto(f"{base}/admin/case/new/")
            pick_select2(page, "client", FAMILY_NAME, search=FAMILY_NAME[:6])
            save_form(page, "case")

            # Open the new case from the list: its row leads to the case file.
            row = page.locator("table.model-list tbody tr").filter(has_text=FAMILY_NAME)
            expect(row).to_have_count(1)
            with page.expect_navigation():
                row.locator("a[href*='/admin/case/details/']").first.click()
            case_file_url = page.url
            heading = page.locator("h1").inner_text()
            assert heading.startswith("Fallakte "), heading
            number = heading.split()[1]
            assert status_badge(page) == "Erstgespräch", status_badge(page)

            # 2. A need in "Sprache", through the pre-filled link; then planning.
            follow_link(page, "Bedarf erfassen")
            assert "/admin/need/new/" in page.url, page.url
            expect(page.locator("#s2id_case")).to_contain_text(number)
            pick_select2(page, "need_area", "Sprache")
            save_form(page, "need")
            assert page.url.startswith(case_file_url.split("?")[0]), page.url
            take_step(page, "Planung beginnen", "Planung")

            # 3. An agreed goal; then the case becomes active.
            follow_link(page, "Ziel vereinbaren")
            assert "/admin/goal/new/" in page.url, page.url
            page.fill("#description", GOAL)
            fill_date(page, "agreed_on", TODAY)
            save_form(page, "goal")
            take_step(page, "Umsetzung beginnen", "Aktiv")

            # A contact, so the evaluation has an effort to take over.
            follow_link(page, "Kontakt erfassen")
            fill_date(page, "occurred_on", TODAY)
            page.fill("#duration_minutes", str(ACTIVITY_MINUTES))
            save_form(page, "activity")

            # 4. The goal is reached: case file → goal → edit.
            follow_link(page, GOAL)
            assert "/admin/goal/details/" in page.url, page.url
            with page.expect_navigation():
                page.locator("a[href*='/admin/goal/edit/']").first.click()
            pick_select2(page, "status", "erreicht")
            save_form(page, "goal status")

            # Tick every checklist item, required or not.
            page.goto(case_file_url)
            follow_link(page, "Checkliste öffnen")
            assert "/admin/case/checklist/" in page.url, page.url
            for text in (
                "Datenschutzhinweis ausgehändigt",
                "Erstgespräch dokumentiert",
                "Sprachstand erhoben",
            ):
                item = page.locator("li.list-group-item").filter(has_text=text)
                with page.expect_navigation():
                    item.get_by_role("button", name="Erledigt", exact=True).click()
                expect(item.get_by_role("button", name="Wieder öffnen")).to_be_visible()
            expect(page.locator("text=3 von 3 Punkten erledigt.")).to_be_visible()
            follow_link(page, "Zurück zur Fallakte")
            take_step(page, "Abschlussbewertung beginnen", "Auswertung")
            problems.collect_from(page)

        # 5. The team lead finds the case in the preset list "waiting for evaluation".
        lead = new_page()
        problems.watch(lead)
        with artifacts_on_failure(lead, f"{request.node.name}-team-lead"):
            log_in(lead, base, world.emails["team_lead"])
            lead.goto(f"{base}/admin/")
            lead.locator("a.dropdown-toggle").filter(has_text="Teamlisten").click()
            follow_link(lead, "Wartet auf Abschlussbewertung")
            assert "flt0_status_equals=evaluation" in lead.url, lead.url
            rows = lead.locator("table.model-list tbody tr")
            expect(rows.filter(has_text=number)).to_have_count(1)
            expect(rows.filter(has_text=number)).to_contain_text(FAMILY_NAME)
            problems.collect_from(lead)

        # 6. The caseworker records the evaluation and closes the case.
        with artifacts_on_failure(page, f"{request.node.name}-caseworker"):
            page.goto(case_file_url)
            follow_link(page, "Abschlussbewertung erfassen")
            assert "/admin/evaluation/new/" in page.url, page.url
            expect(page.get_by_text(f"{GOAL} – erreicht")).to_be_visible()
            fill_date(page, "evaluated_on", TODAY)
            page.fill("#success_rating", "4")
            pick_select2(page, "effort_assessment", "wie erwartet")
            save_form(page, "evaluation")
            assert page.url.startswith(case_file_url.split("?")[0]), page.url

            closing = page.locator("form").filter(
                has=page.get_by_role("button", name="Fall abschließen", exact=True)
            )
            closing.locator("select[name=closure_reason]").select_option(label="Ziele erreicht")
            take_step(page, "Fall abschließen", "Abgeschlossen")
            problems.collect_from(page)

        with app.app_context(), unscoped("test check"):
            client = db.session.scalars(
                select(Client).where(Client.family_name == FAMILY_NAME)
            ).one()
            assert client.privacy_notice_given_on == date.today()
            case = db.session.scalars(select(Case).where(Case.client_id == client.id)).one()
            assert case.number == number
            assert case.status == "closed"
            assert case.closure_reason is not None
            assert case.closure_reason.code == "goals_reached"
            assert case.closed_on == date.today()
            goal = db.session.scalars(select(Goal).where(Goal.case_id == case.id)).one()
            assert (goal.description, goal.status) == (GOAL, "achieved")
            assert goal.agreed_on == date.today()
            evaluation = db.session.scalars(
                select(Evaluation).where(Evaluation.case_id == case.id)
            ).one()
            assert evaluation.success_rating == 4
            assert evaluation.effort_assessment == "as_expected"
            assert evaluation.effort_minutes == ACTIVITY_MINUTES

        assert not problems, "the browser reported problems:\n" + problems.report()
    except BaseException:
        if lead is not None:
            save_artifacts(lead, f"{request.node.name}-team-lead-final")
        raise
