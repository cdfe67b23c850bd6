"""Dates typed as the reader writes them: ``TT.MM.JJJJ`` in German, ISO in English.

One field, ``LocaleDateField``, serves every date input: the model forms get it from
``LotseModelConverter`` (Flask-Admin's converter for ``Date`` columns, inline forms
included), custom forms use it directly, and the list filters on date columns read the
same forms (``with_locale_date_filters``). German input may also be ISO, since pasted
dates often are; the field always shows the reader's form. The parse is strict: four-digit
years, real calendar days, nothing around the date. A value that is not a date leaves the
form invalid with a German message that names the field and the expected form, so nothing
is saved (docs/design.md §10).

The input is a plain text box: Flask-Admin's date picker popup does not let keyboard
users out again, and the form needs no script.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask_admin.contrib.sqla import filters as sqla_filters
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.model.form import converts
from flask_babel import gettext as _
from markupsafe import escape
from wtforms import widgets
from wtforms.fields import Field

from .fields import current_language
from .i18n import date_style, format_date

_YEAR = r"(?P<year>[12][0-9]{3})"  # four digits, no two-digit years
_GERMAN = re.compile(rf"(?P<day>[0-9]{{1,2}})\.(?P<month>[0-9]{{1,2}})\.{_YEAR}")
_ISO = re.compile(rf"{_YEAR}-(?P<month>[0-9]{{2}})-(?P<day>[0-9]{{2}})")
_TIME = re.compile(r"(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2}))?")
# The forms each language accepts, the first being the one it shows.
_DATE_FORMS = {"de": (_GERMAN, _ISO), "en": (_ISO,)}
# "01.01.2026 bis 31.01.2026", or Flask-Admin's own "2026-01-01 to 2026-01-31".
_RANGE = re.compile(r"\s+(?:to|bis|-|–)\s+")
_MAX_LENGTH = 40  # longer input is never a date, and is not worth matching


class NotADate(ValueError):
    """The text is no date (or timestamp, or range) in an accepted form."""


def _match_date(text: str, language: str):
    for form in _DATE_FORMS.get(language, _DATE_FORMS["de"]):
        found = form.fullmatch(text)
        if found:
            return found
    return None


def parse_date(text: str | None, language: str | None = None) -> date:
    """The date in ``text``, written as ``language`` (default: the reader's) writes dates.

    Raises ``NotADate`` for anything else: two-digit years, 31.02.2026, "12/04/1990",
    text around the date.
    """
    text = (text or "").strip()
    found = _match_date(text, language or current_language()) if len(text) <= 10 else None
    if found is None:
        raise NotADate(f"not a date: {text[:_MAX_LENGTH]!r}")
    try:
        return date(int(found["year"]), int(found["month"]), int(found["day"]))
    except ValueError as impossible:  # 31.02., 12.13.
        raise NotADate(str(impossible)) from None


def parse_datetime(text: str | None, language: str | None = None) -> datetime:
    """A date with an optional time of day (``12.04.2026 14:05``, ISO with a space or a T).

    The result is naive, in the office's time zone, as list filters hand it on.
    """
    text = (text or "").strip()
    if len(text) > _MAX_LENGTH:
        raise NotADate("not a timestamp")
    day_part, _sep, time_part = text.replace("T", " ", 1).partition(" ")
    day = parse_date(day_part, language)
    if not time_part.strip():
        return datetime(day.year, day.month, day.day)
    found = _TIME.fullmatch(time_part.strip())
    if found is None:
        raise NotADate("not a time of day")
    try:
        return datetime(
            day.year,
            day.month,
            day.day,
            int(found["hour"]),
            int(found["minute"]),
            int(found["second"] or 0),
        )
    except ValueError as impossible:  # 25:00
        raise NotADate(str(impossible)) from None


def parse_date_range(text: str | None, language: str | None = None) -> list[date]:
    """Two dates, "01.01.2026 bis 31.01.2026" (or "to", or a dash), the first not later."""
    return _range(text, lambda part: parse_date(part, language))


def parse_datetime_range(text: str | None, language: str | None = None) -> list[datetime]:
    return _range(text, lambda part: parse_datetime(part, language))


def _range(text, parse):
    text = (text or "").strip()
    if len(text) > 2 * _MAX_LENGTH:
        raise NotADate("not a range")
    parts = _RANGE.split(text)
    if len(parts) != 2:
        raise NotADate("a range needs two dates")
    start, end = parse(parts[0]), parse(parts[1])
    if start > end:
        raise NotADate("the range ends before it starts")
    return [start, end]


def example_date() -> date:
    """The date the hints show: Christmas Eve, whose day cannot be mistaken for a month."""
    return date(date.today().year, 12, 24)


def date_error(label) -> str:
    """The message for a value that is not a date, naming the field and the expected form."""
    return _(
        "%(field)s: Bitte ein Datum im Format %(format)s angeben, zum Beispiel %(example)s.",
        field=label,
        format=date_style().hint,
        example=format_date(example_date()),
    )


def date_hint() -> str:
    return _(
        "Format %(format)s, zum Beispiel %(example)s.",
        format=date_style().hint,
        example=format_date(example_date()),
    )


# -- the field ------------------------------------------------------------------------------


class DateInput(widgets.TextInput):
    """A plain text box for a date: digits on touch keyboards, the form as placeholder."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("inputmode", "numeric")
        kwargs.setdefault("autocomplete", "off")  # the browser would offer the clerk's own
        kwargs.setdefault("placeholder", date_style().hint)
        return super().__call__(field, **kwargs)


class LocaleDateField(Field):
    """A date in the reader's form (``TT.MM.JJJJ``, or ISO in English); see the module.

    Empty input is ``None``: an ``Optional`` validator then accepts it, ``InputRequired``
    refuses it; without either, the field asks for a date. The description tells the
    expected form, after any description the field already has.
    """

    widget = DateInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        hint = escape(date_hint())  # Flask-Admin prints descriptions unescaped
        self.description = escape(self.description) + " " + hint if self.description else hint

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]  # what was typed, shown again with its error
        return format_date(self.data) if isinstance(self.data, date) else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0] or ""
        text = raw.strip()
        if not text:
            self.data = None
            # InputRequired answers for an empty required field, but lets blanks through.
            if not self.flags.optional and (raw or not self.flags.required):
                raise ValueError(date_error(self.label.text))
            return
        try:
            self.data = parse_date(text)
        except ValueError:
            self.data = None
            raise ValueError(date_error(self.label.text)) from None


