"""Concurrent edits and creations over real HTTP: no lost update, no duplicate number.

The app is served by werkzeug's threaded server on loopback (``tests.browser_support.serve``,
CSRF on) over the suite's database: a file on SQLite, shared by the server's threads, or
PostgreSQL with ``LOTSE_TEST_DATABASE_URL``. Several ``requests.Session``s log in through
``/login`` with the page's CSRF token, load the same edit form and send their saves at the
same instant (a ``threading.Barrier``). Exactly one save of each pair may win; the other
must see the German conflict message, and the database must hold the winner's value at the
loaded version plus one (docs/design.md §8, "Optimistic locking"). Parallel creations in one
authority must give distinct numbers without gaps.
"""

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from html import unescape
from html.parser import HTMLParser

import pytest
import requests
from sqlalchemy import select

from models import Authority, Case, CaseChecklistItem, Client, Goal, db
from models.scoping import unscoped
from tests import factories
from tests.browser_support import serve
from tests.conftest import csrf_token_from, http_login, submit_second_factor

TIMEOUT = 30  # seconds per request: a hang fails the test instead of stalling the run
CONFLICT = "inzwischen von jemand anderem geändert"
# Per kind: WAVES rounds, each with PAIRS records edited by two sessions at once, so
# 4 kinds x WAVES x PAIRS x 2 = 200 concurrent save attempts per database.
WAVES, PAIRS = 5, 5
PARALLEL_CREATIONS = 20


# -- HTML forms, as a browser reads them ----------------------------------------------------


class _FormParser(HTMLParser):
    """Every <form> of a page with the values a browser would submit (no submit buttons)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = []
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self._form.append((a["name"], a.get("value") or ""))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self._form.append((self._select, a.get("value") or ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.append((self._textarea[0], self._textarea[1].lstrip("\n")))
            self._textarea = None


def flashed_errors(html: str) -> list[str]:
    found = re.findall(r'class="[^"]*alert-danger[^"]*"[^>]*>(.*?)</div>', html, re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>|&times;", "", f)).split()) for f in found]


# -- sessions over HTTP ----------------------------------------------------------------------


def logged_in(base: str, email: str, app) -> requests.Session:
    session = requests.Session()
    response = http_login(session, base, email, app, timeout=TIMEOUT)
    assert response.status_code == 302, response.text[:500]
    return session


def at_once(calls):
    """Run the callables in threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=TIMEOUT)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


@dataclass
class Save:
    """One save attempt: who sent which value, and what the server answered."""

    value: str
    status: int
    errors: list[str]

    @property
    def won(self) -> bool:
        return self.status == 302 and not self.errors


# -- what is edited --------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A record kind edited through a form: where its form is and which field changes."""

    name: str
    model: type
    field: str  # the form field that each session sets to its own value
    attr: str  # the model attribute that holds it

    def form_url(self, base, row) -> str:
        if self.model is CaseChecklistItem:
            return f"{base}/admin/case/checklist/?id={row.case_id}"
        return f"{base}/admin/{self.name}/edit/?id={row.id}"

    def form_key(self, row) -> tuple[str, str]:
        """A field and value that pick this record's form out of the page's forms."""
        if self.model is CaseChecklistItem:
            return "item", str(row.id)
        return "version_token", str(row.version)


KINDS = (
    Kind("client", Client, "notes", "notes"),
    Kind("case", Case, "intake_summary", "intake_summary"),
    Kind("goal", Goal, "description", "description"),
    Kind("checklist_item", CaseChecklistItem, "note", "note"),
)


def _form_of(html: str, kind: Kind, row) -> dict[str, list[str]]:
    name, value = kind.form_key(row)
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        if (name, value) in form:
            values: dict[str, list[str]] = {}
            for field, field_value in form:
                values.setdefault(field, []).append(field_value)
            return values
    raise AssertionError(f"no form for {kind.name} {row.id} on the page")


@pytest.fixture
def arranged(app, world):
    """Records of each kind in the first authority, and its staff (one session each)."""
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(Authority, world.authority)
        staff = [
            factories.make_user(f"staff{i}@kreis-lippe.example", "caseworker", authority).email
            for i in range(2 * PAIRS)
        ]
        ids = {kind.name: [] for kind in KINDS}
        for i in range(WAVES * PAIRS):
            client = factories.make_client(authority, family_name=f"Parallel{i}")
            case = factories.make_case(client, caseworker_id=world.caseworker)
            goal = Goal(case=case, authority_id=authority.id, description=f"Ziel {i}")
            db.session.add(goal)
            db.session.flush()
            item = db.session.scalars(
                select(CaseChecklistItem).where(CaseChecklistItem.case_id == case.id)
            ).first()
            ids["client"].append(client.id)
            ids["case"].append(case.id)
            ids["goal"].append(goal.id)
            ids["checklist_item"].append(item.id)
        db.session.commit()
    return {"staff": staff, "ids": ids}


