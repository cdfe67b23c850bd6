"""Hostile input through every form and every custom POST: no 500, German refusals, no change.

Hypothesis fills every create and edit form of the admin (the forms are read from the
views' form classes, the operations from the role table ``PERMISSIONS``, so a new form or
field is fuzzed without a change here) and every other POST endpoint of the admin (found in
the URL map; an endpoint without a strategy fails ``test_every_post_endpoint_is_fuzzed``)
with random and hostile values: long strings, control characters, NUL, emoji, lone
surrogates (sent as the bytes ``surrogatepass`` gives, which are not UTF-8) and other bytes
that are not UTF-8, SQL and HTML payloads, text in number, date and select fields, and ids
of the other authority's rows or of no row at all.

Each request must not answer 500. A refusal (a 4xx page, the form shown again, or a
redirect with an error flash) must say why in German, and the database must be as before:
every table's row count and a checksum of all its rows. The audit trail is the exception
by design: a denied request writes a ``denied`` row (docs/design.md §4), and the list shown
after a refused search records its ``read``, so new audit rows are allowed after a refusal,
but only those two kinds. A request that is accepted may
change anything (valid random input saves).

"German" is checked against the catalogues, not guessed: every error text shown must be a
sequence of messages from Lotse's own catalogue (its German msgids), Flask-Admin's German
catalogue or WTForms' German catalogue, with their placeholders filled by anything. An
English default ("Not a valid choice", "This field is required.") or a database error
matches none of them.

The examples run are counted; ``test_at_least_the_target_number_of_examples_ran`` proves
that the target number ran (``FUZZ_TARGET``, 2,000). Hypothesis runs derandomised with no
example database, so every run tries the same inputs.
"""

import hashlib
import io
import re
from collections import Counter
from datetime import date
from functools import cache
from html import unescape
from pathlib import Path
from urllib.parse import urlencode

import pytest
import wtforms
from babel.messages.pofile import read_po
from flask_admin.contrib.sqla import ModelView
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select
from wtforms.fields.core import UnboundField

from admin_views import MENU
from admin_views.permissions import CREATE, EDIT, PERMISSIONS
from models import AuditEvent, Case, CaseChecklistItem, ClosureReason, NeedArea, User, db
from models.scoping import as_user, unscoped
from tests.test_access import arrange, url

FUZZ_TARGET = 2000
# Examples per target; 48 forms, 5 custom endpoints and 4 standard kinds give 2,066.
FORM_EXAMPLES = 22  # per create or edit form
CUSTOM_EXAMPLES = 100  # per custom POST endpoint
# Per kind of standard POST; a search shows the list it leads to, which costs the most.
GENERIC_EXAMPLES = {"action_view": 150, "search": 60, "delete_view": 150, "ajax_update": 150}
RAN: Counter = Counter()  # examples run, per target
ROOT = Path(__file__).resolve().parent.parent
# The standard POST sub-URLs of every model view, fuzzed across all views at once.
GENERIC_KINDS = ("action_view", "search", "delete_view", "ajax_update")
FORM_KINDS = {"create_view": CREATE, "edit_view": EDIT}
ROLE_ORDER = ("team_lead", "it_admin", "caseworker", "auditor")
# Audit rows a refused request may add: its denial, and the read of the page shown after it.
AUDITED_ON_REFUSAL = {"denied", "read"}
SETTINGS = {
    # No shrinking: one example costs a request, and the failing input is reported as found.
    "phases": (Phase.explicit, Phase.reuse, Phase.generate),
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": list(HealthCheck),
    "print_blob": False,
}


# -- the German catalogues ------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\([A-Za-z_]+\)[sd]|%[sd]|\{[A-Za-z_]*\}")


