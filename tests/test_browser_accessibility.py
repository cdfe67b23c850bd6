"""In Chromium: axe-core finds no WCAG 2.1 A/AA violation on any page type, for each role.

Every page a role sees is loaded in one logged-in page per role and checked with axe-core
(tags wcag2a, wcag2aa, wcag21a, wcag21aa; no rule switched off). All violations of all
pages are collected and reported together, each with its rule, element and axe's failure
summary. Also checked: a form showing validation errors, an opened Select2 dropdown and
the English UI (docs/design.md §10).
"""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from models import Activity, AuditEvent, Goal, Measure, Referral, db
from models.scoping import unscoped
from services import statistics as stats
from tests import factories
from tests import statistics_data as data
from tests.browser_support import (
    PageProblems,
    artifacts_on_failure,
    axe_violations,
    pass_second_factor,
    serve,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(app, world, database_url, monkeypatch):
    """The statistics data set (figures on the dashboard and in the report) plus a case
    with every part, one of them due, so the case file and the follow-up list are full."""
    monkeypatch.setattr(stats, "today", lambda: data.TODAY)
    with app.app_context(), unscoped("test arrangement"):
        data.build(world)
        case = factories.make_full_case(world)
        referral = db.session.query(Referral).filter_by(case_id=case.id).one()
        referral.follow_up_on = date.today() - timedelta(days=1)
        ids = SimpleNamespace(
            case=case.id,
            number=case.number,
            client=case.client_id,
            goal=db.session.query(Goal).filter_by(case_id=case.id).one().id,
            measure=db.session.query(Measure).filter_by(case_id=case.id).one().id,
            referral=referral.id,
            activity=db.session.query(Activity).filter_by(case_id=case.id).one().id,
            audit_event=db.session.query(AuditEvent)
            .filter_by(authority_id=world.authority)
            .first()
            .id,
            agency=world.jobcenter,
            template=world.general_checklist,
        )
        db.session.commit()
    with serve(database_url) as server:
        server.ids = ids
        yield server


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    pass_second_factor(page, email)
    assert "/login" not in page.url, f"login failed for {email}"


def pages_for(role: str, ids) -> list[tuple[str, str]]:
    """(name, path) of every page type ``role`` sees."""
    case, client = ids.case, ids.client
    common = [("dashboard", "/admin/")]
    if role == "caseworker":
        return [
            *common,
            ("case list", "/admin/case/"),
            ("client list", "/admin/client/"),
            ("referral list", "/admin/referral/"),
            ("need list", "/admin/need/"),
            ("follow-up list", "/admin/followups/"),
            ("agency list", "/admin/agency/"),
            ("case file", f"/admin/case/details/?id={case}"),
            ("checklist", f"/admin/case/checklist/?id={case}"),
            ("client details", f"/admin/client/details/?id={client}"),
            ("goal details", f"/admin/goal/details/?id={ids.goal}"),
            ("client create", "/admin/client/new/"),
            ("client edit", f"/admin/client/edit/?id={client}"),
            ("case create", "/admin/case/new/"),
            ("case edit", f"/admin/case/edit/?id={case}"),
            ("goal create", f"/admin/goal/new/?case={case}"),
            ("goal edit", f"/admin/goal/edit/?id={ids.goal}"),
            ("measure create", f"/admin/measure/new/?case={case}&goal={ids.goal}"),
            ("measure edit", f"/admin/measure/edit/?id={ids.measure}"),
            ("referral create", f"/admin/referral/new/?case={case}"),
            ("referral edit", f"/admin/referral/edit/?id={ids.referral}"),
            ("activity create", f"/admin/activity/new/?case={case}"),
            ("activity edit", f"/admin/activity/edit/?id={ids.activity}"),
            ("need create", f"/admin/need/new/?case={case}"),
            ("consent create", f"/admin/consent/new/?client={client}"),
            ("evaluation create", f"/admin/evaluation/new/?case={case}"),
            ("structural issue create", f"/admin/structural_issue/new/?case={case}"),
            ("password form", "/admin/profile/"),
        ]
    if role == "team_lead":
        return [
            *common,
            ("report", "/admin/report/"),
            ("report across authorities", "/admin/report/?authority=all"),
            ("subject access", f"/admin/client/subject-access/?id={client}"),
            ("structural issue list", "/admin/structural_issue/"),
            ("user list", "/admin/user/"),
            ("case list with actions", "/admin/case/"),
            ("case file", f"/admin/case/details/?id={case}"),
        ]
    if role == "it_admin":
        return [
            *common,
            ("agency list", "/admin/agency/"),
            ("agency create", "/admin/agency/new/"),
            ("agency edit", f"/admin/agency/edit/?id={ids.agency}"),
            ("user create", "/admin/user/new/"),
            ("checklist template edit", f"/admin/checklist_template/edit/?id={ids.template}"),
            ("user list", "/admin/user/"),
            ("role requests", "/admin/role_grant/"),
        ]
    return [
        *common,
        ("audit trail", "/admin/audit_event/"),
        ("audit entry", f"/admin/audit_event/details/?id={ids.audit_event}"),
    ]


def check(page, name: str, violations: list[str]) -> None:
    violations += axe_violations(page, name)


def test_no_axe_violation_on_any_page_for_any_role(new_page, live_server, world, request):
    base, ids = live_server.url, live_server.ids
    problems = PageProblems()
    violations: list[str] = []

    page = new_page()
    problems.watch(page)
    with artifacts_on_failure(page, f"{request.node.name}-anonymous"):
        page.goto(f"{base}/login")
        check(page, "login", violations)
        page.fill("input[name=email]", world.emails["caseworker"])
        page.fill("input[name=password]", "wrong password")
        with page.expect_navigation():
            page.click("form button[type=submit]")
        assert page.locator(".alert-danger, .invalid-feedback").count() > 0
        check(page, "login with an error", violations)
        problems.collect_from(page)

    # The error page: a record that does not exist (Chromium logs the 404 as an error, so
    # this page is not watched for console errors).
    page = new_page()
    log_in(page, base, world.emails["caseworker"])
    response = page.goto(f"{base}/admin/case/details/?id=999999")
    assert response.status == 404
    check(page, "error page", violations)

    for role in ("caseworker", "team_lead", "it_admin", "auditor"):
        page = new_page()
        problems.watch(page)
        with artifacts_on_failure(page, f"{request.node.name}-{role}"):
            log_in(page, base, world.emails[role])
            for name, path in pages_for(role, ids):
                response = page.goto(f"{base}{path}")
                assert response.ok, f"{role} {name} {path}: {response.status}"
                if page.locator("canvas[data-chart]").count():
                    page.wait_for_selector("canvas[data-chart-drawn]")
                check(page, f"{role}: {name}", violations)
            problems.collect_from(page)

        if role == "caseworker":
            with artifacts_on_failure(page, f"{request.node.name}-caseworker-widgets"):
                check_widgets(page, base, ids, violations)
                problems.collect_from(page)

    assert not violations, f"{len(violations)} axe violation(s):\n" + "\n".join(violations)
    assert not problems, "the browser reported problems:\n" + problems.report()


def check_widgets(page, base: str, ids, violations: list[str]) -> None:
    """A form with errors, an open Select2 dropdown, the English UI."""
    # The client form saved empty: every required field shows its error.
    page.goto(f"{base}/admin/client/new/")
    # Past the browser's own check of required fields, to the server's messages.
    page.evaluate("document.querySelector('form.admin-form').noValidate = true")
    with page.expect_navigation():
        page.click("form.admin-form input[type=submit].btn-primary")
    assert page.locator("[aria-invalid=true]").count() > 0, "no field marked invalid"
    # The first invalid field has the focus, so a screen reader announces it and its error.
    page.wait_for_function("document.activeElement.getAttribute('aria-invalid') === 'true'")
    first = page.evaluate("document.querySelector('main [aria-invalid=true]').id")
    assert page.evaluate("document.activeElement.id") == first
    check(page, "client create with errors", violations)

    # Select2 open: a plain one with its options, and one that searches as you type.
    page.goto(f"{base}/admin/goal/edit/?id={ids.goal}")
    page.click("#s2id_status a.select2-choice")
    page.wait_for_selector("#select2-drop .select2-results li.select2-result-selectable")
    check(page, "goal edit, Select2 open", violations)
    page.keyboard.press("Escape")
    page.goto(f"{base}/admin/case/new/")
    page.click("#s2id_client a.select2-choice")
    page.wait_for_selector("#select2-drop .select2-results li")
    check(page, "case create, searching Select2 open", violations)
    page.keyboard.type("Haddad")
    page.wait_for_selector("#select2-drop .select2-results li.select2-result-selectable")
    check(page, "case create, Select2 with results", violations)
    page.keyboard.press("Escape")

    # The English UI (the language switch in the navbar), then back to German.
    page.goto(f"{base}/admin/case/details/?id={ids.case}")
    with page.expect_navigation():
        page.click("button[name=locale][value=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    check(page, "case file in English", violations)
    page.goto(f"{base}/admin/case/")
    check(page, "case list in English", violations)
    with page.expect_navigation():
        page.click("button[name=locale][value=de]")
    assert page.locator("html").get_attribute("lang") == "de"
