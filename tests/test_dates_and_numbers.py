"""Dates typed and shown as the reader writes them, and figures with the reader's separators.

German: ``TT.MM.JJJJ`` (ISO accepted as well), ``1.234``, ``12,5``, ``12,5 %``. English: ISO
dates, ``1,234``, ``12.5``. A value that is not a date names the field and the expected
form, and saves nothing.
"""

import re
from datetime import UTC, date, datetime
from html import unescape

import pytest
from flask import g, render_template_string
from sqlalchemy import select

from admin_views.dates import (
    LocaleDateField,
    NotADate,
    parse_date,
    parse_date_range,
    parse_datetime,
)
from admin_views.i18n import (
    format_date,
    format_datetime,
    format_decimal1,
    format_iso_text,
    format_number,
    format_percent,
)
from models import Activity, Case, CaseConference, Client, User, db
from models.scoping import unscoped
from services import statistics as stats
from tests import factories
from tests import statistics_data as data
from tests.statistics_data import TODAY, rows

CHRISTMAS = date(date.today().year, 12, 24)
GERMAN_ERROR = (
    "Geburtsdatum: Bitte ein Datum im Format TT.MM.JJJJ angeben, "
    f"zum Beispiel {CHRISTMAS:%d.%m.%Y}."
)
ENGLISH_ERROR = f"Date of birth: please enter a date as YYYY-MM-DD, for example {CHRISTMAS}."
BAD_DATES = ["31.02.2026", "12/04/1990", "1990", "12.04.90", "12.04.1990" * 500, "1990-4-12"]


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def set_locale(app, user_id: int, locale: str) -> None:
    with app.app_context(), unscoped("test arrangement"):
        db.session.get(User, user_id).locale = locale
        db.session.commit()


def input_tag(html: str, name: str) -> str:
    found = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    assert found, f"no input {name}"
    return found.group(0)


def clients(app) -> list[tuple]:
    with app.app_context(), unscoped("test check"):
        return [
            (c.family_name, c.birth_date)
            for c in db.session.scalars(select(Client).order_by(Client.id))
        ]


def new_client(birth_date: str) -> dict:
    return {
        "family_name": "Datumstest",
        "given_names": "Amira",
        "gender": "female",
        "birth_date": birth_date,
    }


@pytest.fixture
def english_caseworker(app, world, login_as):
    set_locale(app, world.caseworker, "en")
    return login_as("caseworker")


@pytest.fixture
def existing_client(app, world):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        client = factories.make_client(authority, birth_date=date(1990, 4, 12))
        db.session.commit()
        return client.id


# -- parsing and formatting -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12.04.1990", date(1990, 4, 12)),
        ("1.2.2026", date(2026, 2, 1)),
        ("  03.12.2026 ", date(2026, 12, 3)),
        ("1990-04-12", date(1990, 4, 12)),  # pasted ISO dates are accepted in German too
        ("29.02.2024", date(2024, 2, 29)),
    ],
)
def test_german_dates_are_read(typed, expected):
    assert parse_date(typed, "de") == expected


@pytest.mark.parametrize(
    "typed",
    [
        *BAD_DATES,
        "29.02.2025",
        "12.04.1990x",
        "x12.04.1990",
        "12. 04. 1990",
        "12.04.1990 12:00",
        "١٢.٠٤.١٩٩٠",  # Arabic-Indic digits
        "0012-04-12",
        "12.13.1990",
        "",
        None,
    ],
)
def test_german_parse_is_strict(typed):
    with pytest.raises(NotADate):
        parse_date(typed, "de")


def test_english_reads_iso_dates_only():
    assert parse_date("1990-04-12", "en") == date(1990, 4, 12)
    for typed in ("12.04.1990", "04/12/1990", "1990-02-30", "90-04-12"):
        with pytest.raises(NotADate):
            parse_date(typed, "en")


def test_timestamps_and_ranges_for_list_filters():
    assert parse_datetime("12.04.2026 14:05", "de") == datetime(2026, 4, 12, 14, 5)
    assert parse_datetime("2026-04-12T14:05:30", "de") == datetime(2026, 4, 12, 14, 5, 30)
    assert parse_datetime("12.04.2026", "de") == datetime(2026, 4, 12)
    assert parse_date_range("01.01.2026 bis 31.01.2026", "de") == [
        date(2026, 1, 1),
        date(2026, 1, 31),
    ]
    assert parse_date_range("2026-01-01 to 2026-01-31", "en") == [
        date(2026, 1, 1),
        date(2026, 1, 31),
    ]
    for typed in ("12.04.2026 25:00", "12.04.2026 14", "12.04.26 14:05"):
        with pytest.raises(NotADate):
            parse_datetime(typed, "de")
    for typed in ("31.01.2026 bis 01.01.2026", "01.01.2026", "01.01.2026 bis"):
        with pytest.raises(NotADate):
            parse_date_range(typed, "de")