class LotseModelConverter(AdminModelConverter):
    """Flask-Admin's model form converter, with ``LocaleDateField`` for ``Date`` columns and
    a visible "–" for the empty choice of an optional relation."""

    @converts("Date")
    def convert_date(self, field_args, **extra):
        return LocaleDateField(**field_args)

    def _model_select_field(self, prop, multiple, remote_model, **kwargs):
        # WTForms 3.3 shows an option's value when its label is empty, so Flask-Admin's
        # blank choice of an optional relation read "__None".
        if not multiple and kwargs.get("allow_blank"):
            kwargs.setdefault("blank_text", "–")
        return super()._model_select_field(prop, multiple, remote_model, **kwargs)


# -- list filters ---------------------------------------------------------------------------


class _TypedDate:
    """A date filter in a plain text box that reads the reader's form (or ISO)."""

    parse = staticmethod(parse_date)

    def __init__(self, column, name, options=None, data_type=None):
        super().__init__(column, name, options, data_type)
        self.data_type = None  # no date picker popup (see the module)

    def clean(self, value):
        return self.parse(value)

    def validate(self, value) -> bool:
        try:
            self.clean(value)
        except ValueError:
            return False
        return True


class _TypedDateTime(_TypedDate):
    parse = staticmethod(parse_datetime)


class _TypedDateRange(_TypedDate):
    parse = staticmethod(parse_date_range)


class _TypedDateTimeRange(_TypedDate):
    parse = staticmethod(parse_datetime_range)


# Flask-Admin's names, so that filter URLs and lookups by class name stay as they were.
class DateEqualFilter(_TypedDate, sqla_filters.DateEqualFilter):
    pass


class DateNotEqualFilter(_TypedDate, sqla_filters.DateNotEqualFilter):
    pass


class DateGreaterFilter(_TypedDate, sqla_filters.DateGreaterFilter):
    pass


class DateSmallerFilter(_TypedDate, sqla_filters.DateSmallerFilter):
    pass


class DateBetweenFilter(_TypedDateRange, sqla_filters.DateBetweenFilter):
    pass


class DateNotBetweenFilter(_TypedDateRange, sqla_filters.DateNotBetweenFilter):
    pass


class DateTimeEqualFilter(_TypedDateTime, sqla_filters.DateTimeEqualFilter):
    pass


class DateTimeNotEqualFilter(_TypedDateTime, sqla_filters.DateTimeNotEqualFilter):
    pass


class DateTimeGreaterFilter(_TypedDateTime, sqla_filters.DateTimeGreaterFilter):
    pass


class DateTimeSmallerFilter(_TypedDateTime, sqla_filters.DateTimeSmallerFilter):
    pass


class DateTimeBetweenFilter(_TypedDateTimeRange, sqla_filters.DateTimeBetweenFilter):
    pass


class DateTimeNotBetweenFilter(_TypedDateTimeRange, sqla_filters.DateTimeNotBetweenFilter):
    pass


DATE_FILTERS = (
    DateEqualFilter,
    DateNotEqualFilter,
    DateGreaterFilter,
    DateSmallerFilter,
    DateBetweenFilter,
    DateNotBetweenFilter,
    sqla_filters.FilterEmpty,
)
DATETIME_FILTERS = (
    DateTimeEqualFilter,
    DateTimeNotEqualFilter,
    DateTimeGreaterFilter,
    DateTimeSmallerFilter,
    DateTimeBetweenFilter,
    DateTimeNotBetweenFilter,
    sqla_filters.FilterEmpty,
)


def with_locale_date_filters(converter):
    """``converter`` (a Flask-Admin filter converter) with these date and timestamp filters."""
    converter.date_filters = DATE_FILTERS
    converter.datetime_filters = DATETIME_FILTERS
    return converter
