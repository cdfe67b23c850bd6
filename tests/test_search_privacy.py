"""No personal data in URLs (docs/design.md §9): a list's search is posted, not put in a URL.

The search form of every list posts the term, which is kept in the session per list; the
list reads it from there. No link or form of a list page carries the term (pages, sorting,
page sizes, filters, exports, row links), a ``?search=`` in a URL is ignored, the audit
trail records that a search happened but never the term, and no request line a server logs
contains it. The forms are submitted as a browser would, from the rendered page.
"""

import logging
import re
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from http.cookiejar import CookieJar

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from admin_views.base import SEARCH_LISTS_KEPT, SEARCH_MAX_LENGTH
from models import AuditEvent, Authority, User, db
from models.scoping import unscoped
from tests import factories
from tests.conftest import PASSWORD, AuthActions, csrf_token_from, submit_second_factor, totp_code
from tests.test_access import list_count, url
from tests.test_sharing import shared as shared_cases  # noqa: F401 (the fixture)

TERM = "Grünewald"  # a family name, with a character that URLs encode
OTHERS = "Ohnetreffer"
MATCHING = 12
ROW_ID = re.compile(r'name="rowid"[^>]*value="(\d+)"')


# -- reading pages as a browser does -----------------------------------------------------------


@dataclass
class Form:
    method: str
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # hidden and text inputs
    buttons: list[tuple[str, str]] = field(default_factory=list)  # named submit buttons


class PageParser(HTMLParser):
    """Every attribute of every element, and the search form of a list page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.attributes: list[tuple[str, str, str]] = []  # (tag, name, value)
        self.search_form: Form | None = None
        self._in_search_form = False

    def handle_starttag(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        self.attributes += [(tag, name, value or "") for name, value in attrs]
        if tag == "form" and values.get("role") == "search":
            self.search_form = Form(values.get("method", "GET").upper(), values.get("action", ""))
            self._in_search_form = True
        elif self._in_search_form and tag == "input" and values.get("name"):
            if values.get("type") in ("submit", "button"):
                self.search_form.buttons.append((values["name"], values.get("value", "")))
            else:
                self.search_form.fields.append((values["name"], values.get("value", "")))
        elif self._in_search_form and tag == "button" and values.get("name"):
            self.search_form.buttons.append((values["name"], values.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_search_form = False


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


def spellings(term: str) -> set[str]:
    """The term as it may appear in an attribute or a URL, in either case."""
    forms = {term, urllib.parse.quote(term), urllib.parse.quote_plus(term)}
    return {f.lower() for f in forms} | {f.upper() for f in forms} | forms


def carries(text: str, term: str) -> bool:
    lowered = text.lower()
    return any(spelling.lower() in lowered for spelling in spellings(term))


def attributes_with_term(html: str, term: str) -> list[tuple[str, str, str]]:
    """Every attribute that contains the term, but the value of the search box itself."""
    return [
        (tag, name, value)
        for tag, name, value in parse(html).attributes
        if carries(value, term) and not (tag == "input" and name == "value")
    ]


def search_box_value(html: str) -> str:
    form = parse(html).search_form
    assert form is not None, "no search form on the page"
    return dict(form.fields).get("search", "")


def search_request(html: str, term: str, *, clear=False):
    """(method, URL, form data) that submitting the page's search form sends."""
    form = parse(html).search_form
    assert form is not None, "no search form on the page"
    data = [(name, term if name == "search" else value) for name, value in form.fields]
    if clear:
        data += [b for b in form.buttons if b[0] == "clear"]
        assert data[-1][0] == "clear", "no button that clears the search"
    action = form.action
    if form.method == "GET":  # a browser replaces the query of the action with the form's
        action = urllib.parse.urlsplit(action)._replace(query="").geturl()
    return form.method, action, data