def _catalogue_messages() -> set[str]:
    """Lotse's German msgids and the German translations of Flask-Admin and WTForms.

    Lotse's catalogue also holds the English msgids of WTForms' messages that Lotse's code
    asks WTForms to translate (``self.gettext("Not a valid choice.")``); those are left
    out: only their German translations count.
    """
    german, english = set(), set()
    libraries = (
        ROOT / "translations" / "de" / "LC_MESSAGES" / "admin.po",
        Path(wtforms.__file__).parent / "locale" / "de" / "LC_MESSAGES" / "wtforms.po",
    )
    for path in libraries:
        with path.open("rb") as po:
            for message in read_po(po, locale="de"):
                english.update(_strings(message.id))
                german.update(_strings(message.string))
    # Lotse's own messages are German msgids; the English catalogue lists every one.
    with (ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        german.update(s for m in read_po(po, locale="en") for s in _strings(m.id))
    return german - english


def _strings(value) -> list[str]:
    return [s for s in (value if isinstance(value, tuple) else (value,)) if s]


@cache
def german_pattern() -> re.Pattern:
    alternatives = []
    for message in sorted(_catalogue_messages(), key=len, reverse=True):
        parts = PLACEHOLDER.split(" ".join(message.split()))
        if len(re.sub(r"[\W\d_]", "", "".join(parts))) < 2:
            continue  # a message of placeholders alone ("%(placeholder)s") would match anything
        alternatives.append(".+?".join(re.escape(p) for p in parts))
    one = "(?:" + "|".join(alternatives) + ")"
    return re.compile(rf"{one}(?:\s*{one})*", re.S)


def is_german(text: str) -> bool:
    return german_pattern().fullmatch(text) is not None


# -- what a response says ---------------------------------------------------------------------

_ERROR_TEXT = re.compile(
    r'class="[^"]*(?:invalid-feedback|alert-danger)[^"]*"[^>]*>(.*?)</(?:div|span)>', re.S
)
_ERROR_PAGE = re.compile(r'<h2 class="h5 card-title">.*?</h2>\s*<p>(.*?)</p>', re.S)


def _clean(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>|&times;", "", fragment)).split())


def shown_errors(response) -> list[str]:
    html = response.get_data(as_text=True)
    found = _ERROR_TEXT.findall(html)
    if response.status_code >= 400:
        found += _ERROR_PAGE.findall(html)
    return [text for text in (_clean(f) for f in found) if text]


def pending_flashes(test_client) -> list[tuple[str, str]]:
    """Flash messages a redirect left for the next page; taken, so they do not pile up."""
    with test_client.session_transaction() as session:
        return list(session.pop("_flashes", []))


def without_echo(text: str, form: list[tuple[str, bytes]]) -> str:
    """The message with submitted values (which a message may quote) replaced by a mark."""
    for _name, value in form:
        shown = " ".join(value.decode("utf-8", "replace").split())
        if len(shown) >= 3:
            text = text.replace(shown, "«Eingabe»")
    return text


# -- the database, before and after ---------------------------------------------------------


def snapshot(app) -> dict:
    """Per table (the audit trail aside): row count and a checksum over every row. The
    audit trail is its events and the heads of their hash chains, which every recorded
    denial moves on; the events are compared by what was added."""
    with app.app_context(), unscoped("test check"):
        result = {}
        for table in db.metadata.sorted_tables:
            if table.name in ("audit_event", "audit_chain_head"):
                continue
            rows = db.session.execute(select(table)).all()
            digest = hashlib.blake2b(digest_size=16)
            for row in sorted(repr(tuple(r)) for r in rows):
                digest.update(row.encode("utf-8", "surrogatepass"))
            result[table.name] = (len(rows), digest.hexdigest())
        result["audit_event"] = db.session.scalar(select(func.max(AuditEvent.id))) or 0
        db.session.rollback()
        return result


def audit_actions_since(app, last_id: int) -> list[str]:
    with app.app_context(), unscoped("test check"):
        return list(
            db.session.scalars(select(AuditEvent.action).where(AuditEvent.id > last_id)).all()
        )


# -- hostile values ---------------------------------------------------------------------------

PAYLOADS = (
    "'; DROP TABLE client; --",
    "' OR '1'='1",
    "1; SELECT pg_sleep(5)--",
    '" OR ""="',
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}{% raw %}",
    "%(name)s %s %d {0}",
    "\x00",
    "a\x00b",
    "\u202eevil",
    "😀👩‍👩‍👧‍👦🇩🇪",
    "Ä Ö Ü ß é ñ",
    "\r\n\t\x0b\x0c\x1b[31m",
    "null",
    "None",
    "__None",
    "true",
    "-1",
    "0",
    "1e308",
    "NaN",
    "   ",
    "",
)


def _surrogates():
    return st.text(
        alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3
    )


def hostile_text():
    return st.one_of(
        st.sampled_from(PAYLOADS),
        st.text(max_size=30),  # any code point but surrogates: control characters, NUL, emoji
        st.builds(
            lambda part, n: (part * n)[:n],
            st.sampled_from(("x", "ä", "😀", "<b>", "\x00", "' OR 1=1 ")),
            st.sampled_from((201, 256, 1001, 4097, 60_000)),
        ),
        _surrogates(),
        st.binary(min_size=1, max_size=12),  # bytes that are not UTF-8
    )


BAD_IDS = ("0", "-1", "999999999", "2147483648", "99999999999999999999", "1.5", "0x1", " 1 ")


def integer_text():
    return st.one_of(
        st.integers(-(10**25), 10**25).map(str),
        st.integers(-5, 2000).map(str),
        st.sampled_from(("", "1.5", "1e3", "0x10", " 7 ", "NaN", "∞", "٣", "+3", "1_000")),
        hostile_text(),
    )


def date_text():
    def german(d):
        return f"{d.day:02d}.{d.month:02d}.{d.year:04d}"

    dates = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
    return st.one_of(
        dates.map(german),
        dates.map(date.isoformat),
        st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)).map(german),
        st.sampled_from(
            ("31.02.2026", "2026-13-01", "00.00.0000", "1.1.1", "32.01.2026", "heute", "24.12.")
        ),
        hostile_text(),
    )


