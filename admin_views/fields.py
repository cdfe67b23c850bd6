"""Countries (ISO 3166-1 alpha-3) and languages (ISO 639-3) with German names, from pycountry.

Besides the ISO countries, the ICAO codes that German residence documents use for stateless
persons and unclarified nationality are accepted.
"""

import gettext
from functools import cache

import pycountry
from flask_admin.form import Select2Widget
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField
from wtforms.validators import ValidationError

EXTRA_COUNTRIES = {"XXA": _l("staatenlos"), "XXX": _l("ungeklärt")}
# Languages that case work meets; the full ISO 639-3 list has 7,900 entries, most extinct.
_LANGUAGE_TYPES = {"L"}  # living languages


def current_language() -> str:
    """The reader's language ("de" or "en"); German outside a request."""
    try:
        locale = get_locale()
    except (RuntimeError, KeyError):
        return "de"
    return locale.language if locale else "de"


@cache
def _translator(domain: str, locale: str):
    return gettext.translation(
        domain, pycountry.LOCALES_DIR, languages=[locale], fallback=True
    ).gettext


@cache
def _countries(locale: str) -> tuple[tuple[str, str], ...]:
    tr = _translator("iso3166-1", locale)
    pairs = [(c.alpha_3, tr(c.name)) for c in pycountry.countries]
    return tuple(sorted(pairs, key=lambda p: p[1]))


@cache
def _languages(locale: str) -> tuple[tuple[str, str], ...]:
    tr = _translator("iso639-3", locale)
    pairs = [
        (lang.alpha_3, tr(lang.name))
        for lang in pycountry.languages
        if getattr(lang, "type", None) in _LANGUAGE_TYPES
        and (hasattr(lang, "alpha_2") or lang.alpha_3 in COMMON_WITHOUT_ALPHA_2)
    ]
    return tuple(sorted(pairs, key=lambda p: p[1]))


# Languages frequent among immigrants that have no two-letter code.
COMMON_WITHOUT_ALPHA_2 = {"prs", "kmr", "ckb", "tir", "apc", "arz", "ary", "acm", "apd", "rom"}


def is_country(code: str | None) -> bool:
    return code in EXTRA_COUNTRIES or pycountry.countries.get(alpha_3=code or "") is not None


def is_language(code: str | None) -> bool:
    return pycountry.languages.get(alpha_3=code or "") is not None


def country_choices() -> list[tuple[str, str]]:
    extra = [(k, str(v)) for k, v in EXTRA_COUNTRIES.items()]
    return [("", "–"), *extra, *_countries(current_language())]


def language_choices() -> list[tuple[str, str]]:
    return list(_languages(current_language()))


def country_name(code: str | None) -> str:
    if not code:
        return ""
    if code in EXTRA_COUNTRIES:
        return str(EXTRA_COUNTRIES[code])
    country = pycountry.countries.get(alpha_3=code)
    return _translator("iso3166-1", current_language())(country.name) if country else code


def language_name(code: str | None) -> str:
    if not code:
        return ""
    language = pycountry.languages.get(alpha_3=code)
    return _translator("iso639-3", current_language())(language.name) if language else code


def language_names(codes) -> str:
    return ", ".join(language_name(c) for c in (codes or []))


class _CodeField(SelectField):
    """One ISO code from a Select2 list, or none (stored as NULL).

    A subclass names its ``code_choices`` (the blank choice first) and ``is_code``, the test
    a submitted code must pass.
    """

    widget = Select2Widget()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.pop("allow_blank", None)
        super().__init__(label, validators, choices=self.code_choices, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data == "":
            self.data = None

    def pre_validate(self, form):
        if self.data is not None and not self.is_code(self.data):
            raise ValidationError(self.gettext("Not a valid choice."))


class CountryField(_CodeField):
    code_choices = staticmethod(country_choices)
    is_code = staticmethod(is_country)


class LanguageField(_CodeField):
    code_choices = staticmethod(lambda: [("", "–"), *language_choices()])
    is_code = staticmethod(is_language)


class LanguageListField(SelectMultipleField):
    widget = Select2Widget(multiple=True)

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.pop("allow_blank", None)
        super().__init__(label, validators, choices=language_choices, **kwargs)

    def process_data(self, value):
        self.data = list(value or [])

    def pre_validate(self, form):
        for code in self.data or []:
            if not is_language(code):
                raise ValidationError(self.gettext("Not a valid choice."))
