"""The steering report: exact figures per need area, filters, protection of small
numbers across authorities, the lessons without personal data, the xlsx download, access
and a fixed number of queries. Data set: ``tests/statistics_data.py``; on SQLite and
PostgreSQL alike."""

import io
import re
from html import unescape

import openpyxl
import pytest
from sqlalchemy import select

from models import AuditEvent, db
from models.scoping import unscoped
from services import statistics as stats
from tests import statistics_data as data
from tests.statistics_data import SECRET, SECRET_NAME, TODAY, rows, tables

REPORT = "/admin/report/"
XLSX = "/admin/report/xlsx/"
GOAL_HEADER = ["erreicht", "teilweise erreicht", "nicht erreicht", "aufgegeben"]


@pytest.fixture(autouse=True)
def _fixed_day(monkeypatch):
    monkeypatch.setattr(stats, "today", lambda: TODAY)


@pytest.fixture
def figures(app, world):
    with app.app_context(), unscoped("test arrangement"):
        built = data.build(world)
        db.session.commit()
    return built


@pytest.fixture
def lead(login_as, figures):
    return login_as("team_lead")


def page(browser, url=REPORT, **args) -> str:
    response = browser.get(url, query_string=args)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def raw(html, table_id):
    return tables(html)[table_id][1:]


# -- own figures --------------------------------------------------------------------------------


def test_report_per_need_area_for_the_own_authority(lead):
    html = page(lead)  # the last twelve months: cases closed 1 Dec 2025 – 4 Nov 2026
    header = tables(html)["report-areas"][0]
    assert header[3:7] == GOAL_HEADER
    assert rows(html, "report-areas") == {
        # C1 (goals: achieved, partly), C2 (language goal not achieved); effort 120, 300;
        # days 62, 90.
        "Sprache": ["2", "3", "33 %", "33 %", "33 %", "0 %", "3,5", "76"],
        # C2 (work goal achieved), C3 (dropped, achieved); effort 300, 60; days 90, 100.
        "Arbeit": ["2", "3", "67 %", "0 %", "0 %", "33 %", "3", "95"],
        # C4: closed early, its goal never got a final status, no evaluation.
        "Schule": ["1", "0", "–", "–", "–", "–", "–", "10"],
        "Alle Handlungsfelder": ["4", "6", "50 %", "17 %", "17 %", "17 %", "2", "76"],
    }
    assert raw(html, "report-closure") == [
        ["Sprache", "Ziele erreicht", "positiv", "2", "100 %"],
        ["Arbeit", "Ziele erreicht", "positiv", "2", "100 %"],
        ["Schule", "Weggezogen", "neutral", "1", "100 %"],
    ]
    # Referrals of the closed cases: C2 Jobcenter accepted, C3 Jobcenter completed and VHS
    # rejected. A3's and A4's belong to open cases.
    assert raw(html, "report-referrals") == [
        ["Arbeit", "Jobcenter Lippe", "2", "2", "0", "0", "0", "100 %"],
        ["Arbeit", "Volkshochschule", "1", "0", "1", "0", "0", "0 %"],
    ]
    assert raw(html, "report-issues") == [
        ["Sprache", "Zu wenige Sprachkursplätze", "gemeldet"],
        ["Arbeit", "Anerkennungsverfahren dauern zu lange", "in Beratung"],
    ]
    assert 'data-chart="report-areas-data"' in html


def lessons_on(html) -> list[str]:
    listing = html.split('id="report-lessons"')[1].split("</ul>")[0]
    return [unescape(text) for text in re.findall(r"<li>([^<]*)</li>", listing)]


def test_lessons_without_personal_data(lead):
    lessons = lessons_on(page(lead))
    # C1's lesson named its client and a phone number; C5 closed before the period; B2's
    # lesson is another authority's.
    assert lessons == [
        "Frühe Anmeldung half […] sehr; Rückruf unter […].",
        "Jobcenter früher einbinden.",
    ]