def boolean_text():
    return st.one_of(st.sampled_from(("y", "1", "on", "", "false", "0", "n")), hostile_text())


def choice_text(values):
    values = tuple(str(v) for v in values if v not in (None, ""))
    if not values:
        return hostile_text()
    return st.one_of(st.sampled_from(values), st.sampled_from(values), hostile_text())


def ids_text(pool):
    """An own row's id, another authority's, one of no row, or no id at all."""
    options = [st.sampled_from(BAD_IDS), hostile_text()]
    if pool["own"]:
        options += [st.sampled_from(pool["own"])] * 3
    if pool["foreign"]:
        options += [st.sampled_from(pool["foreign"])] * 2
    return st.one_of(*options)


class Current:
    """Resolved when the request is sent: the record's version at that moment."""

    def __repr__(self):
        return "<current version>"


CURRENT = Current()


def one(values):
    return values.map(lambda v: [v])


def some(values, max_size=3):
    return st.lists(values, min_size=0, max_size=max_size)


# -- the forms, read from the views ---------------------------------------------------------


def model_views(app) -> dict[str, ModelView]:
    return {v.endpoint: v for v in app.extensions["lotse_admin"]._views if isinstance(v, ModelView)}


def form_targets() -> list[tuple[str, str]]:
    """Every (endpoint, view) whose form some role may submit, by the role table; the
    custom views of the menu have no model form (their POSTs are fuzzed below)."""
    custom = {target for _c, views in MENU for _v, target, _n in views if isinstance(target, str)}
    found = set()
    for rights in PERMISSIONS.values():
        for resource, ops in rights.items():
            if resource in custom:
                continue
            for kind, operation in FORM_KINDS.items():
                if operation in ops:
                    found.add((resource, kind))
    return sorted(found)


def acting_role(resource: str, operation: str) -> str:
    return next(r for r in ROLE_ORDER if operation in PERMISSIONS[r].get(resource, ()))


def unbound_fields(form_class) -> dict[str, UnboundField]:
    return {
        name: value
        for name in dir(form_class)
        if isinstance(value := getattr(form_class, name, None), UnboundField)
    }


