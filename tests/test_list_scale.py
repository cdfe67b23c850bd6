"""Lists at region scale: capped counts, pages picked per part of the authority rule, search.

The authority rule counts and pages the own rows and the shared rows apart
(``models.scoping.visible_count`` and ``visible_page``), so that each part uses the
authority-led indexes. These tests hold that the answer stays the one of the plain rule:
the same rows, in the same order, on every page, with the same count, shares included.
"""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from models import Authority, Case, Client, User, db
from models.scoping import as_user, unscoped, visible_count
from tests import factories
from tests.test_access import list_count
from tests.test_sharing import shared as shared_cases  # noqa: F401 (the fixture)

ROW_ID = re.compile(r'name="rowid"[^>]*value="(\d+)"')


def _row_ids(response) -> list[int]:
    assert response.status_code == 200, response.status_code
    return [int(i) for i in ROW_ID.findall(response.get_data(as_text=True))]


def _add_cases(app, authority_id: int, n: int, family_name="Seitenweise") -> None:
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(Authority, authority_id)
        for i in range(n):
            client = factories.make_client(authority, family_name=f"{family_name}-{i:02d}")
            factories.make_case(client, opened_on=date(2025, 1, 1) + timedelta(days=3 * i))
        db.session.commit()


def _searched(browser, endpoint: str, term: str):
    """Post ``term`` to the search of a list, as its search form does, then read the list."""
    response = browser.post(f"/admin/{endpoint}/search/", data={"search": term})
    assert response.status_code == 303, response.status_code
    return browser.get(f"/admin/{endpoint}/")


def _user(email):
    with unscoped("test: who is this"):
        return db.session.scalars(select(User).where(User.email == email)).one()


def _visible_cases_newest_first(app, email) -> list[int]:
    """The reference: every case the rule admits for ``email``, in the list's order."""
    with app.app_context(), as_user(_user(email)):
        rows = db.session.execute(select(Case.id, Case.opened_on)).all()
    return [i for i, _opened in sorted(rows, key=lambda r: r.opened_on, reverse=True)]


def test_pages_of_own_and_shared_cases_are_the_plain_rules_pages(app, shared_cases, login_as):
    _add_cases(app, shared_cases.recipient, 23)
    browser = login_as(shared_cases.recipient_team_lead)
    expected = _visible_cases_newest_first(app, shared_cases.recipient_team_lead)
    assert shared_cases.case in expected
    assert shared_cases.other_case not in expected

    pages = [_row_ids(browser.get(f"/admin/case/?page_size=10&page={p}")) for p in range(3)]

    assert [len(p) for p in pages] == [10, 10, len(expected) - 20]
    # Cases opened on the same day may come in any order, but no such group straddles
    # two pages here: each page holds exactly the plain rule's rows.
    for number, page in enumerate(pages):
        assert set(page) == set(expected[10 * number : 10 * number + 10])
    assert list_count(browser.get("/admin/case/")) == len(expected)


def test_counts_of_shared_parts_and_clients_include_the_shares(app, shared_cases, login_as):
    browser = login_as(shared_cases.recipient_team_lead)
    with app.app_context(), unscoped("test check"):
        own_clients = len(
            db.session.scalars(
                select(Client.id).where(Client.authority_id == shared_cases.recipient)
            )
            .unique()
            .all()
        )
    # The shared case's client, beside the recipient's own clients.
    assert list_count(browser.get("/admin/client/")) == own_clients + 1
    assert shared_cases.client in _row_ids(browser.get("/admin/client/?page_size=100"))
    # The shared goal beside the recipient's own goal; the unshared case's goal stays out.
    goals = _row_ids(browser.get("/admin/goal/?page_size=100"))
    assert sorted(goals) == sorted([shared_cases.goal, shared_cases.recipients_goal])