def submit_search(browser, list_url: str, term: str, *, clear=False):
    """Type ``term`` into the search box of ``list_url`` and submit the form."""
    page = browser.get(list_url)
    assert page.status_code == 200, page.status_code
    method, action, data = search_request(page.get_data(as_text=True), term, clear=clear)
    if method == "GET":
        return browser.get(action, query_string=MultiDict(data))
    return browser.post(action, data=MultiDict(data))


def row_ids(response) -> list[int]:
    assert response.status_code == 200, response.status_code
    return [int(i) for i in ROW_ID.findall(response.get_data(as_text=True))]


def location(response) -> str:
    return response.headers.get("Location", "")


# -- arrangement -------------------------------------------------------------------------------


@pytest.fixture
def searchable(app, world):
    """Twelve clients of the first authority called TERM, each with a case, and three
    others; the second authority's own client of that name, which nobody else may find."""
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(Authority, world.authority)
        foreign = db.session.get(Authority, world.foreign_authority)
        matching = []
        for i in range(MATCHING):
            client = factories.make_client(
                authority, family_name=f"{TERM}-{i:02d}", nationality="SYR" if i % 2 else "AFG"
            )
            matching.append(client.id)
            factories.make_case(client, opened_on=date(2025, 1, 1) + timedelta(days=i))
        for i in range(3):
            client = factories.make_client(authority, family_name=f"{OTHERS}-{i}")
            factories.make_case(client)
        foreign_client = factories.make_client(foreign, family_name=f"{TERM}-fremd")
        factories.make_case(foreign_client)
        db.session.commit()
        return {"clients": sorted(matching), "foreign_client": foreign_client.id}


def _audit_rows(app) -> list[tuple]:
    with app.app_context(), unscoped("test check"):
        return [
            tuple(getattr(event, column.key) for column in AuditEvent.__table__.columns)
            for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]


def _user_id(app, email) -> int:
    with app.app_context(), unscoped("test check"):
        return db.session.scalars(select(User.id).where(User.email == email)).one()


# -- the search form posts; the list shows the hits --------------------------------------------


@pytest.mark.parametrize("endpoint", ["client", "case"])
def test_a_search_is_posted_and_the_list_shows_only_the_hits(
    app, world, login_as, searchable, endpoint
):
    browser = login_as("team_lead")
    list_url = url(app, f"{endpoint}.index_view")
    everything = list_count(browser.get(list_url))
    assert everything == MATCHING + 3

    response = submit_search(browser, list_url, TERM)

    assert response.status_code == 303
    assert location(response).startswith(list_url)
    assert not carries(location(response), TERM)
    listing = browser.get(location(response))
    assert list_count(listing) == MATCHING
    assert len(row_ids(browser.get(f"{list_url}?page_size=50"))) == MATCHING
    assert search_box_value(listing.get_data(as_text=True)) == TERM
    if endpoint == "client":
        assert sorted(row_ids(browser.get(f"{list_url}?page_size=50"))) == searchable["clients"]
    # The search of one list is not the search of another.
    other = "case" if endpoint == "client" else "client"
    assert list_count(browser.get(url(app, f"{other}.index_view"))) == MATCHING + 3


def _nationality_filter(app) -> str:
    view = app.extensions["lotse_admin_views"]["client"]
    for key, (_index, flt) in view._filter_args.items():
        if getattr(flt.column, "key", None) == "nationality" and type(flt).__name__ == (
            "FilterEqual"
        ):
            return f"flt0_{key}"
    raise AssertionError("no nationality filter on the client list")


