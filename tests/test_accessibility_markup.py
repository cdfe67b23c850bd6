"""Accessibility in the HTML itself, without a browser (docs/design.md §10): the skip link
and its target, the page language, page titles that name the page and the record, table
captions and header scopes, named scroll regions, charts tied to their tables, and form
errors tied to their fields."""

import re
from html.parser import HTMLParser

import pytest

from models import Authority, db
from models.scoping import unscoped
from services import statistics as stats
from tests import factories
from tests import statistics_data as data


class Elements(HTMLParser):
    """Every start tag with its attributes, in document order, and the <title>."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.title = ""
        self._in_title = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, text):
        if self._in_title:
            self.title += text

    def find(self, tag: str, **attrs) -> list[dict]:
        return [
            a
            for t, a in self.tags
            if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]

    def ids(self) -> set[str]:
        return {a["id"] for _t, a in self.tags if "id" in a}


FOCUSABLE = {"a", "button", "input", "select", "textarea"}


def first_focusable(page: Elements) -> dict:
    return next(
        a
        for t, a in page.tags
        if t in FOCUSABLE and a.get("type") != "hidden" and a.get("tabindex") != "-1"
    )


def get(client, url: str) -> Elements:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return Elements(response.get_data(as_text=True))


@pytest.fixture
def full_case(app, world):
    with app.app_context(), unscoped("test arrangement"):
        case = factories.make_full_case(world)
        db.session.commit()
        return case.id, case.number, case.client_id


@pytest.mark.parametrize("url", ["/login", "/admin/", "/admin/case/"])
def test_skip_link_comes_first_and_leads_to_main(client, caseworker_client, url):
    page = get(client if url == "/login" else caseworker_client, url)
    first = first_focusable(page)
    assert first.get("href") == "#main", first
    assert "sr-only-focusable" in first.get("class", "")
    (main,) = page.find("main")
    assert main.get("id") == "main"
    assert main.get("tabindex") == "-1"


def test_page_language_follows_the_users_language(app, world, login_as, caseworker_client):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(Authority, world.authority)
        factories.make_user("english@kreis-lippe.example", "caseworker", authority, locale="en")
        db.session.commit()
    assert get(caseworker_client, "/admin/").find("html")[0]["lang"] == "de"
    english = get(login_as("english@kreis-lippe.example"), "/admin/")
    assert english.find("html")[0]["lang"] == "en"
    assert english.title == "Overview – Lotse"


def test_page_titles_name_the_page_and_the_record(caseworker_client, full_case):
    case_id, number, client_id = full_case
    titles = {
        f"/admin/case/details/?id={case_id}": f"Fallakte {number} – Lotse",
        f"/admin/case/checklist/?id={case_id}": f"Checkliste {number} – Lotse",
        "/admin/case/": "Fälle – Lotse",
        "/admin/client/": "Klient:innen – Lotse",
        "/admin/": "Übersicht – Lotse",
        "/admin/followups/": "Wiedervorlage – Lotse",
        "/admin/client/new/": "Klient:in anlegen – Lotse",
        f"/admin/client/edit/?id={client_id}": "Klient:in bearbeiten – Lotse",
        f"/admin/case/edit/?id={case_id}": "Fall bearbeiten – Lotse",
    }
    for url, title in titles.items():
        page = get(caseworker_client, url)
        assert page.title == title, url
        # The visible heading says the same, as the page's only <h1>.
        assert len(page.find("h1")) == 1, url
    client_page = get(caseworker_client, f"/admin/client/details/?id={client_id}")
    assert re.fullmatch(r"Klient:in KL-ABH-\S+ – Lotse", client_page.title), client_page.title


def test_dashboard_tables_have_captions_scopes_and_named_scroll_regions(
    app, world, login_as, monkeypatch
):
    monkeypatch.setattr(stats, "today", lambda: data.TODAY)
    with app.app_context(), unscoped("test arrangement"):
        data.build(world)
        db.session.commit()
    html = login_as("team_lead").get("/admin/").get_data(as_text=True)
    page = Elements(html)
    tables = page.find("table")
    assert len(tables) >= 7
    assert html.count("<caption") == len(tables)
    assert all(a.get("scope") in ("col", "row") for t, a in page.tags if t == "th")
    regions = page.find("div", class_="table-responsive")
    assert len(regions) == len(tables)
    for region in regions:
        assert region.get("tabindex") == "0"
        assert region.get("role") == "region"
        assert region.get("aria-labelledby") in page.ids()
    # Each chart names the link to its table, which leads to the table.
    for canvas in page.find("canvas"):
        link_id = canvas["aria-describedby"]
        (link,) = [a for t, a in page.tags if t == "a" and a.get("id") == link_id]
        assert link["href"] == "#" + canvas["id"].removesuffix("-chart")
        assert link["href"][1:] in page.ids()


def test_list_table_has_a_caption_and_column_scopes(caseworker_client, full_case):
    html = caseworker_client.get("/admin/case/").get_data(as_text=True)
    table = html[html.index('<table class="table table-striped') :]
    table = table[: table.index("</table>")]
    assert re.search(r"<caption[^>]*>\s*Fälle\s*</caption>", table)
    headers = re.findall(r"<th\b[^>]*>", table)
    assert headers
    assert all('scope="col"' in th for th in headers), headers


def test_form_errors_are_tied_to_their_fields(caseworker_client):
    html = caseworker_client.post("/admin/client/new/", data={}).get_data(as_text=True)
    page = Elements(html)
    invalid = [a for t, a in page.tags if a.get("aria-invalid") == "true"]
    assert invalid, "no field marked invalid"
    ids = page.ids()
    for field in invalid:
        described = field.get("aria-describedby", "").split()
        assert f"{field['id']}-error" in described, field
        assert all(i in ids for i in described), field
    # The error text itself sits in the element the field points at.
    family = next(a for a in invalid if a["id"] == "family_name")
    error = re.search(r'id="family_name-error">(.*?)</div>', html, re.S)
    assert error
    assert re.sub(r"<[^>]+>|\s+", " ", error.group(1)).strip(), family


def test_help_text_is_tied_to_its_field(caseworker_client):
    page = Elements(caseworker_client.get("/admin/client/new/").get_data(as_text=True))
    described = [
        a for t, a in page.tags if t in ("input", "select", "textarea") and "aria-describedby" in a
    ]
    assert described, "no field is tied to a help text"
    ids = page.ids()
    for field in described:
        assert all(i in ids for i in field["aria-describedby"].split()), field
    # Every field with a label (no hidden field goes without one).
    labelled = {a.get("for") for t, a in page.tags if t == "label"}
    for tag, attrs in page.tags:
        if tag in ("input", "select", "textarea") and attrs.get("type") not in (
            "hidden",
            "submit",
        ):
            assert attrs.get("id") in labelled or "aria-label" in attrs, attrs


@pytest.mark.parametrize(
    ("url", "user"), [("/login", None), ("/admin/profile/password/", "caseworker")]
)
def test_login_and_password_form_errors_are_tied_to_their_fields(client, login_as, url, user):
    browser = login_as(user) if user else client
    html = browser.post(url, data={}).get_data(as_text=True)
    page = Elements(html)
    invalid = [a for t, a in page.tags if a.get("aria-invalid") == "true"]
    assert invalid, "no field marked invalid"
    for field in invalid:
        error_id = f"{field['id']}-error"
        assert error_id in field["aria-describedby"].split(), field
        assert re.search(rf'id="{error_id}">\s*\S', html), error_id