def id_pool(app, user_id, model) -> dict[str, list[str]]:
    """Ids of ``model`` the user sees (own) and of rows the user does not see (foreign)."""
    with app.app_context():
        with unscoped("test arrangement"):
            user = db.session.get(User, user_id)
            every = set(db.session.scalars(select(model.id)).all())
        with as_user(user):
            visible = set(db.session.scalars(select(model.id)).all())
        db.session.rollback()
    return {"own": sorted(map(str, visible)), "foreign": sorted(map(str, every - visible))}


def field_strategy(app, user_id, model, name, unbound):
    """Values for one form field, as a list of submitted values (empty: field left out)."""
    kind = unbound.field_class.__name__
    relationships = inspect(model).relationships
    if kind == "HiddenField" and name == "version_token":
        return st.one_of(st.just([CURRENT]), st.just([CURRENT]), one(integer_text()), st.just([]))
    if kind in ("QuerySelectField", "AjaxSelectField", "QuerySelectMultipleField"):
        pool = id_pool(app, user_id, relationships[name].mapper.class_)
        if kind == "QuerySelectMultipleField":
            return some(ids_text(pool))
        return st.one_of(one(ids_text(pool)), st.just([]), st.just([""]), st.just(["__None"]))
    if kind == "InlineModelFormList":
        return st.just([])  # fields of its own, built by inline_strategy
    if kind == "IntegerField":
        return st.one_of(one(integer_text()), st.just([]))
    if kind == "LocaleDateField":
        return st.one_of(one(date_text()), st.just([]), st.just([""]))
    if kind == "BooleanField":
        return st.one_of(one(boolean_text()), st.just([]))
    if kind in ("CountryField", "LanguageField"):
        codes = ("SYR", "DEU", "TUR", "UKR") if kind == "CountryField" else ("deu", "ara", "tur")
        return st.one_of(one(choice_text(codes)), st.just([""]), st.just([]))
    if kind == "LanguageListField":
        return some(choice_text(("deu", "ara", "tur", "fas")))
    if kind in ("Select2Field", "SelectField"):
        column = inspect(model).columns.get(name)
        choices = column.info.get("choices") if column is not None else None
        values = list(choices.labels) if choices is not None else []
        return st.one_of(one(choice_text(values)), st.just([]))
    if kind == "JSONField":
        return st.one_of(one(hostile_text()), st.just(['{"a": [1, 2]}']), st.just([]))
    return st.one_of(one(hostile_text()), st.just([]), st.just(["Gültiger Text"]))


def inline_strategy(app, user_id, model, name, unbound):
    """Rows of an inline list (``items-0-text`` …): the inline model's fields, fuzzed."""
    inline_model = inspect(model).relationships[name].mapper.class_
    sub_fields = unbound_fields(unbound.args[0])
    per_row = st.fixed_dictionaries(
        {
            sub: (
                st.one_of(one(ids_text(id_pool(app, user_id, inline_model))), st.just([]))
                if sub == "id"
                else field_strategy(app, user_id, inline_model, sub, sub_unbound)
            )
            for sub, sub_unbound in sub_fields.items()
        }
    )

    def flatten(rows):
        return {
            f"{name}-{i}-{sub}": values for i, row in enumerate(rows) for sub, values in row.items()
        }

    return st.lists(per_row, max_size=2).map(flatten)


def form_strategy(app, user_id, view, form_class):
    fields = unbound_fields(form_class)
    plain = st.fixed_dictionaries(
        {
            name: field_strategy(app, user_id, view.model, name, unbound)
            for name, unbound in fields.items()
        }
    )
    inlines = [
        inline_strategy(app, user_id, view.model, name, unbound)
        for name, unbound in fields.items()
        if unbound.field_class.__name__ == "InlineModelFormList"
    ]
    if not inlines:
        return plain
    return st.tuples(plain, *inlines).map(lambda parts: {k: v for p in parts for k, v in p.items()})


# -- sending ----------------------------------------------------------------------------------