@pytest.mark.parametrize("endpoint", ["client", "case"])
def test_no_link_or_form_of_a_searched_list_carries_the_term(
    app, world, login_as, searchable, endpoint
):
    browser = login_as("team_lead")
    list_url = url(app, f"{endpoint}.index_view")
    assert submit_search(browser, list_url, TERM).status_code == 303
    variants = [
        "",
        "?page_size=10",
        "?page=1&page_size=10",
        "?sort=0",
        "?sort=1&desc=1&page_size=10&page=1",
        "?page_size=50",
    ]
    if endpoint == "client":
        variants += [f"?{_nationality_filter(app)}=SYR", f"?{_nationality_filter(app)}=SYR&sort=0"]
    for variant in variants:
        response = browser.get(list_url + variant)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, variant
        # The search is active on every variant, and yet no attribute names it.
        assert search_box_value(html) == TERM, variant
        expected = MATCHING // 2 if "flt0_" in variant else MATCHING
        assert list_count(response) == expected, variant
        assert attributes_with_term(html, TERM) == [], variant
        assert "href" in {name for _tag, name, _value in parse(html).attributes}


def test_a_new_search_keeps_sorting_filters_and_page_size_but_starts_on_page_one(
    app, world, login_as, searchable
):
    browser = login_as("team_lead")
    nationality = _nationality_filter(app)
    start = f"{url(app, 'client.index_view')}?sort=1&desc=1&page_size=10&page=1&{nationality}=SYR"

    response = submit_search(browser, start, TERM)

    assert response.status_code == 303
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location(response)).query)
    assert query == {"sort": ["1"], "desc": ["1"], "page_size": ["10"], nationality: ["SYR"]}
    assert list_count(browser.get(location(response))) == MATCHING // 2


def test_a_search_in_the_query_string_is_neither_honoured_nor_echoed(
    app, world, login_as, searchable
):
    browser = login_as("team_lead")
    for endpoint in ("client", "case"):
        response = browser.get(url(app, f"{endpoint}.index_view", search=TERM))
        html = response.get_data(as_text=True)
        assert list_count(response) == MATCHING + 3, endpoint
        assert search_box_value(html) == ""
        assert attributes_with_term(html, TERM) == [], endpoint
    # Nor is it taken over into the session: the list without it is unsearched too.
    assert list_count(browser.get(url(app, "client.index_view"))) == MATCHING + 3


def test_an_export_of_a_searched_list_exports_the_hits(app, world, login_as, searchable):
    browser = login_as("team_lead")
    list_url = url(app, "client.index_view")
    assert submit_search(browser, list_url, TERM).status_code == 303
    links = [
        value
        for tag, name, value in parse(browser.get(list_url).get_data(as_text=True)).attributes
        if tag == "a" and name == "href" and "/export/csv/" in value
    ]
    assert links, "no CSV export link on the list"
    export = browser.get(links[0])
    assert export.mimetype == "text/csv"
    lines = export.get_data(as_text=True).strip().splitlines()
    assert len(lines) == 1 + MATCHING
    assert all(TERM in line for line in lines[1:])


# -- the audit trail: that a search happened, never the term -----------------------------------


def test_the_audit_trail_records_the_search_and_the_export_but_never_the_term(
    app, world, login_as, searchable
):
    browser = login_as("team_lead")
    before = len(_audit_rows(app))
    assert submit_search(browser, url(app, "client.index_view"), TERM).status_code == 303
    browser.get(url(app, "client.index_view"))
    assert browser.get(url(app, "client.export", export_type="csv")).status_code == 200

    rows = _audit_rows(app)
    columns = [c.key for c in AuditEvent.__table__.columns]
    new = [dict(zip(columns, row, strict=True)) for row in rows[before:]]
    searches = [r for r in new if r["action"] == "read" and (r["changes"] or {}).get("search")]
    assert len(searches) == 1
    assert searches[0]["object_type"] == "client"
    assert searches[0]["user_id"] == world.team_lead
    assert searches[0]["changes"] == {"search": True, "length": len(TERM)}
    exports = [r for r in new if r["action"] == "export"]
    assert [e["changes"] for e in exports] == [{"rows": MATCHING, "filters": {}, "search": True}]
    # The arrangement's create rows name the clients; nothing since may.
    assert [row for row in rows[before:] if carries(repr(row), TERM)] == []


# -- clearing, bad input, logout ---------------------------------------------------------------