@pytest.fixture
def server(app, world, database_url):
    with serve(database_url) as live:
        yield live


def _row(app, model, row_id):
    with app.app_context(), unscoped("test check"):
        row = db.session.get(model, row_id)
        db.session.expunge(row)
        return row


def _save(session, kind: Kind, url: str, form: dict, value: str) -> Save:
    data = {**form, kind.field: [value]}
    if kind.model is CaseChecklistItem:
        data["done"] = ["1"]  # both tick; the notes differ
    response = session.post(url, data=data, allow_redirects=False, timeout=TIMEOUT)
    errors = flashed_errors(response.text) if response.status_code == 200 else []
    if response.status_code == 302 and kind.model is CaseChecklistItem:
        # The checklist redirects after a refusal too, with a flash message: read it.
        follow = session.get(
            requests.compat.urljoin(url, response.headers["Location"]), timeout=TIMEOUT
        )
        errors = flashed_errors(follow.text)
    return Save(value, response.status_code, errors)


def _edit_race(app, base, sessions, kind: Kind, row_ids) -> list[tuple[int, int, list[Save]]]:
    """Every record of ``row_ids`` is loaded by two sessions, then all save at once."""
    loaded = []
    for n, row_id in enumerate(row_ids):
        row = _row(app, kind.model, row_id)
        pair = sessions[2 * n : 2 * n + 2]
        forms = []
        for session in pair:
            page = session.get(kind.form_url(base, row), timeout=TIMEOUT)
            assert page.status_code == 200, page.text[:300]
            forms.append(_form_of(page.text, kind, row))
        loaded.append((row, pair, forms))
    calls = []
    for row, pair, forms in loaded:
        url = kind.form_url(base, row)
        for side, (session, form) in enumerate(zip(pair, forms, strict=True)):
            value = f"{kind.name} {row.id} v{row.version} Sitzung {side}"
            calls.append(lambda s=session, u=url, f=form, v=value: _save(s, kind, u, f, v))
    saves = at_once(calls)
    return [
        (row.id, row.version, saves[2 * n : 2 * n + 2]) for n, (row, _p, _f) in enumerate(loaded)
    ]


def test_concurrent_saves_of_one_record_lose_no_update(app, arranged, server):
    base = server.url
    sessions = [logged_in(base, email, app) for email in arranged["staff"]]
    attempts, lost, outcomes = 0, [], Counter()
    for kind in KINDS:
        ids = arranged["ids"][kind.name]
        for wave in range(WAVES):
            chunk = ids[wave * PAIRS : (wave + 1) * PAIRS]
            for row_id, version, saves in _edit_race(app, base, sessions, kind, chunk):
                attempts += len(saves)
                winners = [s for s in saves if s.won]
                losers = [s for s in saves if not s.won]
                outcomes[f"{kind.name}: {len(winners)} winner(s)"] += 1
                for loser in losers:
                    # Refused at the UPDATE (both had passed the version check) or before it.
                    at_update = any("Bitte neu laden." in e for e in loser.errors)
                    outcomes["refused at the UPDATE" if at_update else "refused before"] += 1
                row = _row(app, kind.model, row_id)
                stored = getattr(row, kind.attr)
                problem = None
                if len(winners) != 1:
                    problem = f"{len(winners)} winners"
                elif stored != winners[0].value:
                    problem = f"stored {stored!r}, winner sent {winners[0].value!r}"
                elif row.version != version + 1:
                    problem = f"version {row.version}, expected {version + 1}"
                elif not all(any(CONFLICT in e for e in s.errors) for s in losers):
                    problem = f"loser without the conflict message: {losers}"
                elif not all(s.status in (200, 302) for s in saves):
                    problem = f"statuses {[s.status for s in saves]}"
                if problem:
                    lost.append(f"{kind.name} {row_id}: {problem} ({saves})")
    print(f"\nconcurrent saves: {attempts}, lost updates: {len(lost)}; {dict(outcomes)}")
    assert attempts >= 200
    assert lost == [], "\n".join(lost[:10])


def _create(session, base, endpoint, data) -> int:
    url = f"{base}/admin/{endpoint}/new/"
    page = session.get(url, timeout=TIMEOUT)
    form = {"csrf_token": csrf_token_from(page.text), **data}
    response = session.post(url, data=form, allow_redirects=False, timeout=TIMEOUT)
    return response.status_code


def _numbers(app, model, authority_id):
    with app.app_context(), unscoped("test check"):
        return [
            row.number
            for row in db.session.scalars(select(model).order_by(model.id))
            if row.authority_id == authority_id
        ]


def _serial(number: str) -> int:
    return int(number.rsplit("-", 1)[1])


