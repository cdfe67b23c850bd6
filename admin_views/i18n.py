"""German first, English second: Flask-Babel, compiled catalogues, dates and numbers.

Dates are shown as ``TT.MM.JJJJ`` in German and as ISO dates in English (docs/design.md
§10); figures carry the separators of the reader's language (``1.234,5`` against
``1,234.5``). Figures in the report's xlsx stay numbers (``figures.sheet_value``).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, g
from flask_babel import Babel, get_locale
from flask_login import current_user

from models import choices as _choices
from models.choices import CASE_STATUS, Choices
from models.types import set_label_formats

from .fields import country_name, current_language

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


@dataclass(frozen=True)
class DateStyle:
    """How a language writes dates: Babel (CLDR) patterns, and the form told to the reader."""

    date: str
    datetime: str
    hint: str  # the expected form, in the reader's words


# German offices write TT.MM.JJJJ; the English interface uses ISO 8601 dates, which every
# English reader parses alike (docs/design.md §10).
DATE_STYLES = {
    "de": DateStyle("dd.MM.yyyy", "dd.MM.yyyy HH:mm", "TT.MM.JJJJ"),
    "en": DateStyle("yyyy-MM-dd", "yyyy-MM-dd HH:mm", "YYYY-MM-DD"),
}


def date_style(language: str | None = None) -> DateStyle:
    """The date style of ``language``, by default the current reader's."""
    return DATE_STYLES.get(language or current_language(), DATE_STYLES["de"])


def format_date(value, language: str | None = None) -> str:
    """A date as the reader writes it: ``03.12.2026`` in German, ``2026-12-03`` in English."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, language)
    if isinstance(value, date):
        language = language or current_language()
        return babel_dates.format_date(value, date_style(language).date, locale=language)
    return str(value)


def format_datetime(value, language: str | None = None) -> str:
    """A timestamp in the office's time zone: ``03.12.2026 14:05`` or ``2026-12-03 14:05``."""
    if value is None:
        return ""
    tz = ZoneInfo(current_app.config["LOTSE_TIMEZONE"])
    if value.tzinfo is not None:
        value = value.astimezone(tz)
    language = language or current_language()
    return babel_dates.format_datetime(value, date_style(language).datetime, locale=language)


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(?:[+-][0-9]{2}:[0-9]{2}|Z)?")


def format_iso_text(value):
    """An ISO date or timestamp held as text (as in the GDPR document) shown as a date;
    any other value unchanged."""
    if not isinstance(value, str):
        return value
    try:
        if _ISO_DATE.fullmatch(value):
            return format_date(date.fromisoformat(value))
        if _ISO_TIMESTAMP.fullmatch(value):
            return format_datetime(datetime.fromisoformat(value))
    except ValueError:
        pass
    return value


# -- figures ------------------------------------------------------------------------------


def format_number(value, language: str | None = None) -> str:
    """A whole number with the reader's grouping: ``1.234`` in German, ``1,234`` in English."""
    if value is None:
        return ""
    return babel_numbers.format_decimal(value, "#,##0", locale=language or current_language())


def format_decimal1(value, language: str | None = None) -> str:
    """A figure with at most one decimal place: ``12,5`` in German, ``12.5`` in English."""
    if value is None:
        return ""
    return babel_numbers.format_decimal(value, "#,##0.#", locale=language or current_language())


def format_percent(value, decimals: int = 0, language: str | None = None) -> str:
    """A share (0.125) as per cent: ``12,5 %`` in German, ``12.5%`` in English.

    The spacing is the language's own (German puts a no-break space before the sign).
    """
    if value is None:
        return ""
    language = language or current_language()
    pattern = Locale.parse(language).percent_formats[None].pattern
    if decimals:
        pattern = pattern.replace("0", "0." + "#" * decimals, 1)
    return babel_numbers.format_percent(value, pattern, locale=language)


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
    # The names say German; they follow the reader's language (German or English).
    app.jinja_env.filters["de_date"] = format_date
    # Row labels (lookups, related columns) show dates in the reader's form too.
    set_label_formats(date_format=format_date, datetime_format=format_datetime)
    app.jinja_env.filters["de_datetime"] = format_datetime
    app.jinja_env.filters["iso_text"] = format_iso_text
    app.jinja_env.globals["date_placeholder"] = lambda: date_style().hint  # "TT.MM.JJJJ"
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["decimal1"] = format_decimal1
    app.jinja_env.filters["percent"] = format_percent