def test_the_search_is_cleared_by_its_button_or_an_empty_term(app, world, login_as, searchable):
    browser = login_as("team_lead")
    list_url = url(app, "client.index_view")
    assert "Suche aufheben" not in browser.get(list_url).get_data(as_text=True)
    for clear in ({"clear": True}, {"term": "   "}):
        assert submit_search(browser, list_url, TERM).status_code == 303
        searched = browser.get(list_url).get_data(as_text=True)
        assert "Suche aufheben" in searched
        response = submit_search(browser, list_url, clear.get("term", TERM), clear="clear" in clear)
        assert response.status_code == 303
        assert list_count(browser.get(location(response))) == MATCHING + 3
        assert search_box_value(browser.get(list_url).get_data(as_text=True)) == ""


def test_a_term_is_trimmed_and_an_overlong_one_refused_in_german(app, world, login_as, searchable):
    browser = login_as("team_lead")
    list_url = url(app, "client.index_view")
    assert submit_search(browser, list_url, f"  {TERM}-0 ").status_code == 303
    assert search_box_value(browser.get(list_url).get_data(as_text=True)) == f"{TERM}-0"
    assert list_count(browser.get(list_url)) == 10  # Grünewald-00 to -09

    response = submit_search(browser, list_url, "x" * (SEARCH_MAX_LENGTH + 1))

    assert response.status_code == 303
    page = browser.get(location(response)).get_data(as_text=True)
    assert f"Der Suchbegriff ist zu lang: höchstens {SEARCH_MAX_LENGTH} Zeichen" in page
    assert search_box_value(page) == f"{TERM}-0"  # unchanged
    assert submit_search(browser, list_url, "y" * SEARCH_MAX_LENGTH).status_code == 303
    assert search_box_value(browser.get(list_url).get_data(as_text=True)) == "y" * 100


def test_the_session_keeps_the_searches_of_the_latest_lists_only(app, world, login_as):
    browser = login_as("team_lead")
    views = app.extensions["lotse_admin_views"]
    searchable = [e for e, v in views.items() if getattr(v, "_search_supported", False)]
    assert len(searchable) > SEARCH_LISTS_KEPT
    long_term = "z" * SEARCH_MAX_LENGTH
    for endpoint in searchable:
        response = browser.post(url(app, f"{endpoint}.search"), data={"search": long_term})
        assert response.status_code == 303
    kept = [
        endpoint
        for endpoint in searchable
        if search_box_value(browser.get(url(app, f"{endpoint}.index_view")).get_data(as_text=True))
    ]
    assert kept == searchable[-SEARCH_LISTS_KEPT:]
    cookie = browser.get_cookie(app.config["SESSION_COOKIE_NAME"], domain="lotse.test")
    assert cookie is not None
    assert len(cookie.value) < 3000


def test_logging_out_ends_the_search(app, world, client, searchable):
    auth = AuthActions(client)
    auth.login(world.emails["team_lead"])
    list_url = url(app, "client.index_view")
    assert submit_search(client, list_url, TERM).status_code == 303
    assert list_count(client.get(list_url)) == MATCHING
    auth.logout()
    auth.login(world.emails["team_lead"])
    assert list_count(client.get(list_url)) == MATCHING + 3


# -- CSRF and access ---------------------------------------------------------------------------


def test_a_search_without_csrf_token_is_refused(csrf_app, world, searchable):
    browser = csrf_app.test_client()
    token = csrf_token_from(browser.get("/login").get_data(as_text=True))
    login = browser.post(
        "/login",
        data={"email": world.emails["team_lead"], "password": PASSWORD, "csrf_token": token},
    )
    assert login.status_code == 302
    submit_second_factor(browser, world.emails["team_lead"], login)
    refused = browser.post("/admin/client/search/", data={"search": TERM})
    assert refused.status_code == 400
    assert list_count(browser.get("/admin/client/")) == MATCHING + 3
    # The form as rendered carries the token.
    assert submit_search(browser, "/admin/client/", TERM).status_code == 303
    assert list_count(browser.get("/admin/client/")) == MATCHING


