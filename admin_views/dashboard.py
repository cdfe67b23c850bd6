"""Übersicht: the dashboard, the admin index, per role (docs/design.md §5).

- Caseworkers see their own desk: their open cases by status and the follow-ups of their
  cases that are overdue or due this week.
- Team leads see their authority's figures, and the same figures as anonymised totals
  across all authorities.
- Everyone who reads structural issues sees them by need area and status.
- IT staff and auditors see no case figures.

Which figures a role gets is read from ``PERMISSIONS`` (``dashboard``: view, team, region),
never from the role's name. Every figure comes from ``services.statistics``, one query
each; no client's name, number or free text is ever loaded for this page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from flask import url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from models import FINAL_GOAL_STATUSES, OPEN_STATUSES, NeedArea, db
from models.choices import CASE_STATUS, GOAL_STATUS, ISSUE_STATUS
from models.scoping import reads_every_authoritys_issues
from services import statistics as stats
from services.statistics import Cell, exact, protect, protect_median

from .base import REGION, TEAM, VIEW, LotseIndexView, allowed
from .figures import (
    DAYS,
    HOURS,
    LEGEND,
    SHARE,
    Column,
    Heading,
    Row,
    Table,
    area_label,
    chart_from_table,
    protect_parts,
    referral_cells,
    referral_columns,
    share,
)
from .followups import KIND_LABELS
from .i18n import format_date, format_datetime

NOT_ASSIGNED = _l("nicht zugewiesen")
TOGETHER = _l("Zusammen")


@dataclass
class Section:
    id: str
    title: str
    intro: str = ""
    tables: list[Table] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    legend: str = ""


def month_label(year: int, month: int) -> str:
    return f"{month:02d}.{year}"


def need_area_names() -> dict[int, str]:
    """Names of every need area, for the figures that group by it; reference data."""
    rows = db.session.execute(
        select(NeedArea.id, NeedArea.name).order_by(NeedArea.position, NeedArea.name)
    )
    return dict(rows.all())


# -- tables, each for own figures (exact) or totals across authorities (protected) ----------


def status_table(heading: Heading, counts, own=None) -> Table:
    table = heading.table(_("Status"), [Column(_("Offene Fälle"))], empty=_("Keine offenen Fälle."))
    for status in OPEN_STATUSES:
        cell = table.count(counts.get(status, 0), (own or {}).get(status, 0))
        table.rows.append(Row(CASE_STATUS.label(status), [cell]))
    if not table.anonymised:
        table.rows.append(Row(str(TOGETHER), [exact(sum(counts.values()))], total=True))
    table.chart = chart_from_table(table)
    return table


def months_table(heading: Heading, months, own=None) -> Table:
    table = heading.table(_("Monat"), [Column(_("Neu eröffnet")), Column(_("Abgeschlossen"))])
    for (year, month), counts in sorted(months.items()):
        own_counts = (own or {}).get((year, month), {})
        cells = [table.count(counts[kind], own_counts.get(kind, 0)) for kind in ("new", "closed")]
        table.rows.append(Row(month_label(year, month), cells))
    table.chart = chart_from_table(table, "line")
    return table


def need_area_table(heading: Heading, areas, own=None) -> Table:
    own_by_area = {a.need_area_id: a.n for a in own or ()}
    table = heading.table(
        _("Handlungsfeld"),
        [Column(_("Offene Fälle"))],
        empty=_("Keine offenen Fälle mit Bedarfen."),
        note=_("Ein Fall mit mehreren Handlungsfeldern zählt in jedem davon."),
    )
    for area in areas:
        cell = table.count(area.n, own_by_area.get(area.need_area_id, 0))
        table.rows.append(Row(area.name, [cell]))
    table.chart = chart_from_table(table, horizontal=True)
    return table


def _own_counts_table(heading: tuple[str, str, str, str], empty: str, rows) -> Table:
    """A table of the own authority's exact counts: ``heading`` is (id, title, row label,
    column label), ``rows`` are (name, n)."""
    table_id, title, label, column = heading
    table = Table(table_id, title, label, [Column(column)], empty=empty)
    for name, n in rows:
        table.rows.append(Row(name, [exact(n)]))
    return table


def caseload_table(rows) -> Table:
    heading = ("team-caseload", _("Offene Fälle je Fallmanager:in"), _("Fallmanager:in"),
               _("Offene Fälle"))  # fmt: skip
    named = [
        ((row.name if row.caseworker_id is not None else None) or str(NOT_ASSIGNED), row.n)
        for row in rows
    ]
    table = _own_counts_table(heading, _("Keine offenen Fälle."), named)
    table.chart = chart_from_table(table, horizontal=True)
    return table


def documents_table(counts) -> Table:
    heading = ("team-documents", _("Dokumente nach Art"), _("Dokumentart"), _("Dokumente"))
    named = [(row.name, row.n) for row in counts]
    return _own_counts_table(heading, _("Noch keine Dokumente."), named)


def goals_table(heading: Heading, counts, own=None) -> Table:
    table = heading.table(
        _("Ergebnis"),
        [Column(_("Ziele")), Column(_("Anteil"), SHARE)],
        empty=_("Keine abgeschlossenen Fälle mit bewerteten Zielen."),
    )
    parts = {status: counts.get((status,), 0) for status in FINAL_GOAL_STATUSES}
    total = sum(parts.values())
    if not total:
        return table
    if table.anonymised:
        own_parts = {status: (own or {}).get((status,), 0) for status in FINAL_GOAL_STATUSES}
        cells = protect_parts(parts, own_parts)
    else:
        cells = {status: exact(n) for status, n in parts.items()}
    group_withheld = any(cell.withheld for cell in cells.values())
    for status in FINAL_GOAL_STATUSES:
        cell = cells[status]
        table.rows.append(
            Row(
                GOAL_STATUS.label(status), [cell, share(cell, total, group_withheld=group_withheld)]
            )
        )
    if not table.anonymised:
        table.rows.append(Row(str(TOGETHER), [exact(total), exact(1.0)], total=True))
    table.chart = chart_from_table(table, "doughnut", columns=[0])
    return table


def closed_table(heading: Heading, figures, own=None) -> Table:
    table = heading.table(
        _("Zeitraum"),
        [
            Column(_("Abgeschlossene Fälle")),
            Column(_("Median Tage vom Erstgespräch bis zum Abschluss"), DAYS),
            Column(_("Median Aufwand in Stunden"), HOURS),
        ],
    )
    closed = figures.closed.get(stats.ALL, 0)
    days, n_days = figures.days.get(stats.ALL, (None, 0))
    effort, n_effort = figures.effort.get(stats.ALL, (None, 0))
    if table.anonymised:
        cells = [
            protect(closed, own.closed.get(stats.ALL, 0) if own else 0),
            protect_median(days, n_days),
            protect_median(effort, n_effort),
        ]
    else:
        cells = [exact(closed), Cell(days), Cell(effort)]
    table.rows.append(Row(_("Letzte 12 Monate"), cells))
    return table


def referrals_table(heading: Heading, referrals, own=None) -> Table:
    """``referrals`` (and ``own``): the outcomes per agency and the median days to the
    answer, as ``referral_figures`` gives them."""
    outcomes, medians = referrals
    own_by_agency = {o.agency_id: o for o in (own[0] if own else ())}
    table = heading.table(
        _("Stelle"),
        [*referral_columns(), Column(_("Median Tage bis zur Antwort"), DAYS)],
        empty=_("Keine Vermittlungen gesendet."),
        note=_(
            "Angenommen: angenommen, in Bearbeitung oder abgeschlossen. Annahmequote: "
            "angenommene unter den beantworteten Vermittlungen."
        ),
    )
    anonymised = table.anonymised
    for outcome in outcomes:
        cells = referral_cells(outcome, own_by_agency.get(outcome.agency_id), anonymised=anonymised)
        median, n = medians.get(outcome.agency_id, (None, 0))
        cells.append(protect_median(median, n) if anonymised else Cell(median))
        table.rows.append(Row(outcome.name, cells))
    table.chart = chart_from_table(table, columns=[1, 2, 3, 4], horizontal=True, stacked=True)
    return table


def follow_up_table(heading: Heading, counts, own=None, *, day) -> Table:
    week_end = stats.end_of_week(day)
    table = heading.table(
        _("Art"),
        [
            Column(_("Überfällig")),
            Column(_("Fällig bis Sonntag, %(date)s", date=format_date(week_end))),
        ],
    )
    for kind in stats.FOLLOW_UP_KINDS:
        values = counts[kind]
        own_values = (own or {}).get(kind, {})
        cells = [table.count(values[key], own_values.get(key, 0)) for key in ("overdue", "week")]
        table.rows.append(Row(str(KIND_LABELS[kind]), cells))
    return table


def issues_table(counts, names, *, everyone: bool) -> Table:
    statuses = list(ISSUE_STATUS.values)
    table = Table(
        "issues",
        _("Systemlücken nach Handlungsfeld und Status"),
        _("Handlungsfeld"),
        [*(Column(ISSUE_STATUS.label(s)) for s in statuses), Column(str(TOGETHER))],
        empty=_("Keine Systemlücken gemeldet."),
        note=_("Alle Behörden.") if everyone else _("Eigene Behörde."),
    )
    order = {area_id: position for position, area_id in enumerate(names)}
    areas = {area for area, _status in counts}
    for area in sorted(areas, key=lambda a: (a is None, order.get(a, len(order)))):
        values = [counts.get((area, status), 0) for status in statuses]
        table.rows.append(Row(area_label(names, area), [exact(n) for n in [*values, sum(values)]]))
    if table.rows:
        totals = [sum(r.cells[i].value for r in table.rows) for i in range(len(statuses) + 1)]
        table.rows.append(Row(str(TOGETHER), [exact(n) for n in totals], total=True))
    table.chart = chart_from_table(
        table, columns=list(range(len(statuses))), horizontal=True, stacked=True
    )
    return table


# -- the page --------------------------------------------------------------------------------


def my_desk(day) -> Section:
    me = current_user
    counts = stats.open_cases_by_status(me.authority_id, caseworker_id=me.id)
    due = stats.follow_up_counts(me.authority_id, caseworker_id=me.id, day=day)
    return Section(
        "desk",
        _("Mein Schreibtisch"),
        tables=[
            status_table(Heading("my-open-status", _("Meine offenen Fälle nach Status")), counts),
            follow_up_table(Heading("my-followups", _("Meine Wiedervorlagen")), due, day=day),
        ],
        links=[
            (_("Zur Wiedervorlage"), url_for("followups.index")),
            (_("Zu den Fällen"), url_for("case.index_view")),
        ],
    )


def _team_figures(authority_id, day):
    period = stats.last_twelve_months(day)
    figures = {
        "status": stats.open_cases_by_status(authority_id),
        "months": stats.cases_per_month(authority_id, period),
        "areas": stats.open_cases_by_need_area(authority_id),
        "goals": stats.goal_attainment(authority_id, period),
        "closed": stats.closed_case_figures(authority_id, period),
        "due": stats.follow_up_counts(authority_id, day=day),
        "referrals": stats.referral_figures(authority_id, sent_in=period),
    }
    if authority_id is not None:
        figures["caseload"] = stats.caseload(authority_id)
        figures["documents"] = stats.documents_by_kind(authority_id)
    return figures


def as_of(cached: stats.Cached) -> str:
    return _("Stand: %(time)s", time=format_datetime(cached.computed_at))


def _figure_tables(prefix, figures, own=None, *, day, anonymised=False) -> list[Table]:
    """The figures' tables, in page order; each from the figures under its key."""
    o = own or {}
    since = format_date(stats.last_twelve_months(day).start)
    tables = {
        "status": (status_table, "open-status", _("Offene Fälle nach Status")),
        "months": (months_table, "months", _("Neu eröffnete und abgeschlossene Fälle je Monat")),
        "areas": (need_area_table, "need-areas", _("Offene Fälle nach Handlungsfeld")),
        "goals": (
            goals_table,
            "goals",
            _("Zielerreichung in den seit %(date)s abgeschlossenen Fällen", date=since),
        ),
        "closed": (
            closed_table,
            "closed",
            _("Dauer und Aufwand der seit %(date)s abgeschlossenen Fälle", date=since),
        ),
        "referrals": (
            referrals_table,
            "referrals",
            _("Vermittlungen je Stelle, gesendet seit %(date)s", date=since),
        ),
        "due": (partial(follow_up_table, day=day), "followups", _("Wiedervorlagen")),
    }
    return [
        build(Heading(f"{prefix}-{suffix}", title, anonymised), figures[key], o.get(key))
        for key, (build, suffix, title) in tables.items()
    ]