def test_parallel_creations_in_one_authority_get_distinct_gapless_numbers(
    app, world, arranged, server
):
    base = server.url
    # One session per creation: a requests.Session is no browser; two threads in one
    # may send a request without its cookie.
    sessions = [logged_in(base, email, app) for email in arranged["staff"] * 2]
    before_clients = _numbers(app, Client, world.authority)
    before_cases = _numbers(app, Case, world.authority)

    def new_client(i):
        data = {"family_name": f"Gleichzeitig{i}", "given_names": "Nora", "gender": "female"}
        return lambda: _create(sessions[i % len(sessions)], base, "client", data)

    statuses = at_once([new_client(i) for i in range(PARALLEL_CREATIONS)])
    assert statuses == [302] * PARALLEL_CREATIONS
    clients = _numbers(app, Client, world.authority)[len(before_clients) :]
    with app.app_context(), unscoped("test check"):
        new_client_ids = db.session.scalars(
            select(Client.id).where(Client.number.in_(clients)).order_by(Client.id)
        ).all()

    def new_case(i):
        data = {
            "client": str(new_client_ids[i]),
            "opened_on": date(2026, 4, 1).isoformat(),
            "intake_summary": f"gleichzeitig {i}",
        }
        return lambda: _create(sessions[i % len(sessions)], base, "case", data)

    statuses = at_once([new_case(i) for i in range(PARALLEL_CREATIONS)])
    assert statuses == [302] * PARALLEL_CREATIONS
    cases = _numbers(app, Case, world.authority)[len(before_cases) :]

    for before, created in ((before_clients, clients), (before_cases, cases)):
        assert len(created) == PARALLEL_CREATIONS
        assert len(set(created)) == PARALLEL_CREATIONS, Counter(created).most_common(3)
        serials = sorted(_serial(n) for n in (*before, *created) if "-2026-" in n)
        assert serials == list(range(1, len(serials) + 1)), serials


def _item(app, item_id):
    with app.app_context(), unscoped("test check"):
        item = db.session.get(CaseChecklistItem, item_id)
        return item.done_at is not None, item.note, item.version


def test_a_checklist_tick_with_a_stale_version_is_refused_and_one_without_is_idempotent(
    app, login_as, arranged
):
    item_id = arranged["ids"]["checklist_item"][0]
    case_id = _row(app, CaseChecklistItem, item_id).case_id
    url = f"/admin/case/checklist/?id={case_id}"
    first, second = login_as("caseworker"), login_as("team_lead")
    page = first.get(url).get_data(as_text=True)
    assert 'name="version" value="1"' in page

    tick = {"item": str(item_id), "done": "1", "version": "1"}
    assert first.post(url, data={**tick, "note": "erste"}).status_code == 302
    refused = second.post(url, data={**tick, "done": "0", "note": "zweite"}, follow_redirects=True)
    assert CONFLICT in refused.get_data(as_text=True)
    assert _item(app, item_id) == (True, "erste", 2)
    # Without a version the post names a state: ticking a ticked item changes nothing.
    assert second.post(url, data={"item": str(item_id), "done": "1"}).status_code == 302
    assert _item(app, item_id) == (True, "erste", 2)


def test_a_write_that_waits_out_the_database_lock_gets_a_german_page(
    app, login_as, arranged, database_url
):
    """SQLite: another connection holds the write lock longer than the busy timeout (5 s)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's database lock; PostgreSQL waits for row locks instead")
    import sqlite3

    item_id = arranged["ids"]["checklist_item"][0]
    case_id = _row(app, CaseChecklistItem, item_id).case_id
    browser = login_as("caseworker")
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        response = browser.post(
            f"/admin/case/checklist/?id={case_id}",
            data={"item": str(item_id), "done": "1", "note": "wartet", "version": "1"},
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Die Datenbank ist gerade ausgelastet. Es wurde nichts gespeichert." in page
    assert "locked" not in page
    assert _item(app, item_id) == (False, None, 1)


def test_two_tabs_opened_at_once_after_login_share_one_csrf_token(csrf_app, world, arranged):
    """Both tabs send the cookie of the login's answer; the later answer's cookie is kept.
    With a token made per first page, the other tab's form would be refused (400)."""
    browser = csrf_app.test_client()
    token = csrf_token_from(browser.get("/login").get_data(as_text=True))
    login = {"email": world.emails["caseworker"], "password": factories.PASSWORD}
    response = browser.post("/login", data={**login, "csrf_token": token})
    assert submit_second_factor(browser, login["email"], response).status_code == 302
    after_login = browser.get_cookie("lotse_session", domain="lotse.test").value
    url = f"/admin/client/edit/?id={arranged['ids']['client'][0]}"
    first_tab = browser.get(url).get_data(as_text=True)
    browser.set_cookie("lotse_session", after_login, domain="lotse.test")
    second_tab = browser.get(url).get_data(as_text=True)  # its cookie is the one kept
    form = _FormParser()
    form.feed(first_tab)
    data = next(dict(f) for f in form.forms if any(name == "version_token" for name, _v in f))
    data["notes"] = "aus dem ersten Tab"
    assert csrf_token_from(first_tab) == csrf_token_from(second_tab)
    assert browser.post(url, data=data).status_code == 302