def test_filters_period_and_need_area(lead):
    html = page(lead, **{"from": "2026-03-01", "to": "2026-04-30"})
    # C2 (closed 10 Apr) and C4 (12 Mar).
    assert {k: v[:2] for k, v in rows(html, "report-areas").items()} == {
        "Sprache": ["1", "1"],
        "Arbeit": ["1", "1"],
        "Schule": ["1", "0"],
        "Alle Handlungsfelder": ["2", "2"],
    }
    assert "01.03.2026 – 30.04.2026" in html
    html = page(lead, need_area="work")
    assert rows(html, "report-areas") == {
        "Arbeit": ["2", "3", "67 %", "0 %", "0 %", "33 %", "3", "95"],
    }
    assert raw(html, "report-closure") == [["Arbeit", "Ziele erreicht", "positiv", "2", "100 %"]]
    assert len(raw(html, "report-referrals")) == 2
    assert raw(html, "report-issues") == [
        ["Arbeit", "Anerkennungsverfahren dauern zu lange", "in Beratung"]
    ]
    assert "Jobcenter früher einbinden." in html  # C2 had work and language
    assert "Frühe Anmeldung" not in html  # C1 had language only


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"from": "31.02.2026"}, "Von: Bitte ein Datum im Format TT.MM.JJJJ angeben"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "Das Startdatum liegt nach dem Enddatum"),
        ({"need_area": "no-such-area"}, "Unbekanntes Handlungsfeld"),
        ({"authority": "detmold_abh"}, "Sie sehen nur die Zahlen Ihrer eigenen Behörde."),
    ],
)
def test_invalid_filters_are_named_and_fall_back(lead, args, message):
    html = page(lead, **args)
    assert message in html
    # The own authority's figures of the default period.
    assert rows(html, "report-areas")["Alle Handlungsfelder"][0] == "4"
    assert lead.get(XLSX, query_string=args).status_code == 400


# -- across authorities ------------------------------------------------------------------------


def test_report_across_authorities_is_protected(app, world, lead, figures):
    with app.app_context(), unscoped("test arrangement"):
        data.add_region_closures(world, figures.authority_c)
        db.session.commit()
    html = page(lead, authority="all")
    assert "Alle Behörden (anonymisiert)" in html
    assert rows(html, "report-areas") == {
        # A: C1, C2; B: B2. Goals: A 1/1/1/0, B 1 achieved.
        "Sprache": ["< 5", "< 5", "< 5", "< 5", "< 5", "< 5", "< 5", "< 5"],
        # A: C2, C3; C: seven closed (six with an achieved goal and 100 minutes of effort,
        # 181 days each). Goals: achieved 2 + 6 = 8, dropped 1: the shares would reveal
        # the small cells, so none is shown. Effort: 60, 100 ×6, 300 → 100 min. Days: 90,
        # 100, 181 ×7 → 181.
        "Arbeit": ["9", "9", "×", "< 5", "< 5", "< 5", "1,7", "181"],
        "Schule": ["< 5", "< 5", "–", "–", "–", "–", "< 5", "< 5"],
        # 12 closed (others 8). 13 goals, but Sprache's withheld count could be subtracted.
        # Effort: 10 values, middle two 100 → 1,7 h. Days: 12 values, middle two 181.
        "Alle Handlungsfelder": ["12", "×", "×", "< 5", "< 5", "< 5", "1,7", "181"],
    }
    closure = raw(html, "report-closure")
    # Arbeit: 8 "goals reached" and 1 "moved away" of 9 shown closed cases; the 1 is small,
    # and 9 − 8 would reveal it, so the 8 is withheld as well.
    assert ["Arbeit", "Ziele erreicht", "positiv", "×", "×"] in closure
    assert ["Arbeit", "Weggezogen", "neutral", "< 5", "< 5"] in closure
    assert ["Sprache", "Ziele erreicht", "positiv", "< 5", "< 5"] in closure
    referrals = raw(html, "report-referrals")
    assert {row[1] for row in referrals} == {"Jobcenter Lippe", "Volkshochschule"}
    assert all(set(row[2:]) == {"< 5"} for row in referrals)
    assert raw(html, "report-issues")[0][:2] == ["Sprache", "< 5"]  # A's C1 and B's B2
    assert "Fehlende Dolmetscher" not in html  # B's issue title
    # Lessons stay the own authority's.
    assert "Jobcenter früher einbinden." in html
    assert "Lehre der Stadt" not in html
    assert 'data-chart="report-areas-data"' not in html


