"""The load test's scenario (bench/load.py) against the real application, without the load.

The ten-minute run is a benchmark, not part of the suite. These tests check its parts on the
test database, through Flask's test client with CSRF on: the accounts and rows it prepares,
the forms it reads and saves as a browser would, the case it opens and moves to planning, the
checklist tick, and the leak checker's marker search, which must see the own marker and no
other. Every page the tasks request must be a registered endpoint.
"""

import re
import subprocess
import sys
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from bench.load_forms import (
    MARKER,
    PASSWORD,
    PATHS,
    checklist_items,
    csrf_token,
    marker_findings,
    model_form,
    moved_to_planning,
    need_area_offered,
    path,
    record_id,
)
from bench.load_prepare import ROLE_CYCLE, add_accounts, roles_for
from models import Activity, Case, CaseChecklistItem, Client, Goal, db
from models.scoping import unscoped

ROOT = Path(__file__).resolve().parent.parent
# The pages the tasks post to; the first four take no GET.
POST_ONLY = {"case search", "client search", "case needs", "case transition"}
POSTED = POST_ONLY | {"login", "case new", "checklist", "goal edit", "activity edit"}


@pytest.fixture
def accounts(csrf_app, world):
    """A caseworker and a team lead, and a leak checker for each of the world's authorities."""
    with csrf_app.app_context():
        prepared = add_accounts(2, count=2)
        db.session.remove()
    return prepared