def test_dates_are_shown_in_the_readers_form(app):
    day = date(2026, 12, 3)
    moment = datetime(2026, 12, 3, 13, 5, tzinfo=UTC)  # 14:05 in Berlin
    with app.test_request_context():
        assert format_date(day, "de") == "03.12.2026"
        assert format_date(day, "en") == "2026-12-03"
        assert format_datetime(moment, "de") == "03.12.2026 14:05"
        assert format_datetime(moment, "en") == "2026-12-03 14:05"
        assert format_date(moment, "en") == "2026-12-03 14:05"
        assert format_date(None) == ""


def test_numbers_carry_the_readers_separators(app):
    with app.test_request_context():
        assert format_number(1234, "de") == "1.234"
        assert format_number(1234, "en") == "1,234"
        assert format_decimal1(12.5, "de") == "12,5"
        assert format_decimal1(12.5, "en") == "12.5"
        assert format_decimal1(1234.0, "de") == "1.234"
        assert format_percent(0.125, 1, "de") == "12,5\xa0%"
        assert format_percent(0.125, 1, "en") == "12.5%"
        assert format_percent(0.5, language="de") == "50\xa0%"
        assert format_number(None) == ""


def test_iso_text_of_the_gdpr_document_is_shown_as_a_date(app):
    with app.test_request_context():
        g.lotse_locale = "de"
        assert format_iso_text("1990-04-12") == "12.04.1990"
        assert format_iso_text("2026-12-03T13:05:00+00:00") == "03.12.2026 14:05"
        assert format_iso_text("1990-02-30") == "1990-02-30"  # not a date: left as it is
        assert format_iso_text("Termin 1990-04-12") == "Termin 1990-04-12"
        assert format_iso_text(42) == 42
    with app.test_request_context():
        g.lotse_locale = "en"  # Flask-Babel keeps a request's locale once asked
        assert format_iso_text("1990-04-12") == "1990-04-12"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("de", "1.234 · 12,5 · 12,5\xa0% · 03.12.2026 · TT.MM.JJJJ"),
        ("en", "1,234 · 12.5 · 12.5% · 2026-12-03 · YYYY-MM-DD"),
    ],
)
def test_template_filters_follow_the_locale(app, locale, expected):
    template = (
        "{{ 1234|number }} · {{ 12.5|decimal1 }} · {{ 0.125|percent(1) }} · {{ day|de_date }}"
        " · {{ date_placeholder() }}"
    )
    with app.test_request_context():
        g.lotse_locale = locale
        assert render_template_string(template, day=date(2026, 12, 3)) == expected


# -- the admin forms ----------------------------------------------------------------------------


def test_german_user_creates_a_client_with_a_german_birth_date(app, caseworker_client):
    response = caseworker_client.post("/admin/client/new/", data=new_client("12.04.1990"))
    assert response.status_code == 302, text(response)[-2000:]
    assert clients(app) == [("Datumstest", date(1990, 4, 12))]


def test_english_user_creates_a_client_with_an_iso_birth_date(app, english_caseworker):
    response = english_caseworker.post("/admin/client/new/", data=new_client("1990-04-12"))
    assert response.status_code == 302, text(response)[-2000:]
    assert clients(app) == [("Datumstest", date(1990, 4, 12))]


def test_german_user_may_paste_an_iso_date(app, caseworker_client):
    response = caseworker_client.post("/admin/client/new/", data=new_client("1990-04-12"))
    assert response.status_code == 302, text(response)[-2000:]
    assert clients(app) == [("Datumstest", date(1990, 4, 12))]


def test_edit_form_shows_the_date_as_the_reader_writes_it(app, world, login_as, existing_client):
    url = f"/admin/client/edit/?id={existing_client}"
    german = input_tag(text(login_as("caseworker").get(url)), "birth_date")
    set_locale(app, world.caseworker, "en")
    english_page = text(login_as("caseworker").get(url))
    english = input_tag(english_page, "birth_date")

    assert 'value="12.04.1990"' in german
    assert 'placeholder="TT.MM.JJJJ"' in german
    assert 'value="1990-04-12"' in english
    assert 'placeholder="YYYY-MM-DD"' in english
    for tag in (german, english):
        assert 'type="text"' in tag
        assert 'inputmode="numeric"' in tag
        assert 'autocomplete="off"' in tag
        assert "datepicker" not in tag
        assert "data-date-format" not in tag
    assert f"Format YYYY-MM-DD, for example {CHRISTMAS}." in english_page


