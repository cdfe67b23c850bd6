"""The dashboard: exact figures per role, protection of small numbers, privacy,
access, and a fixed number of queries. The data set and its expected figures are in
``tests/statistics_data.py``; every figure here is worked out by hand from it, and the same
test runs on SQLite and PostgreSQL."""

import time
from datetime import date

import pytest
from sqlalchemy import func, select, update

from admin_views.base import PERMISSIONS
from models import Case, Client, User, db
from models.scoping import ScopeError, as_user, unscoped
from services import statistics as stats
from services.followups import followups
from tests import statistics_data as data
from tests.statistics_data import SECRET, SECRET_NAME, TODAY, rows, tables


@pytest.fixture(autouse=True)
def _fixed_day(monkeypatch):
    monkeypatch.setattr(stats, "today", lambda: TODAY)


@pytest.fixture
def figures(app, world):
    with app.app_context(), unscoped("test arrangement"):
        built = data.build(world)
        db.session.commit()
    return built


def staff(user_id) -> User:
    with unscoped("test arrangement"):
        return db.session.get(User, user_id)


def page(browser, url="/admin/") -> str:
    response = browser.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# -- the team lead's own authority ------------------------------------------------------------


def test_team_lead_sees_the_exact_figures_of_the_own_authority(login_as, figures):
    html = page(login_as("team_lead"))
    assert rows(html, "team-open-status") == {
        "Erstgespräch": ["1"],  # A1
        "Planung": ["1"],  # A2
        "Aktiv": ["2"],  # A3, A4; B's shared B1 is not A's case
        "Ruhend": ["1"],  # A5
        "Auswertung": ["1"],  # A6
        "Zusammen": ["6"],
    }
    assert rows(html, "team-months") == {
        "12.2025": ["1", "0"],  # C1 opened
        "01.2026": ["2", "0"],  # A5, C2
        "02.2026": ["1", "1"],  # C3; C1 closed
        "03.2026": ["2", "1"],  # A4, C4; C4 closed
        "04.2026": ["1", "1"],  # D1 (declined: opened, never "closed"); C2 closed
        "05.2026": ["0", "1"],  # C3 closed
        "06.2026": ["1", "0"],  # A3
        "07.2026": ["0", "0"],
        "08.2026": ["0", "0"],
        "09.2026": ["1", "0"],  # A2
        "10.2026": ["1", "0"],  # A1
        "11.2026": ["0", "0"],
    }
    assert rows(html, "team-need-areas") == {
        "Sprache": ["3"],  # A1, A2, A5
        "Arbeit": ["3"],  # A2, A3, A6
        "Schule": ["1"],  # A4
    }
    assert list(rows(html, "team-caseload").items()) == [
        ("fallmanagement", ["4"]),  # A1, A2, A3, A6
        ("zweite", ["1"]),  # A4
        ("nicht zugewiesen", ["1"]),  # A5
    ]
    # Goals of C1–C4 with a final status (C4's goal stayed open; C5 closed before the period).
    assert rows(html, "team-goals") == {
        "erreicht": ["3", "50 %"],
        "teilweise erreicht": ["1", "17 %"],
        "nicht erreicht": ["1", "17 %"],
        "aufgegeben": ["1", "17 %"],
        "Zusammen": ["6", "100 %"],
    }
    # Days: C4 10, C1 62, C2 90, C3 100 → (62 + 90) / 2 = 76.
    # Effort: C3 60, C1 120, C2 300 minutes (C4 has no evaluation) → 120 min = 2 h.
    assert rows(html, "team-closed") == {"Letzte 12 Monate": ["4", "76", "2"]}
    # Sent since 1 Dec 2025 (the draft of A2 does not count). Jobcenter: A3 unanswered, C2
    # accepted after 10 days, C3 completed after 20 → 15. VHS: C3 rejected after 4 days, A4
    # withdrawn.
    assert rows(html, "team-referrals") == {
        "Jobcenter Lippe": ["3", "2", "0", "1", "0", "100 %", "15"],
        "Volkshochschule": ["2", "0", "1", "0", "1", "0 %", "4"],
    }
    # Today is Wednesday 4 Nov 2026; the week ends on Sunday 8 Nov.
    assert rows(html, "team-followups") == {
        "Maßnahme fällig": ["1", "1"],  # A3: 1 Nov overdue, 7 Nov this week
        "Vermittlung ohne Antwort": ["1", "0"],  # A3: follow-up on 15 Oct
        "Zieldatum überschritten": ["1", "1"],  # A4: 1 Oct; A3: 6 Nov
        "Aufenthaltstitel läuft ab": ["0", "1"],  # A4's client: 6 Nov
        "Seit 30 Tagen kein Kontakt": ["1", "1"],  # A2: 1 Oct; A3: 9 Oct → due 8 Nov
    }
    # Every one of the own tables has a chart but the key figures and the follow-ups.
    charts = {key for key in tables(html) if f'data-chart="{key}-data"' in html}
    assert charts == {
        "team-open-status",
        "team-months",
        "team-need-areas",
        "team-caseload",
        "team-goals",
        "team-referrals",
        "issues",
    }