def _logged_in(app, account):
    browser = app.test_client()
    token = csrf_token(browser.get("/login").get_data(as_text=True))
    response = browser.post(
        "/login", data={"email": account.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    if response.headers["Location"] == "/login/code":
        # The load test's accounts pass the second factor with the benchmarks' authenticator.
        token = csrf_token(browser.get("/login/code").get_data(as_text=True))
        code = pyotp.TOTP(account.totp_secret).now()
        response = browser.post("/login/code", data={"code": code, "csrf_token": token})
        assert response.status_code == 302
    assert "/login" not in response.headers["Location"]
    return browser


def _read(app, model, record_id):
    with app.app_context(), unscoped("test assertion"):
        row = db.session.get(model, record_id)
        db.session.expunge_all()
        return row


def test_every_page_of_the_scenario_is_a_registered_endpoint(app):
    adapter = app.url_map.bind("lotse.test")
    for name in PATHS:
        url = path(name, 1).split("?")[0]
        if name not in POST_ONLY:
            adapter.match(url, method="GET")
        if name in POSTED:
            adapter.match(url, method="POST")


def test_every_page_the_tasks_name_is_in_the_scenario():
    source = (ROOT / "bench" / "load_users.py").read_text()
    # Pages requested by name alone, and URLs built from a page's path.
    named = set(re.findall(r'self\.page\(\s*"([^"]+)"\s*\)', source))
    named |= set(re.findall(r'\bpath\(\s*"([^"]+)"', source))
    assert named
    assert named <= set(PATHS)


def test_the_user_classes_cover_every_role():
    # In a process of its own: locust patches the interpreter for gevent when imported.
    result = subprocess.run(  # noqa: S603 (a fixed command line)
        [sys.executable, "-c", "from bench import load_users as u; "
         "print(' '.join(sorted(c.role for c in u.USER_CLASSES)))"],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert result.stdout.split() == ["auditor", "caseworker", "checker", "it_admin", "team_lead"]


def test_fifty_users_are_every_role_in_each_of_four_authorities():
    wanted = roles_for(50)
    assert {(role, index) for role, index in wanted} == {
        (role, index) for role in set(ROLE_CYCLE) for index in range(4)
    }
    assert sum(role == "caseworker" for role, _i in wanted) > len(wanted) / 2


def test_saving_the_goal_and_activity_forms_as_read_changes_the_own_rows(csrf_app, accounts):
    account = next(a for a in accounts if a.role == "caseworker")
    browser = _logged_in(csrf_app, account)

    for model, name, changes in (
        (Goal, "goal edit", {"description": "Ziel, unter Last gespeichert"}),
        (Activity, "activity edit", {"duration_minutes": "45"}),
    ):
        record = account.goal_id if model is Goal else account.activity_id
        url = path(name, record)
        form = model_form(browser.get(url).get_data(as_text=True))
        assert "version_token" in form.names()
        response = browser.post(url, data=MultiDict(form.values(**changes)))

        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        saved = _read(csrf_app, model, record)
        assert saved.version == 2
        field, value = next(iter(changes.items()))
        assert str(getattr(saved, field)) == value


def test_a_checklist_item_is_ticked_as_the_scenario_posts_it(csrf_app, accounts):
    account = next(a for a in accounts if a.role == "caseworker")
    browser = _logged_in(csrf_app, account)
    url = path("checklist", account.case_id)
    html = browser.get(url).get_data(as_text=True)
    items = checklist_items(html)
    assert items
    assert all(done == "1" for _item, _version, done in items)

    item, version, done = items[0]
    form = {"item": item, "version": version, "done": done, "csrf_token": csrf_token(html)}
    response = browser.post(url, data=form)

    assert response.status_code == 302
    assert _read(csrf_app, CaseChecklistItem, int(item)).done_at is not None


def test_a_new_case_gets_a_need_and_moves_to_planning(csrf_app, accounts):
    account = next(a for a in accounts if a.role == "caseworker")
    browser = _logged_in(csrf_app, account)
    form = model_form(browser.get(path("case new")).get_data(as_text=True))
    data = form.values(
        client=str(account.client_id),
        caseworker=str(account.user_id),
        opened_on="01.12.2026",
        intake_on="01.12.2026",
        intake_summary="Erstgespräch",
        _continue_editing="1",
    )
    response = browser.post(path("case new"), data=MultiDict(data))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    case_id = record_id(response.headers["Location"])
    html = browser.get(path("case file", case_id)).get_data(as_text=True)
    token = csrf_token(html)
    area = need_area_offered(html)

    browser.post(path("case needs", case_id), data={"need_area": area, "csrf_token": token})
    browser.post(path("case transition", case_id), data={"to": "planning", "csrf_token": token})

    assert moved_to_planning(browser.get(path("case file", case_id)).get_data(as_text=True))
    assert _read(csrf_app, Case, case_id).status == "planning"


def test_the_leak_checker_sees_its_own_marker_and_no_other(csrf_app, accounts):
    checkers = [a for a in accounts if a.role == "checker"]
    assert len({a.authority for a in checkers}) == 2
    pages = {}
    for account in checkers:
        browser = _logged_in(csrf_app, account)
        for list_name, search_name in (
            ("client list", "client search"),
            ("case list", "case search"),
        ):
            token = csrf_token(browser.get(path(list_name)).get_data(as_text=True))
            search = browser.post(path(search_name), data={"search": MARKER, "csrf_token": token})
            assert search.status_code == 303
            html = browser.get(path(list_name)).get_data(as_text=True)
            assert marker_findings(html, account.authority, account.markers) == (True, [])
            pages[account.authority, list_name] = html

    # A page of the other authority would be counted as a leak.
    first, second = (a.authority for a in checkers)
    assert marker_findings(pages[second, "client list"], first, checkers[0].markers) == (
        False,
        [checkers[0].markers[second]],
    )


def test_the_prepared_rows_belong_to_their_accounts(csrf_app, accounts):
    with csrf_app.app_context(), unscoped("test assertion"):
        assert {a.role for a in accounts} == {"caseworker", "team_lead", "checker"}
        for account in accounts:
            if account.role == "team_lead":
                assert account.case_id == 0
                continue
            case = db.session.get(Case, account.case_id)
            assert case.caseworker_id == account.user_id
            assert case.status == "intake"
            assert case.client.authority.code == account.authority
            marker = account.role == "checker"
            assert (case.client.family_name == account.markers[account.authority]) is marker
        markers = db.session.scalars(
            select(Client).where(Client.family_name.startswith(MARKER))
        ).all()
        assert sorted(c.family_name for c in markers) == sorted(accounts[0].markers.values())