def test_create_form_describes_the_expected_form(caseworker_client):
    html = text(caseworker_client.get("/admin/client/new/"))
    assert f"Format TT.MM.JJJJ, zum Beispiel {CHRISTMAS:%d.%m.%Y}." in html
    assert 'data-role="datepicker"' not in html


@pytest.mark.parametrize("typed", BAD_DATES)
def test_bad_date_on_create_is_refused_in_german_and_saves_nothing(app, caseworker_client, typed):
    response = caseworker_client.post("/admin/client/new/", data=new_client(typed))
    assert response.status_code == 200
    html = text(response)
    assert GERMAN_ERROR in html
    assert clients(app) == []
    if len(typed) < 40:
        assert f'value="{typed}"' in html  # what was typed is shown again, to correct it


def test_bad_date_for_an_english_user_is_explained_in_english(app, english_caseworker):
    response = english_caseworker.post("/admin/client/new/", data=new_client("12.04.1990"))
    assert response.status_code == 200
    assert ENGLISH_ERROR in text(response)
    assert clients(app) == []


@pytest.mark.parametrize("typed", ["31.02.2026", "12.04.90", "1990"])
def test_bad_date_on_edit_changes_nothing(app, caseworker_client, existing_client, typed):
    before = clients(app)
    response = caseworker_client.post(
        f"/admin/client/edit/?id={existing_client}",
        data={**new_client(typed), "version_token": "1"},
    )
    assert response.status_code == 200
    assert GERMAN_ERROR in text(response)
    assert clients(app) == before
    assert before[0][0] != "Datumstest"


def test_a_required_date_left_empty_is_refused(app, caseworker_client, world):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        client_id = factories.make_client(authority).id
        db.session.commit()
    response = caseworker_client.post(
        "/admin/case/new/", data={"client": str(client_id), "opened_on": " "}
    )
    assert response.status_code == 200
    assert "Eröffnet am: Bitte ein Datum im Format TT.MM.JJJJ angeben" in text(response)
    with app.app_context(), unscoped("test check"):
        assert db.session.scalars(select(Case)).all() == []


def test_a_case_opened_on_a_german_date(app, caseworker_client, world):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        client_id = factories.make_client(authority).id
        db.session.commit()
    response = caseworker_client.post(
        "/admin/case/new/", data={"client": str(client_id), "opened_on": "1.4.2026"}
    )
    assert response.status_code == 302, text(response)[-2000:]
    with app.app_context(), unscoped("test check"):
        assert db.session.scalars(select(Case.opened_on)).one() == date(2026, 4, 1)


@pytest.mark.parametrize(("typed", "saved"), [("", False), ("  ", False), ("12.3.2026", True)])
def test_a_required_date_without_default(app, caseworker_client, world, typed, saved):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        case_id = factories.make_case(factories.make_client(authority)).id
        db.session.commit()
    response = caseworker_client.post(
        "/admin/case_conference/new/", data={"case": str(case_id), "held_on": typed}
    )
    assert response.status_code == (302 if saved else 200), text(response)[-2000:]
    if typed.isspace():  # blanks pass InputRequired; the field itself refuses them
        assert "Bitte ein Datum im Format TT.MM.JJJJ angeben" in text(response)
    assert "konnte nicht gespeichert werden" not in text(response)
    with app.app_context(), unscoped("test check"):
        held = db.session.scalars(select(CaseConference.held_on)).all()
    assert held == ([date(2026, 3, 12)] if saved else [])


def test_field_outside_a_model_form_reads_german_dates(app):
    from wtforms import Form
    from wtforms.validators import Optional

    class Period(Form):
        start = LocaleDateField("Von", validators=[Optional()])
        end = LocaleDateField("Bis")

    from werkzeug.datastructures import MultiDict

    with app.test_request_context():
        form = Period(MultiDict({"start": "", "end": "24.12.2026"}))
        assert form.validate()
        assert (form.start.data, form.end.data) == (None, date(2026, 12, 24))
        form = Period(MultiDict({"start": "2026-12-01", "end": ""}))
        assert not form.validate()
        assert form.end.errors == [
            f"Bis: Bitte ein Datum im Format TT.MM.JJJJ angeben, zum Beispiel {CHRISTMAS:%d.%m.%Y}."
        ]


# -- list filters -------------------------------------------------------------------------------