def test_anonymous_visitors_are_sent_to_login(app, client, world):
    response = client.post(url(app, "client.search"), data={"search": TERM})
    assert response.status_code == 302
    assert location(response).startswith("/login")


@pytest.mark.parametrize("role", ["it_admin", "auditor"])
def test_roles_without_client_data_get_403_and_a_denial_row(app, login_as, searchable, role):
    browser = login_as(role)
    before = len(_audit_rows(app))
    for endpoint in ("client", "case"):
        response = browser.post(url(app, f"{endpoint}.search"), data={"search": TERM})
        assert response.status_code == 403, endpoint
        assert "keine Berechtigung" in response.get_data(as_text=True)
    denials = [row for row in _audit_rows(app)[before:] if "denied" in row]
    assert len(denials) == 2


def test_another_authority_finds_none_of_the_first_authoritys_clients(
    app, world, login_as, searchable
):
    own, foreign = login_as("team_lead"), login_as("foreign_caseworker")
    for endpoint in ("client", "case"):
        list_url = url(app, f"{endpoint}.index_view")
        assert submit_search(own, list_url, TERM).status_code == 303
        assert list_count(own.get(list_url)) == MATCHING, "control"
        assert submit_search(foreign, list_url, TERM).status_code == 303
        response = foreign.get(list_url)
        # Only the second authority's own client of that name.
        assert list_count(response) == 1, endpoint
        assert f"{TERM}-00" not in response.get_data(as_text=True)


def test_a_search_finds_shared_cases_and_nothing_else_of_the_owner(app, shared_cases, login_as):
    recipient = login_as(shared_cases.recipient_team_lead)
    list_url = url(app, "case.index_view")
    assert submit_search(recipient, list_url, "Freigabe-Nachname").status_code == 303
    assert row_ids(recipient.get(list_url)) == [shared_cases.case]


# -- what a server logs ------------------------------------------------------------------------


class _RequestLines(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.INFO)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def test_no_request_line_a_server_logs_carries_the_term(app, live_server, world, searchable):
    """A real HTTP server, werkzeug's, whose request log is read back."""
    requests_log = logging.getLogger("werkzeug")
    handler, level = _RequestLines(), requests_log.level
    requests_log.addHandler(handler)
    requests_log.setLevel(logging.INFO)
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def fetch(path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        with opener.open(live_server.url + path, data=body, timeout=10) as answer:
            return answer.geturl(), answer.read().decode()

    try:
        _page, login_html = fetch("/login")
        _page, code_html = fetch(
            "/login",
            {
                "email": world.emails["team_lead"],
                "password": PASSWORD,
                "csrf_token": csrf_token_from(login_html),
            },
        )
        fetch(
            "/login/code",
            {
                "code": totp_code(app, world.emails["team_lead"]),
                "csrf_token": csrf_token_from(code_html),
            },
        )
        landed = {}
        for path in ("/admin/client/", "/admin/case/"):
            _page, html = fetch(path)
            method, action, data = search_request(html, TERM)
            if method == "GET":
                landed[path] = fetch(f"{action}?{urllib.parse.urlencode(data)}")
            else:
                landed[path] = fetch(action, data)
            for variant in ("?page=1&page_size=10", "?sort=0&desc=1", "?page_size=50"):
                fetch(path + variant)
    finally:
        requests_log.removeHandler(handler)
        requests_log.setLevel(level)

    logged = [line for line in handler.lines if "/admin/" in line]
    assert len(logged) >= 10, handler.lines
    assert [line for line in handler.lines if carries(line, TERM)] == []
    for path, (final_url, html) in landed.items():
        assert final_url.startswith(live_server.url + path)
        assert search_box_value(html) == TERM, "the search is active"
        assert len(ROW_ID.findall(html)) == MATCHING
        assert any(f"POST {path}search/" in line for line in logged), handler.lines