def test_team_lead_sees_protected_totals_across_authorities(login_as, figures):
    html = page(login_as("team_lead"))
    assert rows(html, "region-open-status") == {
        "Erstgespräch": ["7"],  # A 1 + C 6: the others' 6 are not small
        "Planung": ["< 5"],
        "Aktiv": ["×"],  # A 2 + B 1 + C 2 = 5, but 5 − 2 own = 3 would be the others'
        "Ruhend": ["< 5"],
        "Auswertung": ["< 5"],
    }
    months = rows(html, "region-months")
    assert months["10.2026"] == ["7", "< 5"]  # A1 + C's six
    assert all(cells == ["< 5", "< 5"] for key, cells in months.items() if key != "10.2026")
    assert rows(html, "region-need-areas") == {
        "Sprache": ["< 5"],
        "Arbeit": ["< 5"],
        "Schule": ["< 5"],
    }
    assert rows(html, "region-goals") == {
        status: ["< 5", "< 5"]
        for status in ("erreicht", "teilweise erreicht", "nicht erreicht", "aufgegeben")
    }
    # Closed: A's four and B2 = 5, but the others' 1 is withheld; days of all five:
    # 10, 62, 90, 100, 151 → 90; effort from four evaluations only → withheld.
    assert rows(html, "region-closed") == {"Letzte 12 Monate": ["×", "90", "< 5"]}
    referrals = rows(html, "region-referrals")
    assert set(referrals) == {"Jobcenter Lippe", "Volkshochschule"}
    assert all(set(cells) == {"< 5"} for cells in referrals.values())
    followups_ = rows(html, "region-followups")
    # No contact for 30 days: A2, B1 and six of C's cases overdue (8, the others' 7).
    assert followups_["Seit 30 Tagen kein Kontakt"] == ["8", "< 5"]
    assert followups_["Maßnahme fällig"] == ["< 5", "< 5"]
    # No chart across authorities: a withheld cell has no bar.
    assert 'data-chart="region-' not in html
    assert "„&lt; 5“: weniger als fünf" in html


def test_the_other_authority_sees_its_own_figures(login_as, figures):
    html = page(login_as(figures.foreign_lead))
    assert rows(html, "team-open-status")["Aktiv"] == ["1"]  # B1
    assert rows(html, "team-open-status")["Zusammen"] == ["1"]
    assert rows(html, "team-closed") == {"Letzte 12 Monate": ["1", "151", "166,7"]}


def test_structural_issues_by_need_area_and_status(login_as, figures):
    header = ["Handlungsfeld", "gemeldet", "in Beratung", "Maßnahme vereinbart", "behoben"]
    lead = tables(page(login_as("team_lead")))["issues"]
    assert lead[0][:5] == header
    # Team leads read every authority's issues (docs/design.md §4): B2's counts too.
    assert {row[0]: row[1:] for row in lead[1:]} == {
        "Sprache": ["2", "0", "0", "0", "0", "2"],
        "Arbeit": ["0", "1", "0", "0", "0", "1"],
        "ohne Handlungsfeld": ["0", "0", "0", "1", "0", "1"],
        "Zusammen": ["2", "1", "0", "1", "0", "4"],
    }
    # Caseworkers read their own authority's.
    assert rows(page(login_as("caseworker")), "issues")["Zusammen"] == [
        "1",
        "1",
        "0",
        "1",
        "0",
        "3",
    ]
    # Auditors read every authority's issues, and see no case figures.
    auditor = page(login_as("auditor"))
    assert rows(auditor, "issues")["Zusammen"] == ["2", "1", "0", "1", "0", "4"]
    assert set(tables(auditor)) == {"issues"}


