"""German first, English second: complete catalogues, per-user language, German dates."""

import re
from datetime import date
from pathlib import Path

import flask_admin
import flask_admin.babel
import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import g

from admin_views.i18n import TRANSLATIONS_DIR, compile_catalogs
from models import Authority, User, db
from models.scoping import unscoped
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
# The same inputs as `make translations`.
SOURCES = ("app.py", "config.py", "models", "admin_views", "seed", "services")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
# Paths are matched relative to each directory in SOURCES, so the templates of
# admin_views are "templates/…" there; "**/templates/**.html" matches them from anywhere.
METHOD_MAP = [("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")]
# Jinja's extractor skips templates it cannot parse unless told not to.
OPTIONS_MAP = {"**/templates/**.html": {"silent": "false"}}

ENGLISH_PO = TRANSLATIONS_DIR / "en" / "LC_MESSAGES" / "messages.po"
GERMAN_ADMIN_PO = TRANSLATIONS_DIR / "de" / "LC_MESSAGES" / "admin.po"
GERMAN_ADMIN_MO = TRANSLATIONS_DIR / "de" / "LC_MESSAGES" / "admin.mo"
SHIPPED_ADMIN_MO = (
    Path(flask_admin.__file__).parent / "translations" / "de" / "LC_MESSAGES" / "admin.mo"
)
# Messages of Flask-Admin's German .po that the .mo in the Flask-Admin 2.2.1 wheel lacks.
MISSING_FROM_SHIPPED_MO = ("Failed to create record.", "Failed to save record.")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _extract(sources=SOURCES, method_map=METHOD_MAP, options_map=OPTIONS_MAP):
    """{msgid: [where it comes from]} for every translatable message in ``sources``."""
    messages = {}
    for source in sources:
        path = ROOT / source
        if path.is_file():
            found = (
                (source, *message)
                for message in extract_from_file(
                    "python", path, keywords=KEYWORDS, comment_tags=(), options={}
                )
            )
        else:
            found = (
                (f"{source}/{filename}", lineno, message, comments, context)
                for filename, lineno, message, comments, context in extract_from_dir(
                    path, method_map, options_map, keywords=KEYWORDS
                )
            )
        for filename, lineno, message, _comments, _context in found:
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                messages.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return messages


def _read_po(path: Path, locale: str):
    with path.open("rb") as po_file:
        return read_po(po_file, locale=locale)


def _read_mo(path: Path):
    with path.open("rb") as mo_file:
        return read_mo(mo_file)


@pytest.fixture(scope="module")
def project_messages():
    return _extract()


@pytest.fixture(scope="module")
def english():
    return _read_po(ENGLISH_PO, "en")