def encoded(form: dict, resolve) -> list[tuple[str, bytes]]:
    """The form as (name, bytes) pairs: text as UTF-8, lone surrogates as their raw bytes."""
    pairs = []
    for name, values in form.items():
        for value in values:
            if value is CURRENT:
                value = resolve()
            if isinstance(value, str):
                value = value.encode("utf-8", "surrogatepass")
            pairs.append((name, value))
    return pairs


def send(test_client, path, pairs, query=None):
    target = path + ("?" + urlencode(query) if query else "")
    return test_client.post(
        target, data=urlencode(pairs), content_type="application/x-www-form-urlencoded"
    )


class Checker:
    """Sends one example and checks the answer against the rules of the module."""

    def __init__(self, app, target: str):
        self.app, self.target = app, target
        self.before = snapshot(app)

    def check(self, test_client, response, pairs, follow=False):
        RAN[self.target] += 1
        where = f"{self.target}: {pairs!r:.600}"
        assert response.status_code < 500, f"HTTP {response.status_code} for {where}"
        errors = shown_errors(response)
        flashes = pending_flashes(test_client)
        errors += [_clean(m) for category, m in flashes if category == "error"]
        if follow and response.status_code in (302, 303):
            page = test_client.get(response.headers["Location"])
            assert page.status_code < 500, f"HTTP {page.status_code} after {where}"
            errors += shown_errors(page)
        refused = response.status_code >= 400 or response.status_code == 200 or bool(errors)
        if not refused:
            self.before = snapshot(self.app)
            return
        assert errors, f"refused without a message (HTTP {response.status_code}) for {where}"
        english = [e for e in errors if not is_german(without_echo(e, pairs))]
        assert not english, f"not German: {english!r:.800} for {where}"
        after = snapshot(self.app)
        changed = {
            t: (self.before[t], after[t])
            for t in after
            if t != "audit_event" and after[t] != self.before[t]
        }
        assert not changed, f"refused, but changed {sorted(changed)} for {where}"
        added = audit_actions_since(self.app, self.before["audit_event"])
        assert set(added) <= AUDITED_ON_REFUSAL, f"refused, but audited {added} for {where}"
        self.before = after


# -- the arrangement --------------------------------------------------------------------------


@pytest.fixture
def fuzz_data(app, world):
    with app.app_context(), unscoped("test arrangement"):
        arranged = arrange(world)
        db.session.commit()
    return arranged


def _user_id(app, email):
    with app.app_context(), unscoped("test check"):
        return db.session.scalars(select(User.id).where(User.email == email)).one()


def _version(app, model, row_id):
    with app.app_context(), unscoped("test check"):
        row = db.session.get(model, row_id)
        return str(row.version) if row is not None else "1"


# -- the tests --------------------------------------------------------------------------------


@pytest.mark.parametrize(("endpoint", "kind"), form_targets())
def test_hostile_input_in_a_form(app, login_as, fuzz_data, endpoint, kind):
    view = model_views(app)[endpoint]
    operation = FORM_KINDS[kind]
    role = acting_role(endpoint, operation)
    user_id = _user_id(app, fuzz_data.world.emails[role])
    test_client = login_as(role)
    form_class = view._create_form_class if kind == "create_view" else view._edit_form_class
    strategy = form_strategy(app, user_id, view, form_class)
    row_id = fuzz_data.row[endpoint]
    query = {"id": str(row_id)} if kind == "edit_view" else None
    path = url(app, f"{endpoint}.{kind}")
    checker = Checker(app, f"{endpoint}.{kind}")

    @settings(max_examples=FORM_EXAMPLES, **SETTINGS)
    @given(form=strategy)
    def run(form):
        pairs = encoded(form, lambda: _version(app, view.model, row_id))
        checker.check(test_client, send(test_client, path, pairs, query), pairs)

    run()
    assert RAN[f"{endpoint}.{kind}"] >= FORM_EXAMPLES