def test_only_readers_of_the_totals_may_ask_for_them(login_as, figures):
    html = page(login_as(figures.foreign_lead), authority="all")
    assert "Alle Behörden (anonymisiert)" in html  # team leads of every authority may


# -- privacy -----------------------------------------------------------------------------------


def _xlsx_text(response) -> str:
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    return "\n".join(
        str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
    )


@pytest.mark.parametrize("args", [{}, {"authority": "all"}, {"need_area": "language"}])
def test_no_name_number_or_free_text_of_a_client_in_the_report(lead, figures, args):
    html = page(lead, **args)
    workbook = _xlsx_text(lead.get(XLSX, query_string=args))
    for planted in (SECRET, SECRET_NAME, "Vorname", "KindC", *figures.numbers):
        assert planted not in html, planted
        assert planted not in workbook, planted


# -- xlsx --------------------------------------------------------------------------------------


def _sheet_value_as_shown(value) -> str:
    """An xlsx cell as the page would show it, for comparison."""
    if value is None:
        return "–"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return value


@pytest.mark.parametrize("args", [{}, {"need_area": "work", "from": "2026-01-01"}])
def test_xlsx_has_the_same_tables_with_the_same_filters(app, lead, args):
    html = page(lead, **args)
    response = lead.get(XLSX, query_string=args)
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response.headers["Content-Disposition"]
    assert "lotse_steuerungsbericht_" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    names = book.sheetnames
    assert names[0] == "Bericht"
    cover = {row[0]: row[1] for row in book["Bericht"].iter_rows(min_row=2, values_only=True)}
    assert cover["Handlungsfeld"] == ("Arbeit" if args else "Alle Handlungsfelder")
    assert cover["Abgeschlossen bis"] == "04.11.2026"
    page_tables = tables(html)
    for sheet_name, table_id in zip(
        names[1:5],
        ("report-areas", "report-closure", "report-referrals", "report-issues"),
        strict=True,
    ):
        sheet = [list(row) for row in book[sheet_name].iter_rows(values_only=True)]
        expected = page_tables[table_id]
        assert sheet[0] == expected[0]
        share_labels = (*GOAL_HEADER, "Anteil", "Annahmequote")
        shares = {i for i, label in enumerate(sheet[0]) if label in share_labels}
        for sheet_row, page_row in zip(sheet[1:], expected[1:], strict=True):
            for i, (value, text) in enumerate(zip(sheet_row, page_row, strict=True)):
                if i in shares and isinstance(value, float | int):
                    assert f"{round(value):d} %" == text, (sheet_name, sheet_row, page_row)
                else:
                    assert _sheet_value_as_shown(value) == text, (sheet_name, sheet_row, page_row)
    lessons = [row[0] for row in book[names[5]].iter_rows(min_row=2, values_only=True)]
    assert lessons == lessons_on(html)
    assert lessons
    with app.app_context(), unscoped("test check"):
        exports = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "export", AuditEvent.object_type == "report"
            )
        ).all()
    assert len(exports) == 1
    assert exports[0].changes["filters"]["to"] == "2026-11-04"


# -- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [REPORT, XLSX])
def test_anonymous_visitors_go_to_the_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["caseworker", "it_admin", "auditor"])
@pytest.mark.parametrize("url", [REPORT, XLSX])
def test_other_roles_get_403(login_as, figures, role, url):
    response = login_as(role).get(url, query_string={"authority": "all"})
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert SECRET not in body
    assert "Sprachkursplätze" not in body