def test_visible_count_adds_the_two_parts(app, shared_cases):
    with app.app_context():
        with as_user(_user(shared_cases.recipient_team_lead)):
            listed = len(db.session.scalars(select(Case.id)).all())
            counted = visible_count(db.session, select(Case), Case)
            capped = visible_count(db.session, select(Case), Case, limit=0)
        with unscoped("test check"):
            everything = visible_count(db.session, select(Case), Case)
            total = len(db.session.scalars(select(Case.id)).all())
    assert counted == listed
    # Each part stops one row past the limit: more than 0 own and more than 0 shared rows.
    assert capped == 2
    assert everything == total > listed


def test_a_count_past_the_limit_says_more_than(app, world, login_as, monkeypatch):
    _add_cases(app, world.authority, 25)
    monkeypatch.setitem(app.config, "LOTSE_LIST_COUNT_LIMIT", 12)
    browser = login_as("team_lead")

    html = browser.get("/admin/case/?page_size=10").get_data(as_text=True)
    assert "Liste (mehr als 12)" in html
    # The pager ends at the limit; a page past it shows the last page within it.
    assert "page=1&amp;page_size=10" in html
    assert "page=2&amp;page_size=10" not in html
    deep = _row_ids(browser.get("/admin/case/?page_size=10&page=50"))
    assert deep == _row_ids(browser.get("/admin/case/?page_size=10&page=1"))
    assert len(deep) == 10
    with app.test_request_context():
        from flask_babel import force_locale

        from admin_views.base import CappedCount

        with force_locale("en"):
            assert str(CappedCount(10000)) == "more than 10,000"
        with force_locale("de"):
            assert str(CappedCount(10000)) == "mehr als 10.000"


def test_the_search_count_has_its_own_limit(app, world, login_as, monkeypatch):
    _add_cases(app, world.authority, 5, family_name="Treffer")
    monkeypatch.setitem(app.config, "LOTSE_SEARCH_COUNT_LIMIT", 3)
    browser = login_as("team_lead")
    assert "Liste (mehr als 3)" in _searched(browser, "case", "Treffer").get_data(as_text=True)
    _searched(browser, "case", "")
    assert list_count(browser.get("/admin/case/")) >= 5


@pytest.mark.parametrize("term", ["%", "_", "\\"])
def test_wildcards_in_a_search_are_literal(app, world, login_as, term):
    _add_cases(app, world.authority, 2)
    browser = login_as("team_lead")
    assert _row_ids(_searched(browser, "client", term)) == []
    assert _row_ids(_searched(browser, "case", term)) == []


def test_case_search_by_client_name_lists_each_case_once(app, world, login_as):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(Authority, world.authority)
        client = factories.make_client(authority, family_name="Zweifall")
        first = factories.make_case(client, opened_on=date(2026, 2, 1))
        second = factories.make_case(client, opened_on=date(2026, 2, 2))
        db.session.commit()
        ids = [second.id, first.id]
    browser = login_as("team_lead")
    response = _searched(browser, "case", "zweif")
    assert _row_ids(response) == ids
    assert list_count(response) == 2


def test_search_finds_shared_cases_and_nothing_of_other_authorities(app, shared_cases, login_as):
    recipient = login_as(shared_cases.recipient_team_lead)
    found = _row_ids(_searched(recipient, "case", "Freigabe-Nachname"))
    assert found == [shared_cases.case]
    # The owner's unshared case of the same client, and the recipient's own case, stay apart.
    owner = login_as(shared_cases.owner_caseworker)
    assert _row_ids(_searched(owner, "case", "EIGEN-Nachname")) == []


def test_search_pages_issue_constant_statements(app, world, login_as, count_queries):
    browser = login_as("team_lead")
    _add_cases(app, world.authority, 1, family_name="Konstant")
    _searched(browser, "case", "Konstant")
    with count_queries() as one:
        browser.get("/admin/case/?page_size=50")
    _add_cases(app, world.authority, 30, family_name="Konstant")
    with count_queries() as many:
        response = browser.get("/admin/case/?page_size=50")
    assert len(_row_ids(response)) == 31
    assert one.count == many.count