# -- the caseworker's desk ---------------------------------------------------------------------


def test_caseworker_sees_the_own_desk(login_as, figures):
    html = page(login_as("caseworker"))
    assert rows(html, "my-open-status") == {
        "Erstgespräch": ["1"],
        "Planung": ["1"],
        "Aktiv": ["1"],
        "Ruhend": ["0"],
        "Auswertung": ["1"],
        "Zusammen": ["4"],
    }
    assert rows(html, "my-followups") == {
        "Maßnahme fällig": ["1", "1"],
        "Vermittlung ohne Antwort": ["1", "0"],
        "Zieldatum überschritten": ["0", "1"],  # A4's goal is the second caseworker's
        "Aufenthaltstitel läuft ab": ["0", "0"],
        "Seit 30 Tagen kein Kontakt": ["1", "1"],
    }
    assert set(tables(html)) == {"my-open-status", "my-followups", "issues"}
    assert "/admin/followups/" in html


def test_overdue_counts_match_the_follow_up_list(app, world, figures):
    """The dashboard counts what the follow-up list lists as overdue."""
    with app.app_context():
        for caseworker_id in (None, world.caseworker):
            with as_user(staff(world.team_lead)):
                items = followups(world.authority, caseworker_id, today=TODAY)
                counts = stats.follow_up_counts(world.authority, caseworker_id, day=TODAY)
            overdue = {}
            for item in items:
                if item.due_on < TODAY:
                    overdue[item.kind] = overdue.get(item.kind, 0) + 1
            assert {k: v["overdue"] for k, v in counts.items() if v["overdue"]} == overdue


# -- IT staff and auditors ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["it_admin", "auditor"])
def test_it_staff_and_auditors_see_no_case_figures(login_as, figures, role):
    html = page(login_as(role))
    assert not {key for key in tables(html) if key != "issues"}
    assert "Offene Fälle" not in html
    assert "Ihre Rolle sieht keine Fallzahlen." in html
    if role == "it_admin":
        assert "issues" not in tables(html)


def test_permissions_name_the_dashboard_and_report_operations():
    assert PERMISSIONS["caseworker"]["dashboard"] == {"view"}
    assert PERMISSIONS["team_lead"]["dashboard"] == {"view", "team", "region"}
    assert PERMISSIONS["team_lead"]["report"] == {"view", "export", "region"}
    for role in ("caseworker", "it_admin", "auditor"):
        assert "report" not in PERMISSIONS[role]
    for role in ("it_admin", "auditor"):
        assert "dashboard" not in PERMISSIONS[role]


def test_anonymous_visitors_go_to_the_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# -- privacy ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["caseworker", "team_lead", "it_admin", "auditor"])
def test_no_name_number_or_free_text_of_a_client_on_the_dashboard(login_as, figures, role):
    html = page(login_as(role))
    for planted in (SECRET, SECRET_NAME, "Vorname", *figures.numbers):
        assert planted not in html, planted


# -- the bypass for totals across authorities ---------------------------------------------------


def test_totals_across_authorities_only_inside_the_named_bypass(app, world, figures):
    with app.app_context():
        with as_user(staff(world.team_lead)), pytest.raises(ScopeError):
            stats.open_cases_by_status(None)
        with as_user(staff(world.team_lead)), stats.anonymised():
            assert stats.open_cases_by_status(None)["intake"] == 7


def test_the_bypass_is_read_only(app, world, figures):
    with app.app_context():
        with as_user(staff(world.team_lead)), stats.anonymised():
            with pytest.raises(stats.ReadOnlyViolation):
                db.session.execute(update(Case).values(intake_summary="x"))
            client = db.session.scalars(select(Client)).first()
            client.notes = "changed"
            with pytest.raises(stats.ReadOnlyViolation):
                db.session.flush()
        db.session.rollback()
        with unscoped("test check"):
            assert db.session.scalar(select(func.count()).where(Client.notes == "changed")) == 0