def team_sections(day) -> list[Section]:
    authority_id = current_user.authority_id
    team = stats.of_authority(
        authority_id, ("dashboard", day.isoformat()), lambda: _team_figures(authority_id, day)
    )
    own = team.value
    tables = _figure_tables("team", own, day=day)
    tables.insert(4, caseload_table(own["caseload"]))
    tables.append(documents_table(own["documents"]))
    sections = [
        Section(
            "team",
            _("Meine Behörde: %(name)s", name=current_user.authority.name),
            intro=" ".join(
                (
                    _(
                        "Fälle der eigenen Behörde. Fälle, die andere Behörden für Ihre "
                        "Behörde freigegeben haben, zählen bei der Behörde, die sie führt."
                    ),
                    as_of(team),
                )
            ),
            tables=tables,
            links=[
                (_("Zur Wiedervorlage des Teams"), url_for("followups.index", scope="team")),
                (_("Zum Steuerungsbericht"), url_for("report.index")),
            ],
        )
    ]
    if allowed("dashboard", REGION):
        # Computed in the background, never while a reader waits (see statistics).
        region = stats.across_authorities(
            ("dashboard", day.isoformat()), lambda: _team_figures(None, day), wait=False
        )
        intro = _(
            "Summen über alle Behörden der Region, ohne Bezug zu einzelnen Personen oder Behörden."
        )
        if region is None:
            sections.append(
                Section(
                    "region",
                    _("Alle Behörden (anonymisiert)"),
                    intro=" ".join(
                        (
                            intro,
                            _(
                                "Die Summen werden gerade berechnet; bitte laden Sie die "
                                "Seite in einer Minute neu."
                            ),
                        )
                    ),
                )
            )
        else:
            sections.append(
                Section(
                    "region",
                    _("Alle Behörden (anonymisiert)"),
                    intro=" ".join((intro, as_of(region))),
                    tables=_figure_tables("region", region.value, own, day=day, anonymised=True),
                    legend=str(LEGEND),
                )
            )
    return sections


class DashboardView(LotseIndexView):
    @expose("/")
    def index(self):
        day = stats.today()
        stats.prepare()
        sections: list[Section] = []
        if allowed("dashboard", TEAM):
            sections += team_sections(day)
        elif allowed("dashboard", VIEW):
            sections.append(my_desk(day))
        if allowed("structural_issue", VIEW):
            everyone = reads_every_authoritys_issues()
            counts = stats.structural_issues_by_area_and_status()
            sections.append(
                Section(
                    "issues",
                    _("Systemlücken"),
                    tables=[issues_table(counts, need_area_names(), everyone=everyone)],
                    links=[(_("Zu den Systemlücken"), url_for("structural_issue.index_view"))],
                )
            )
        has_charts = any(table.chart for section in sections for table in section.tables)
        return self.render(
            "lotse/dashboard.html",
            sections=sections,
            has_charts=has_charts,
            case_figures=allowed("dashboard", VIEW),
        )
