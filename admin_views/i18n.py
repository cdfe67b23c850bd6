"""German first, English second: Flask-Babel, compiled catalogues and German date formats."""

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, g
from flask_babel import Babel, get_locale
from flask_login import current_user

from models import choices as _choices
from models.choices import CASE_STATUS, Choices

from .fields import country_name

CHOICES_BY_NAME = {c.name: c for c in vars(_choices).values() if isinstance(c, Choices)}


def choice_label(kind: str, value) -> str:
    """The German (or English) label of an enumeration value, by the enumeration's name."""
    return CHOICES_BY_NAME[kind].label(value)


TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
LOCALES = ("de", "en")


def compile_catalogs(directory: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Compile every ``.po`` below ``directory`` whose ``.mo`` is missing or older.

    This covers the project's English catalogue and Flask-Admin's German one, whose
    shipped ``.mo`` lacks messages that its ``.po`` has (docs/flask-admin.md).
    """
    written = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        tmp.replace(mo_path)
        written.append(mo_path)
    return written


def _prefer_project_admin_catalogue() -> None:
    """Make Flask-Admin read our compiled German catalogue outside its views, too.

    Flask-Admin adds ``Admin(translations_path=…)`` only while one of its views is current
    and caches the first catalogue it loads per language for the whole process; a first
    lookup elsewhere would cache the shipped one, which lacks messages.
    """
    from flask_admin.babel import domain

    directories = domain._translation_directories
    if str(TRANSLATIONS_DIR) not in directories:
        directories.insert(0, str(TRANSLATIONS_DIR))


def select_locale() -> str:
    forced = g.get("lotse_locale")
    if forced in LOCALES:
        return forced
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    return current_app.config["LOTSE_DEFAULT_LOCALE"]


def format_date(value) -> str:
    """TT.MM.JJJJ, as German users expect (docs/design.md §10)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def format_datetime(value) -> str:
    if value is None:
        return ""
    tz = ZoneInfo(current_app.config["LOTSE_TIMEZONE"])
    if value.tzinfo is not None:
        value = value.astimezone(tz)
    return value.strftime("%d.%m.%Y %H:%M")


def init_i18n(app) -> None:
    try:
        compile_catalogs()
    except OSError:
        # A read-only installation ships compiled catalogues (make compiles them).
        app.logger.warning("translation catalogues could not be compiled")
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["LOTSE_DEFAULT_LOCALE"])
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    Babel(app, locale_selector=select_locale)
    _prefer_project_admin_catalogue()
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "de")
    app.jinja_env.globals["choice_label"] = choice_label
    app.jinja_env.globals["case_status_label"] = lambda value: CASE_STATUS.label(value)
    app.jinja_env.globals["country_name"] = country_name
    app.jinja_env.filters["de_date"] = format_date
    app.jinja_env.filters["de_datetime"] = format_datetime