def _html(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


@pytest.fixture
def english_caseworker(app, world, login_as):
    """The caseworker of the world, who has chosen English for themselves."""
    with app.app_context(), unscoped("test arrangement"):
        db.session.get(User, world.caseworker).locale = "en"
        db.session.commit()
    return login_as("caseworker")


# -- the catalogues ---------------------------------------------------------------------------


def test_extraction_finds_python_and_template_messages(project_messages):
    sources = {where.split(":")[0] for places in project_messages.values() for where in places}
    assert any(source.endswith(".py") for source in sources)
    assert any(source.endswith(".html") for source in sources), "no template was extracted"
    assert "Familienname" in project_messages  # lazy_gettext as _l, in admin_views/labels.py
    assert "Zum Inhalt springen" in project_messages  # {{ _() }} in lotse/base.html


def test_every_message_has_an_english_translation(project_messages, english):
    missing = {
        msgid: places[0]
        for msgid, places in sorted(project_messages.items())
        if english.get(msgid) is None or not english.get(msgid).string
    }
    assert not missing, f"untranslated messages (run `make translations`): {missing}"


def test_english_catalogue_is_clean(english):
    assert str(english.locale) == "en"
    assert english.num_plurals == 2
    for message in english:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        string = message.string[0] if isinstance(message.string, tuple) else message.string
        assert sorted(PLACEHOLDER.findall(string)) == sorted(PLACEHOLDER.findall(msgid)), msgid


def test_make_translations_mapping_extracts_the_templates():
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    messages = _extract(method_map=method_map, options_map=options_map)
    assert "Zum Inhalt springen" in messages


# -- German by default, English per user ------------------------------------------------------


def test_german_is_the_default(caseworker_client):
    html = _html(caseworker_client.get("/admin/client/"))
    assert '<html lang="de">' in html
    assert "Familienname" in html  # the project's column label
    assert "Filter hinzufügen" in html  # Flask-Admin's own "Add Filter"
    assert "Erstellen" in html  # Flask-Admin's own "Create"
    assert "Family name" not in html
    assert "Add Filter" not in html


def test_english_for_a_user_who_chose_it(english_caseworker):
    html = _html(english_caseworker.get("/admin/client/"))
    assert '<html lang="en">' in html
    assert "Family name" in html
    assert "Date of birth" in html
    assert "Clients" in html  # menu
    assert "Add Filter" in html  # Flask-Admin's own UI
    assert "Create" in html
    assert "Familienname" not in html
    assert "Filter hinzufügen" not in html
    assert "Klient:innen" not in html


def test_english_dashboard_and_choice_labels(app, world, english_caseworker):
    with app.app_context(), unscoped("test arrangement"):
        factories.make_case(factories.make_client(db.session.get(Authority, world.authority)))
        db.session.commit()
    html = _html(english_caseworker.get("/admin/"))
    assert "Welcome, fallmanagement." in html
    assert "Skip to content" in html
    assert "Log out" in html
    html = _html(english_caseworker.get("/admin/case/"))
    assert "Initial interview" in html  # CASE_STATUS "intake", a lazy label of a choice
    assert "Erstgespräch" not in html


def test_english_error_page(english_caseworker):
    response = english_caseworker.get("/admin/no-such-page/")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "The page or record was not found." in html
    assert "Back to overview" in html


# -- Flask-Admin's German catalogue -----------------------------------------------------------


def test_shipped_flask_admin_catalogue_lacks_messages():
    """The reason the project compiles Flask-Admin's German .po itself."""
    shipped = _read_mo(SHIPPED_ADMIN_MO)
    for msgid in MISSING_FROM_SHIPPED_MO:
        assert shipped.get(msgid) is None or not shipped.get(msgid).string, msgid


def test_flask_admin_german_catalogue_is_compiled_completely(app):
    compile_catalogs()
    compiled = _read_mo(GERMAN_ADMIN_MO)
    for msgid in MISSING_FROM_SHIPPED_MO:
        message = compiled.get(msgid)
        assert message is not None, msgid
        assert message.string, msgid
        assert message.string != msgid
    assert compiled.get("Failed to create record.").string == (
        "Datensatz konnte nicht erstellt werden."
    )
    source = _read_po(GERMAN_ADMIN_PO, "de")
    translated = {m.id for m in source if m.id and m.string and not m.fuzzy}
    missing = sorted(
        str(msgid)
        for msgid in translated
        if compiled.get(msgid) is None or not compiled.get(msgid).string
    )
    assert not missing, missing
    admin = app.extensions["lotse_admin"]
    assert Path(admin.translations_path).resolve() == TRANSLATIONS_DIR.resolve()
    assert TRANSLATIONS_DIR.resolve() == (ROOT / "translations").resolve()


def test_flask_admin_uses_the_compiled_catalogue_in_a_view(app, monkeypatch):
    # Flask-Admin's domain caches one catalogue per locale for the whole process.
    monkeypatch.setattr(flask_admin.babel.domain, "cache", {})
    view = app.extensions["lotse_admin"]._views[1]
    with app.test_request_context("/admin/"):
        g.lotse_locale = "de"
        g._admin_view = view
        assert flask_admin.babel.gettext("Failed to save record.") == (
            "Datensatz konnte nicht gespeichert werden."
        )
        assert flask_admin.babel.gettext("List") == "Liste"


# -- German dates -----------------------------------------------------------------------------


def test_dates_are_shown_as_tt_mm_jjjj(app, world, caseworker_client):
    with app.app_context(), unscoped("test arrangement"):
        factories.make_client(
            db.session.get(Authority, world.authority), birth_date=date(1990, 4, 5)
        )
        db.session.commit()
    html = _html(caseworker_client.get("/admin/client/"))
    assert "05.04.1990" in html
    assert "1990-04-05" not in html