def _filter_arg(app, endpoint, column, filter_class):
    views = {view.endpoint: view for view in app.extensions["lotse_admin"]._views}
    for key, (_, flt) in views[endpoint]._filter_args.items():
        if getattr(flt.column, "key", None) == column and type(flt).__name__ == filter_class:
            return f"flt0_{key}", flt
    raise AssertionError(f"no {filter_class} on {endpoint}.{column}")


def test_list_filter_on_a_date_reads_the_german_form(app, world, caseworker_client):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        factories.make_client(authority, family_name="Aprilkind", birth_date=date(1990, 4, 12))
        factories.make_client(authority, family_name="Maikind", birth_date=date(1990, 5, 12))
        db.session.commit()
    arg, flt = _filter_arg(app, "client", "birth_date", "DateEqualFilter")
    assert flt.data_type is None  # a plain text box, no date picker popup
    html = text(caseworker_client.get("/admin/client/", query_string={arg: "12.04.1990"}))
    assert "Aprilkind" in html
    assert "Maikind" not in html

    between, _flt = _filter_arg(app, "client", "birth_date", "DateBetweenFilter")
    query = {between: "01.04.1990 bis 30.04.1990"}
    html = text(caseworker_client.get("/admin/client/", query_string=query))
    assert "Aprilkind" in html
    assert "Maikind" not in html

    archived, flt = _filter_arg(app, "client", "archived_at", "DateTimeSmallerFilter")
    assert flt.data_type is None
    html = text(caseworker_client.get("/admin/client/", query_string={archived: "12.04.2026"}))
    assert "Aprilkind" not in html  # neither is archived


# -- the report's period ------------------------------------------------------------------------


@pytest.fixture
def _fixed_day(monkeypatch):
    monkeypatch.setattr(stats, "today", lambda: TODAY)


@pytest.fixture
def figures(app, world, _fixed_day):
    with app.app_context(), unscoped("test arrangement"):
        built = data.build(world)
        db.session.commit()
    return built


def test_report_period_accepts_german_dates(login_as, figures):
    lead = login_as("team_lead")
    html = text(lead.get("/admin/report/", query_string={"from": "1.1.2026", "to": "31.3.2026"}))
    assert "01.01.2026 – 31.03.2026" in html
    assert "Bitte ein Datum" not in html

    html = text(lead.get("/admin/report/", query_string={"from": "31.02.2026"}))
    assert "Von: Bitte ein Datum im Format TT.MM.JJJJ angeben" in html


def test_report_figures_use_the_readers_separators(app, world, login_as, figures):
    german = rows(text(login_as("team_lead").get("/admin/report/")), "report-areas")
    set_locale(app, world.team_lead, "en")
    english = rows(text(login_as("team_lead").get("/admin/report/")), "report-areas")

    # Reference data keeps its German names; the figures follow the reader's language.
    assert german["Sprache"][2] == "33 %"
    assert german["Sprache"][6] == "3,5"
    assert english["Sprache"][2] == "33%"
    assert english["Sprache"][6] == "3.5"


def test_case_file_effort_uses_the_readers_separators(app, world, login_as):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        case = factories.make_case(factories.make_client(authority))
        for minutes in (700, 500):
            db.session.add(
                Activity(
                    case=case,
                    authority_id=case.authority_id,
                    occurred_on=date(2026, 3, 2),
                    kind="meeting",
                    duration_minutes=minutes,
                )
            )
        db.session.commit()
        case_id = case.id
    url = f"/admin/case/details/?id={case_id}"
    assert "Aufwand gesamt: 1.200 Minuten" in text(login_as("caseworker").get(url))
    set_locale(app, world.caseworker, "en")
    english = text(login_as("caseworker").get(url))
    assert "Total effort: 1,200 minutes" in english
    assert "2026-03-02" in english


def test_row_labels_show_dates_in_the_readers_form(app, world):
    from datetime import UTC, datetime

    from models import AuditEvent, CaseConference
    from models.types import date_label, datetime_label

    conference = CaseConference(held_on=date(2026, 3, 12))
    event = AuditEvent(at=datetime(2026, 3, 12, 13, 5, tzinfo=UTC), action="login")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from flask_babel import force_locale

        with force_locale("en"):
            assert str(conference) == "2026-03-12"
            assert str(event).startswith("2026-03-12 14:05")  # Berlin time
        with force_locale("de"):
            assert str(conference) == "12.03.2026"
            assert str(event).startswith("12.03.2026 14:05")
    # Outside an app (a script printing a row): German, as before.
    assert date_label(date(2026, 3, 12)) == "12.03.2026"
    assert datetime_label(datetime(2026, 3, 12, 13, 5, tzinfo=UTC)) == "12.03.2026 14:05"
    assert date_label(None) == ""
