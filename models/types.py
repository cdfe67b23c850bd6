"""Column types shared by all models."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

LOCAL_TZ = ZoneInfo("Europe/Berlin")


class UTCDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python.

    PostgreSQL stores it as ``timestamptz``. SQLite has no timezone type and stores a
    naive UTC value, so the zone is attached again on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            # Naive values come from the UI (e.g. list filters), in the users' time zone.
            value = value.replace(tzinfo=LOCAL_TZ)
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


# How dates read in a row's label (``__str__``, shown in lookups and related columns). The
# default is German; the UI layer installs the reader's format (``admin_views/i18n.py``),
# so that the models need not import it. Outside an app (a script printing a row) the
# default applies.
_GERMAN_LABELS = {
    "date": lambda value: f"{value:%d.%m.%Y}",
    "datetime": lambda value: f"{value.astimezone(LOCAL_TZ):%d.%m.%Y %H:%M}",
}
_label_formats = dict(_GERMAN_LABELS)


def set_label_formats(*, date_format, datetime_format) -> None:
    _label_formats.update(date=date_format, datetime=datetime_format)


def _label(kind: str, value) -> str:
    if value is None:
        return ""
    try:
        return _label_formats[kind](value)
    except RuntimeError:  # no app context: the reader's language is unknown
        return _GERMAN_LABELS[kind](value)


def date_label(value) -> str:
    return _label("date", value)


def datetime_label(value) -> str:
    return _label("datetime", value)