def test_cached_figures_are_served_and_refreshed_in_the_background(
    app, world, login_as, figures, monkeypatch
):
    monkeypatch.setitem(app.config, "LOTSE_STATISTICS_CACHE_SECONDS", 60)
    stats.figures_cache.clear()
    try:
        lead = login_as("team_lead")
        # The first view computes the own authority's figures; the totals across
        # authorities are computed in the background, never while the reader waits.
        html = page(lead)
        assert rows(html, "team-open-status")["Zusammen"] == ["6"]
        assert "Die Summen werden gerade berechnet" in html
        assert "region-open-status" not in tables(html)
        stats.figures_cache.wait()
        html = page(lead)
        assert rows(html, "region-open-status")["Erstgespräch"] == ["7"]
        assert html.count("Stand: ") == 2  # own authority and all authorities
        # New cases: the cached figures stay until they are stale …
        with app.app_context(), unscoped("test arrangement"):
            data.add_more_cases(world, 2)  # one open, one closed
            db.session.commit()
        assert rows(page(lead), "team-open-status")["Zusammen"] == ["6"]
        # … then a stale view is served once more while they are computed anew.
        monkeypatch.setitem(app.config, "LOTSE_STATISTICS_CACHE_SECONDS", 1)
        time.sleep(1.1)
        assert rows(page(lead), "team-open-status")["Zusammen"] == ["6"]
        stats.figures_cache.wait()
        assert rows(page(lead), "team-open-status")["Zusammen"] == ["7"]
    finally:
        stats.figures_cache.clear()


# -- SQL pieces on both databases ---------------------------------------------------------------


def test_medians_and_day_differences_are_exact(app, world, figures):
    period = stats.Period(date(2025, 12, 1), TODAY)
    with app.app_context(), as_user(staff(world.team_lead)):
        own = stats.closed_case_figures(world.authority, period, by_need_area=True)
        areas = figures.areas
        assert own.closed == {
            stats.ALL: 4,
            areas["language"]: 2,
            areas["work"]: 2,
            areas["school"]: 1,
        }
        assert own.days[stats.ALL] == (76.0, 4)
        assert own.days[areas["language"]] == (76.0, 2)  # 62, 90
        assert own.days[areas["work"]] == (95.0, 2)  # 90, 100
        assert own.days[areas["school"]] == (10.0, 1)
        assert own.effort[stats.ALL] == (2.0, 3)
        assert own.effort[areas["language"]] == (3.5, 2)  # 120, 300 minutes
        assert own.effort[areas["work"]] == (3.0, 2)  # 300, 60
        with stats.anonymised():
            region = stats.closed_case_figures(None, period)
        assert region.days[stats.ALL] == (90.0, 5)
        assert region.effort[stats.ALL] == (pytest.approx(210 / 60), 4)  # 60 120 300 10000


def test_protection_rules():
    assert stats.protect(4) == stats.Cell(None, stats.SMALL)
    assert stats.protect(0) == stats.Cell(None, stats.SMALL)
    assert stats.protect(5) == stats.Cell(5)
    assert stats.protect(9, own=5) == stats.Cell(None, stats.DIFFERENCE)  # others have 4
    assert stats.protect(9, own=9) == stats.Cell(9)  # others have none
    assert stats.protect(10, own=5) == stats.Cell(10)
    assert stats.protect_median(12.0, 4) == stats.Cell(None, stats.FEW_VALUES)
    assert stats.protect_median(12.0, 5) == stats.Cell(12.0)


def test_complementary_protection_of_a_group():
    from admin_views.figures import COMPLEMENT, protect_parts

    total = stats.protect(30)
    cells = protect_parts({"a": 20, "b": 7, "c": 3}, {}, total=total)
    # "c" is small; with the total shown it would be 30 − 20 − 7, so "b" is withheld too.
    assert cells == {
        "a": stats.Cell(20),
        "b": stats.Cell(None, COMPLEMENT),
        "c": stats.Cell(None, stats.SMALL),
    }
    assert protect_parts({"a": 20, "b": 7, "c": 3}, {})["b"] == stats.Cell(7)