def test_the_menu_offers_the_report_to_team_leads_only(login_as, figures):
    assert "/admin/report/" in page(login_as("team_lead"), "/admin/")
    assert "/admin/report/" not in page(login_as("caseworker"), "/admin/")


# -- a fixed number of queries ------------------------------------------------------------------


@pytest.mark.parametrize("args", [{}, {"authority": "all"}, {"need_area": "work"}])
@pytest.mark.parametrize("url", [REPORT, XLSX])
def test_the_report_runs_a_fixed_number_of_queries(app, world, lead, count_queries, args, url):
    lead.get(url, query_string=args)
    with count_queries() as before:
        assert lead.get(url, query_string=args).status_code == 200
    with app.app_context(), unscoped("test arrangement"):
        data.add_more_cases(world, 8)
        db.session.commit()
    with count_queries() as after:
        assert lead.get(url, query_string=args).status_code == 200
    assert after.count == before.count, (before.count, after.count)
    assert before.count <= 30, before.statements


# -- the figures against the rows they count ----------------------------------------------------


def _by_hand(authority_id, period, need_area_id=None):
    """closed_case_figures(by_need_area=True) and closure_outcomes computed in Python from
    the rows, as a reference for the histograms and the shared CTE of the SQL."""
    import statistics

    from models import Case, Evaluation, Need

    cases = db.session.scalars(
        select(Case).where(
            Case.status == "closed",
            Case.archived_at.is_(None),
            Case.closed_on.between(period.start, period.end),
            *((Case.authority_id == authority_id,) if authority_id else ()),
        )
    ).all()
    days, effort, closures = {}, {}, {}
    for case in cases:
        areas = db.session.scalars(
            select(Need.need_area_id).where(Need.case_id == case.id, Need.archived_at.is_(None))
        ).all()
        if need_area_id is not None:
            if need_area_id not in areas:
                continue
            areas = [need_area_id]
        evaluation = db.session.scalars(
            select(Evaluation).where(
                Evaluation.case_id == case.id, Evaluation.archived_at.is_(None)
            )
        ).first()
        value = (case.closed_on - (case.intake_on or case.opened_on)).days
        for key in (stats.ALL, *(areas or [None])):
            days.setdefault(key, []).append(value)
            if evaluation is not None:
                effort.setdefault(key, []).append(evaluation.effort_minutes)
        for area in areas or [None]:
            key = (area, case.closure_reason_id)
            closures[key] = closures.get(key, 0) + 1
    return (
        {k: (float(statistics.median(v)), len(v)) for k, v in days.items()},
        {k: (statistics.median(v) / 60, len(v)) for k, v in effort.items()},
        closures,
    )


@pytest.mark.parametrize("need_area", [None, "work"])
@pytest.mark.parametrize("region", [False, True])
def test_closed_case_figures_match_the_rows(app, world, figures, need_area, region):
    with app.app_context(), unscoped("test arrangement"):
        data.add_region_closures(world, figures.authority_c)
        db.session.commit()
    period = stats.last_twelve_months(TODAY)
    area = figures.areas[need_area] if need_area else None
    authority_id = None if region else world.authority
    with app.app_context(), unscoped("test check"):
        days, effort, closures = _by_hand(authority_id, period, area)
        with stats.anonymised() if region else unscoped("test check"):
            closed, closure = stats.closed_case_report(authority_id, period, need_area_id=area)
            separate = stats.closed_case_figures(
                authority_id, period, by_need_area=True, need_area_id=area
            )
            outcomes = stats.closure_outcomes(authority_id, period, need_area_id=area)
    assert closed.days == days
    assert {k: (pytest.approx(m), n) for k, (m, n) in closed.effort.items()} == effort
    assert closed.closed == {k: n for k, (_m, n) in days.items()}
    assert {(c.need_area_id, c.closure_reason_id): c.n for c in closure} == closures
    assert separate == closed
    assert outcomes == closure