def _custom_strategies(app, d):
    """Form data (and the id in the URL) for each custom POST endpoint of the admin."""
    w = d.world
    team_lead = _user_id(app, w.emails["team_lead"])
    case_ids = st.one_of(
        st.sampled_from([str(d.row["case"]), str(d.case_extra)]),
        st.sampled_from([str(d.foreign_case), *BAD_IDS]),
        hostile_text(),
    )
    cases = id_pool(app, team_lead, Case)
    staff = id_pool(app, team_lead, User)
    areas = id_pool(app, team_lead, NeedArea)
    items = id_pool(app, team_lead, CaseChecklistItem)
    with app.app_context(), unscoped("test check"):
        reasons = list(db.session.scalars(select(ClosureReason.code)).all())
    statuses = ("intake", "planning", "active", "on_hold", "evaluation", "closed", "declined")
    return {
        "case.transition_view": (
            "team_lead",
            st.fixed_dictionaries(
                {
                    "to": st.one_of(one(choice_text(statuses)), st.just([])),
                    "closure_reason": st.one_of(one(choice_text(reasons)), st.just([])),
                    "closure_note": st.one_of(one(hostile_text()), st.just([])),
                }
            ),
            case_ids,
        ),
        "case.checklist_view": (
            "team_lead",
            st.fixed_dictionaries(
                {
                    "item": st.one_of(one(ids_text(items)), st.just([])),
                    "done": st.one_of(one(boolean_text()), st.just([])),
                    "note": st.one_of(one(hostile_text()), st.just([])),
                    "version": st.one_of(one(integer_text()), st.just([])),
                }
            ),
            case_ids,
        ),
        "case.assign_view": (
            "team_lead",
            st.fixed_dictionaries(
                {
                    "ids": st.one_of(
                        some(ids_text(cases)).map(lambda ids: [",".join(map(str, ids))]),
                        one(hostile_text()),
                    ),
                    "caseworker": st.one_of(one(ids_text(staff)), st.just([])),
                }
            ),
            st.just(None),
        ),
        "case.needs_view": (
            "team_lead",
            st.fixed_dictionaries({"need_area": some(ids_text(areas), max_size=4)}),
            case_ids,
        ),
        "role_grant.decide": (
            "it_admin",
            st.fixed_dictionaries(
                {
                    "id": st.one_of(one(integer_text()), one(hostile_text()), st.just([])),
                    "decision": st.one_of(
                        one(choice_text(["confirm", "reject"])), one(hostile_text()), st.just([])
                    ),
                }
            ),
            st.just(None),
        ),
        "profile.second_factor": (
            "caseworker",
            st.fixed_dictionaries({"code": st.one_of(one(hostile_text()), st.just([]))}),
            st.just(None),
        ),
        "document.archive_view": (
            "team_lead",
            st.fixed_dictionaries({"url": st.one_of(one(hostile_text()), st.just([]))}),
            st.one_of(st.sampled_from(BAD_IDS), hostile_text()),
        ),
        "profile.password": (
            "caseworker",
            st.fixed_dictionaries(
                {
                    name: st.one_of(one(hostile_text()), st.just([]), st.just(["x" * 16]))
                    for name in ("current", "new", "repeated")
                }
            ),
            st.just(None),
        ),
    }


CUSTOM_POSTS = (
    "case.transition_view",
    "case.checklist_view",
    "case.assign_view",
    "case.needs_view",
    "role_grant.decide",
    "profile.second_factor",
    "document.archive_view",
    "profile.password",
)
# Multipart posts, fuzzed by a test of their own below.
MULTIPART_POSTS = ("document.upload",)


@pytest.mark.parametrize("endpoint", CUSTOM_POSTS)
def test_hostile_input_in_a_custom_post(app, login_as, fuzz_data, endpoint):
    role, strategy, ids = _custom_strategies(app, fuzz_data)[endpoint]
    test_client = login_as(role)
    path = url(app, endpoint)
    checker = Checker(app, endpoint)

    @settings(max_examples=CUSTOM_EXAMPLES, **SETTINGS)
    @given(form=strategy, row_id=ids)
    def run(form, row_id):
        pairs = encoded(form, lambda: "1")
        query = None
        if row_id is not None:
            raw = row_id.encode("utf-8", "surrogatepass") if isinstance(row_id, str) else row_id
            query = {"id": raw}
        checker.check(test_client, send(test_client, path, pairs, query), pairs)

    run()
    assert RAN[endpoint] >= CUSTOM_EXAMPLES