def test_redaction():
    text = (
        "Herr Haddad (KL-ABH-2026-00042, geb. 12.04.1990) erreichte man unter "
        "+49 5231 123456 oder amira.haddad@example.org; Kind Sami half."
    )
    assert stats.redact(text, names=("Haddad", "Amira Nour", "Sami")) == (
        "Herr […] ([…], geb. […]) erreichte man unter […] oder […]; Kind […] half."
    )


# -- a fixed number of queries -----------------------------------------------------------------


@pytest.mark.parametrize("role", ["caseworker", "team_lead", "it_admin", "auditor"])
def test_the_dashboard_runs_a_fixed_number_of_queries(
    app, world, login_as, figures, count_queries, role
):
    browser = login_as(role)
    browser.get("/admin/")
    with count_queries() as before:
        page(browser)
    with app.app_context(), unscoped("test arrangement"):
        data.add_more_cases(world, 8)
        db.session.commit()
    with count_queries() as after:
        page(browser)
    assert after.count == before.count, (before.count, after.count)
    assert before.count <= 30, before.statements


# -- how the figures are computed (services/statistics/) -------------------------------------


def test_median_of_a_histogram_is_the_median_of_its_values():
    import random
    import statistics

    rng = random.Random(7)
    for size in (1, 2, 3, 4, 5, 10, 11, 100, 101):
        values = [rng.randrange(0, 40) for _ in range(size)]
        histogram = [(v, values.count(v)) for v in set(values)]
        assert stats._median_of(histogram) == (float(statistics.median(values)), size)
    assert stats._median_of([(90, 1), (62, 1)]) == (76.0, 2)


def test_totals_across_authorities_are_the_sums_of_the_authorities(app, world, figures):
    """The totals name every authority on PostgreSQL (``_per_authority``), one index range
    each; that must count what the authorities count together, no more and no less."""
    period = stats.last_twelve_months(TODAY)
    authorities = (world.authority, world.foreign_authority, figures.authority_c)
    with app.app_context(), unscoped("test check"):
        own = [
            (
                stats.follow_up_counts(a, day=TODAY),
                stats.cases_per_month(a, period),
                stats.referral_figures(a, sent_in=period)[0],
            )
            for a in authorities
        ]
    with app.app_context(), as_user(staff(world.team_lead)), stats.anonymised():
        due = stats.follow_up_counts(None, day=TODAY)
        months = stats.cases_per_month(None, period)
        referrals = stats.referral_figures(None, sent_in=period)[0]
    for kind in stats.FOLLOW_UP_KINDS:
        for bucket in ("overdue", "week"):
            assert due[kind][bucket] == sum(o[0][kind][bucket] for o in own), (kind, bucket)
    for month, counts in months.items():
        for kind in ("new", "closed"):
            assert counts[kind] == sum(o[1][month][kind] for o in own), (month, kind)
    assert sum(r.sent for r in referrals) == sum(r.sent for o in own for r in o[2])


def test_a_caseworkers_follow_ups_are_part_of_the_authoritys(app, world, figures):
    with app.app_context(), as_user(staff(world.team_lead)):
        team = stats.follow_up_counts(world.authority, day=TODAY)
        mine = stats.follow_up_counts(world.authority, world.caseworker, day=TODAY)
    for kind in stats.FOLLOW_UP_KINDS:
        for bucket in ("overdue", "week"):
            assert 0 <= mine[kind][bucket] <= team[kind][bucket]
    assert mine != team  # A4's goal belongs to the second caseworker


def test_the_partial_index_of_open_cases_names_the_open_statuses():
    """``_is_open`` writes OPEN_STATUSES into the SQL so that this index matches."""
    from models import OPEN_STATUSES

    index = next(i for i in Case.__table__.indexes if i.name == "ix_case_figures_open")
    condition = str(index.dialect_options["postgresql"]["where"])
    assert condition == str(index.dialect_options["sqlite"]["where"])
    listed = condition.split("IN (")[1].rstrip(")")
    assert tuple(s.strip(" '") for s in listed.split(",")) == OPEN_STATUSES