def test_the_menu_rendered_once_still_follows_role_language_and_page(app, world, login_as):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(Authority, world.authority)
        factories.make_user("lead-en@kreis-lippe.example", "team_lead", authority, locale="en")
        db.session.commit()
    team_lead, caseworker = login_as("team_lead"), login_as("caseworker")
    english = login_as("lead-en@kreis-lippe.example")
    for _twice in range(2):
        lead_html = team_lead.get("/admin/case/").get_data(as_text=True)
        worker_html = caseworker.get("/admin/case/").get_data(as_text=True)
        english_html = english.get("/admin/case/").get_data(as_text=True)
        # Team leads' preset lists are theirs alone; the language is the user's.
        assert "Teamlisten" in lead_html
        assert "Teamlisten" not in worker_html
        assert "Team lists" in english_html
        assert "Teamlisten" not in english_html
    # The current page is marked in the menu of that page only.
    goals = team_lead.get("/admin/goal/").get_data(as_text=True)
    active = re.compile(r'class="dropdown-item active\s*" href="(/admin/[a-z_]+/)"')
    assert "/admin/goal/" in active.findall(goals)
    assert "/admin/case/" not in active.findall(goals)


def test_each_row_links_to_its_own_record(app, world, login_as):
    _add_cases(app, world.authority, 12)
    response = login_as("team_lead").get("/admin/case/?page_size=10")
    html = response.get_data(as_text=True)
    ids = _row_ids(response)
    details = [int(i) for i in re.findall(r'href="/admin/case/details/\?id=(\d+)', html)]
    edits = [int(i) for i in re.findall(r'href="/admin/case/edit/\?id=(\d+)', html)]
    assert details == ids
    assert edits == ids
    assert len(set(ids)) == 10


def test_every_list_page_runs_three_statements(app, world, login_as, count_queries):
    """The user with their authority, the count of both parts, the page's rows."""
    from tests.test_list_queries import _add_cases as add_full_cases
    from tests.test_list_queries import _list_statements

    clients = {role: login_as(role) for role in ("team_lead", "it_admin", "auditor")}
    add_full_cases(app, world, 0, 3)
    counts = _list_statements(app, clients, count_queries)
    assert counts
    assert {endpoint: n for endpoint, n in counts.items() if n != 3} == {}


@pytest.mark.parametrize(("cases", "refused"), [(3, False), (4, True)])
def test_an_export_over_its_cap_is_refused_not_cut(database_url, app, world, cases, refused):
    from tests.conftest import AuthActions, make_app

    _add_cases(app, world.authority, cases, family_name="Export")
    capped = make_app(database_url, LOTSE_EXPORT_MAX_ROWS=3, LOTSE_LIST_COUNT_LIMIT=2)
    browser = capped.test_client()
    AuthActions(browser).login(world.emails["team_lead"])
    response = browser.get("/admin/case/export/csv/", follow_redirects=True)
    if refused:
        assert "auf 3 Zeilen begrenzt, die Liste hat mehr als 3" in response.get_data(as_text=True)
    else:
        assert response.mimetype == "text/csv"
        assert len(response.get_data(as_text=True).strip().splitlines()) == 1 + cases


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LOTSE_LIST_COUNT_LIMIT", 500),
        ("LOTSE_SEARCH_COUNT_LIMIT", 50),
        ("LOTSE_STATISTICS_CACHE_SECONDS", 0),
    ],
)
def test_list_and_figure_settings_come_from_the_environment(
    database_url, monkeypatch, variable, value
):
    from tests.conftest import make_app

    monkeypatch.setenv(variable, str(value))
    assert make_app(database_url).config[variable] == value


def test_a_negative_page_is_the_first_page(app, world, login_as):
    _add_cases(app, world.authority, 3)
    browser = login_as("team_lead")
    assert _row_ids(browser.get("/admin/case/?page=-3")) == _row_ids(browser.get("/admin/case/"))