@pytest.mark.parametrize("kind", GENERIC_KINDS)
def test_hostile_input_in_the_standard_posts_of_every_list(app, login_as, fuzz_data, kind):
    views = model_views(app)
    endpoints = sorted(views)
    clients = {role: login_as(role) for role in ("team_lead", "it_admin")}
    checker = Checker(app, f"*.{kind}")
    user_ids = {role: _user_id(app, fuzz_data.world.emails[role]) for role in clients}

    def role_for(endpoint):
        return "team_lead" if EDIT in PERMISSIONS["team_lead"].get(endpoint, ()) else "it_admin"

    def ids_for(endpoint):
        return ids_text(id_pool(app, user_ids[role_for(endpoint)], views[endpoint].model))

    pools = {e: ids_for(e) for e in endpoints}
    if kind == "action_view":

        def payload(e):
            return st.fixed_dictionaries(
                {
                    "action": one(choice_text(("archive", "assign", "delete"))),
                    "rowid": some(pools[e]),
                }
            )
    elif kind == "search":

        def payload(e):
            return st.fixed_dictionaries(
                {"search": one(hostile_text()), "clear": st.one_of(st.just([]), st.just(["1"]))}
            )
    elif kind == "delete_view":

        def payload(e):
            return st.fixed_dictionaries({"id": st.one_of(one(pools[e]), st.just([]))})
    else:

        def payload(e):
            view = views[e]
            columns = [c.key for c in view.model.__table__.columns if c.key != "id"]
            return st.fixed_dictionaries(
                {"list_form_pk": one(pools[e]), "column": one(st.sampled_from(columns))}
            ).flatmap(
                lambda d: st.fixed_dictionaries(
                    {
                        "list_form_pk": st.just(d["list_form_pk"]),
                        d["column"][0]: one(hostile_text()),
                    }
                )
            )

    strategy = st.sampled_from(endpoints).flatmap(lambda e: st.tuples(st.just(e), payload(e)))

    @settings(max_examples=GENERIC_EXAMPLES[kind], **SETTINGS)
    @given(chosen=strategy)
    def run(chosen):
        endpoint, form = chosen
        role = role_for(endpoint)
        pairs = encoded(form, lambda: "1")
        response = send(clients[role], url(app, f"{endpoint}.{kind}"), pairs)
        checker.check(clients[role], response, pairs, follow=kind == "search")

    run()
    assert RAN[f"*.{kind}"] >= GENERIC_EXAMPLES[kind]


def _text(value) -> str:
    """Text a multipart form carries: lone surrogates and bytes that are no UTF-8 become
    U+FFFD, as a browser sends them."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value.encode("utf-8", "replace").decode("utf-8")


def test_hostile_input_in_a_document_upload(app, login_as, fuzz_data):
    """The case file's upload (multipart): hostile fields, names and bytes, other cases."""
    d = fuzz_data
    test_client = login_as("team_lead")
    path = url(app, "document.upload")
    checker = Checker(app, "document.upload")
    field = st.one_of(hostile_text().map(_text), st.just(None))
    fields = st.fixed_dictionaries(
        {
            "kind": st.one_of(integer_text().map(_text), field),
            "title": field,
            "document_date": field,
            "confidential": st.one_of(boolean_text().map(_text), field),
            "part": field,
        }
    )
    cases = st.one_of(
        st.sampled_from([str(d.row["case"]), str(d.foreign_case), *BAD_IDS]),
        hostile_text().map(_text),
    )

    @settings(max_examples=CUSTOM_EXAMPLES, **SETTINGS)
    @given(
        form=fields,
        case=cases,
        content=st.binary(max_size=4096),
        name=st.one_of(hostile_text().map(_text), st.sampled_from(["../../etc/passwd", "a.pdf"])),
    )
    def run(form, case, content, name):
        data = {key: value for key, value in form.items() if value is not None}
        data["file"] = (io.BytesIO(content), name or "datei")
        response = test_client.post(
            f"{path}?{urlencode({'case': case})}", data=data, content_type="multipart/form-data"
        )
        pairs = [(key, value.encode()) for key, value in data.items() if key != "file"]
        checker.check(test_client, response, [*pairs, ("file", (name or "datei").encode())])

    run()
    assert RAN["document.upload"] >= CUSTOM_EXAMPLES


