"""bench/load.py: reading HTML forms and links the way a browser submits them, and the tallies
of a load run that locust's statistics do not keep (failed saves, conflicts, leaks)."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)

    def names(self) -> set[str]:
        return {name for name, _value in self.fields}

    def values(self, **changes) -> list[tuple[str, str]]:
        """The fields as the browser would send them, with ``changes`` replacing values."""
        sent = [(name, changes.get(name, value)) for name, value in self.fields]
        missing = [(name, value) for name, value in changes.items() if name not in self.names()]
        return sent + missing


class _FormParser(HTMLParser):
    """Every <form> with the successful controls a browser would submit (no buttons)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._option: dict | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = Form(a.get("action") or "")
            self.forms.append(self._form)
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form.fields.append((name, a.get("value") or ("y" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
            self._multiple = "multiple" in a
        elif tag == "option" and self._select is not None:
            self._option = a
            self._text = []
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def _close_option(self):
        if self._option is None:
            return
        value = self._option.get("value")
        if value is None:
            value = "".join(self._text).strip()
        if self._select_first is None:
            self._select_first = value
        if "selected" in self._option:
            self._form.fields.append((self._select, value))
            self._select_chosen = True
        self._option = None

    def handle_data(self, data):
        if self._option is not None or self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "option":
            self._close_option()
        elif tag == "select" and self._select is not None:
            self._close_option()
            # A single select without a selected option sends its first option.
            if not self._select_chosen and not self._multiple and self._select_first is not None:
                self._form.fields.append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # As a browser does, a textarea's first line break is not part of its value.
            text = "".join(self._text)
            text = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self._form.fields.append((self._textarea, text))
            self._textarea = None
        elif tag == "form":
            self._form = None


def forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def model_form(html: str) -> Form | None:
    """The page's record form: the one with the most fields, never logout or language."""
    candidates = [
        f for f in forms(html) if "csrf_token" in f.names() and not f.action.startswith(("/lo",))
    ]
    return max(candidates, key=lambda f: len(f.fields), default=None)


def csrf_token(html: str) -> str | None:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    return match.group(1) if match else None


def ids_linked(html: str, endpoint_path: str) -> list[int]:
    """Record ids of the links to ``endpoint_path`` (e.g. ``/admin/case/details/``)."""
    pattern = re.escape(endpoint_path) + r"\?id=(\d+)"
    return sorted({int(i) for i in re.findall(pattern, html)})


def checklist_items(html: str) -> list[tuple[str, str, str]]:
    """(item id, its version, the "done" value its button sends) of each item of a checklist
    page; the version makes a tick on a page someone else has changed since a refusal."""
    return re.findall(r'name="item" value="(\d+)">\s*<input type="hidden" name="version" '
                      r'value="(\d+)">\s*<input type="hidden" name="done" value="([01])"',
                      html)  # fmt: skip


def need_area_offered(html: str) -> str | None:
    """The first need area a case file offers to record (its intake form)."""
    match = re.search(r'name="need_area"[^>]*value="(\d+)"', html) or re.search(
        r'value="(\d+)"[^>]*name="need_area"', html
    )
    return match.group(1) if match else None


def record_id(location: str) -> int | None:
    """The record a redirect names (``…/edit/?id=7&url=…``)."""
    match = re.search(r"[?&]id=(\d+)", location)
    return int(match.group(1)) if match else None


def moved_to_planning(html: str) -> bool:
    """A case file shown after "record a need, then begin planning": both flashes, no refusal."""
    return (
        "Bedarf erfasst." in html
        and "Der Fall ist jetzt im Status „Planung“." in html
        and "Der Statuswechsel ist nicht möglich" not in html
    )


def marker_findings(html: str, own: str, markers: dict[str, str]) -> tuple[bool, list[str]]:
    """Whether a page shows the own authority's marker, and the other markers it shows."""
    return markers[own] in html, [m for code, m in markers.items() if code != own and m in html]


# -- accounts and pages of the scenario ---------------------------------------------------------

PASSWORD = "Lasttest-Passwort-2026!"  # noqa: S105 (accounts of a generated load database)
# The app's SECRET_KEY in the load run: the TOTP secrets are encrypted under it.
SECRET_KEY = "load-test-secret-key"  # noqa: S105 (a load test database's, nobody's)
MARKER = "MARKER-"
CONFLICT = "inzwischen von jemand anderem geändert"
SEARCH_TERMS = ("Kowalski", "Yilmaz", "Haddad", "Nowak", "Popescu", "Petrenko")


@dataclass
class Account:
    email: str
    role: str
    authority: str  # the authority's code
    user_id: int = 0
    client_id: int = 0  # a caseworker's own client, for new cases
    case_id: int = 0  # a caseworker's own case with goal, activity and checklist
    goal_id: int = 0
    activity_id: int = 0
    totp_secret: str | None = None
    markers: dict[str, str] = field(default_factory=dict)  # authority code -> marker name


# Every path the tasks request (with "{id}" for a record), for tests/test_load_script.py.
PATHS = {
    "login": "/login",
    "dashboard": "/admin/",
    "case list": "/admin/case/",
    "case search": "/admin/case/search/",
    "client list": "/admin/client/",
    "client search": "/admin/client/search/",
    "case file": "/admin/case/details/?id={id}",
    "case new": "/admin/case/new/",
    "case needs": "/admin/case/needs/?id={id}",
    "case transition": "/admin/case/transition/?id={id}",
    "checklist": "/admin/case/checklist/?id={id}",
    "goal edit": "/admin/goal/edit/?id={id}",
    "activity edit": "/admin/activity/edit/?id={id}",
    "follow-ups": "/admin/followups/",
    "referral list": "/admin/referral/",
    "report": "/admin/report/",
    "case export csv": "/admin/case/export/csv/",
    "audit list": "/admin/audit_event/",
    "user list": "/admin/user/",
    "need area list": "/admin/need_area/",
    "agency list": "/admin/agency/",
    "checklist templates": "/admin/checklist_template/",
}


def path(name: str, record_id: int | None = None) -> str:
    return PATHS[name].format(id=record_id)


# -- tallies the report adds to locust's figures --------------------------------------------------


class Tally:
    """Counters shared by all simulated users (greenlets of one process)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.saves = 0
        self.failed_saves = 0
        self.conflicts = 0
        self.leak_checks = 0
        self.leaks = 0
        self.checker_misses = 0
        self.server_errors = 0
        self.errors: list[str] = []

    def add(self, name: str, n: int = 1) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + n)

    def error(self, line: str) -> None:
        with self._lock:
            if len(self.errors) < 200:
                self.errors.append(line)