def test_every_post_endpoint_is_fuzzed(app):
    """A new POST endpoint of the admin fails here until it has a strategy above."""
    forms = {f"{endpoint}.{kind}" for endpoint, kind in form_targets()}
    missing = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or not rule.rule.startswith("/admin"):
            continue
        view, _, kind = rule.endpoint.partition(".")
        if rule.endpoint in forms or kind in GENERIC_KINDS:
            continue
        if rule.endpoint in CUSTOM_POSTS or rule.endpoint in MULTIPART_POSTS:
            continue
        if kind in FORM_KINDS and view in model_views(app):
            # No role may create or edit here (the audit trail): every POST is a 403.
            assert not any(FORM_KINDS[kind] in r.get(view, ()) for r in PERMISSIONS.values())
            continue
        missing.append(rule.endpoint)
    assert missing == []


def test_the_german_check_tells_german_from_english():
    assert is_german("Dieses Feld wird benötigt.")
    assert is_german("Keine gültige Auswahl.")
    assert not is_german("This field is required.")
    assert not is_german("Not a valid choice.")
    assert not is_german('(psycopg.errors.NotNullViolation) null value in column "name"')


# -- the refusals the fuzzing found, one by one ----------------------------------------------


def test_a_nul_character_is_refused_in_german_before_any_view(app, login_as, fuzz_data):
    browser = login_as("team_lead")
    before = snapshot(app)
    response = browser.post(
        "/admin/client/new/", data={"family_name": "Nul\x00", "given_names": "A", "gender": "male"}
    )
    assert response.status_code == 400
    assert "unzulässiges Steuerzeichen (NUL)" in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_a_relationship_id_that_is_no_number_is_not_a_valid_choice(app, login_as, fuzz_data):
    browser = login_as("team_lead")
    before = snapshot(app)
    response = browser.post(
        "/admin/goal/new/", data={"case": "abc", "description": "Ziel", "status": "open"}
    )
    assert response.status_code == 200
    errors = shown_errors(response)
    assert errors
    assert all(is_german(e) for e in errors), errors
    assert "Keine gültige Auswahl" in " ".join(errors)
    assert snapshot(app) == before


def test_an_id_beyond_the_integer_range_is_not_found(app, login_as, fuzz_data):
    browser = login_as("team_lead")
    huge = "99999999999999999999"
    assert browser.get(f"/admin/case/details/?id={huge}").status_code == 404
    assert browser.post(f"/admin/case/checklist/?id={huge}", data={"item": "1"}).status_code == 404
    checklist = f"/admin/case/checklist/?id={fuzz_data.row['case']}"
    assert browser.post(checklist, data={"item": huge, "done": "1"}).status_code == 404


def test_at_least_the_target_number_of_examples_ran():
    """Run after the fuzz tests (pytest keeps the file's order): counts what they ran."""
    every = {f"{e}.{k}" for e, k in form_targets()} | set(CUSTOM_POSTS) | set(MULTIPART_POSTS)
    every |= {f"*.{k}" for k in GENERIC_KINDS}
    if not RAN:
        pytest.skip("no fuzz test ran in this session (a selection left them out)")
    print(f"\nfuzz examples run: {sum(RAN.values())} over {len(RAN)} targets")
    if set(RAN) >= every:
        assert sum(RAN.values()) >= FUZZ_TARGET
