"""Steuerungsbericht: the steering report at ``/admin/report/``, printable, and as xlsx.

What the cases closed in a period say, per need area: how many, how well their goals were
reached, the effort, how they ended, how the agencies answered referrals, which structural
issues they revealed, and the lessons of their evaluations. Filters: ``from`` and ``to``
(ISO dates of the closure), ``need_area`` (a need area's code) and, for readers of the
totals across authorities, ``authority`` (the own authority's code, or ``all``).
``/admin/report/xlsx/`` downloads the same tables with the same filters.

Own figures are exact. Totals across authorities are read in ``statistics.anonymised()``
and protected cell by cell; lessons are read for the own authority only, since they are
text, not aggregates, and are redacted (``statistics.redact``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import Response, abort, request
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.utils import secure_filename

from models import FINAL_GOAL_STATUSES, NeedArea, db
from models.auditing import record
from models.choices import GOAL_STATUS, ISSUE_STATUS, OUTCOME
from services import statistics as stats
from services.statistics import ALL, Cell, exact, protect, protect_median

from .base import EXPORT, REGION, ProtectedMixin, allowed, deny
from .dates import date_error, parse_date
from .figures import (
    COMPLEMENT,
    DAYS,
    HOURS,
    LEGEND,
    SHARE,
    TEXT,
    Column,
    Row,
    Table,
    area_label,
    chart,
    protect_parts,
    referral_cells,
    referral_columns,
    share,
    workbook,
)
from .i18n import format_date, format_datetime

ALL_AUTHORITIES = "all"
ALL_AREAS = _l("Alle Handlungsfelder")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Filters:
    period: stats.Period
    need_area: tuple[int, str, str] | None = None  # id, code, name
    region: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def need_area_id(self) -> int | None:
        return self.need_area[0] if self.need_area else None

    def args(self) -> dict:
        """The filters as URL arguments, for the xlsx link and the form."""
        args = {"from": self.period.start.isoformat(), "to": self.period.end.isoformat()}
        if self.need_area:
            args["need_area"] = self.need_area[1]
        if self.region:
            args["authority"] = ALL_AUTHORITIES
        return args


def _date(value: str | None, label: str, errors: list[str]) -> date | None:
    if not value:
        return None
    try:
        return parse_date(value)  # TT.MM.JJJJ or ISO in German, ISO in English
    except ValueError:
        errors.append(date_error(label))
        return None


def parse_filters(args, areas: list[tuple[int, str, str]], day: date) -> Filters:
    errors: list[str] = []
    default = stats.last_twelve_months(day)
    start = _date(args.get("from"), _("Von"), errors) or default.start
    end = _date(args.get("to"), _("Bis"), errors) or default.end
    if start > end:
        errors.append(
            _("Das Startdatum liegt nach dem Enddatum; gezeigt werden die letzten 12 Monate.")
        )
        start, end = default.start, default.end
    filters = Filters(stats.Period(start, end), errors=errors)
    code = args.get("need_area")
    if code:
        filters.need_area = next((a for a in areas if a[1] == code), None)
        if filters.need_area is None:
            errors.append(_("Unbekanntes Handlungsfeld; gezeigt werden alle."))
    authority = args.get("authority")
    if authority == ALL_AUTHORITIES:
        if allowed("report", REGION):
            filters.region = True
        else:
            errors.append(_("Summen über alle Behörden sind für Ihre Rolle nicht verfügbar."))
    elif authority and authority != current_user.authority.code:
        errors.append(_("Sie sehen nur die Zahlen Ihrer eigenen Behörde."))
    return filters


@dataclass
class Report:
    filters: Filters
    tables: list[Table]
    lessons: stats.Lessons
    issues: list[stats.IssueLine] | None  # own authority only
    issue_table: Table | None  # counts, across authorities
    generated: datetime


# -- the tables -----------------------------------------------------------------------------


def _area_order(names: dict, keys) -> list:
    order = {area_id: position for position, area_id in enumerate(names)}
    return sorted(set(keys), key=lambda a: (a is None, order.get(a, len(order))))


def _goal_parts(goals: dict, area) -> dict:
    return {status: goals.get((area, status), 0) for status in FINAL_GOAL_STATUSES}


def _goal_totals(goals: dict) -> dict:
    """Goals over all need areas: a sum of the few grouped rows, not of data rows."""
    totals = dict.fromkeys(FINAL_GOAL_STATUSES, 0)
    for (_area, status), n in goals.items():
        totals[status] += n
    return totals


def areas_table(names, figures, goals, own=None, own_goals=None, *, filtered, anonymised):
    table = Table(
        "report-areas",
        _("Abgeschlossene Fälle und Zielerreichung je Handlungsfeld"),
        _("Handlungsfeld"),
        [
            Column(_("Abgeschlossene Fälle")),
            Column(_("Bewertete Ziele")),
            *(Column(GOAL_STATUS.label(s), SHARE) for s in FINAL_GOAL_STATUSES),
            Column(_("Median Aufwand in Stunden"), HOURS),
            Column(_("Median Tage vom Erstgespräch bis zum Abschluss"), DAYS),
        ],
        anonymised=anonymised,
        empty=_("Im Zeitraum wurden keine Fälle abgeschlossen."),
        note=_(
            "Ein Fall mit mehreren Handlungsfeldern zählt in jedem davon; ein Ziel zählt in "
            "seinem eigenen Handlungsfeld. Anteile: unter den Zielen mit abschließendem Status."
        ),
    )
    keys = [k for k in figures.closed if k != ALL] + [area for area, _s in goals]
    withheld_goal_total = False

    def cells_for(closed, parts, own_closed, own_parts, days, effort):
        nonlocal withheld_goal_total
        goal_total = sum(parts.values())
        if anonymised:
            goal_cell = protect(goal_total, sum(own_parts.values()))
            part_cells = protect_parts(parts, own_parts, total=goal_cell)
            closed_cell = protect(closed, own_closed)
            medians = [protect_median(*effort), protect_median(*days)]
            withheld_goal_total |= bool(goal_cell.withheld)
        else:
            goal_cell = exact(goal_total)
            part_cells = {s: exact(n) for s, n in parts.items()}
            closed_cell = exact(closed)
            medians = [Cell(effort[0]), Cell(days[0])]
        group_withheld = any(c.withheld for c in part_cells.values())
        shares = [
            share(part_cells[s], goal_total, group_withheld=group_withheld)
            for s in FINAL_GOAL_STATUSES
        ]
        return [closed_cell, goal_cell, *shares, *medians]

    own = own or stats.ClosedCaseFigures()
    own_goals = own_goals or {}
    for area in _area_order(names, keys):
        cells = cells_for(
            figures.closed.get(area, 0),
            _goal_parts(goals, area),
            own.closed.get(area, 0),
            _goal_parts(own_goals, area),
            figures.days.get(area, (None, 0)),
            figures.effort.get(area, (None, 0)),
        )
        table.rows.append(Row(area_label(names, area), cells))
    if table.rows and not filtered:
        cells = cells_for(
            figures.closed.get(ALL, 0),
            _goal_totals(goals),
            own.closed.get(ALL, 0),
            _goal_totals(own_goals),
            figures.days.get(ALL, (None, 0)),
            figures.effort.get(ALL, (None, 0)),
        )
        if withheld_goal_total and cells[1].shown:
            cells[1] = Cell(None, COMPLEMENT)  # else a withheld area could be subtracted out
        table.rows.append(Row(str(ALL_AREAS), cells, total=True))
    rows = [row for row in table.rows if not row.total]
    if rows and not anonymised:
        table.chart = chart(
            "bar",
            [row.label for row in rows],
            [
                (GOAL_STATUS.label(s), [row.cells[2 + i] for row in rows])
                for i, s in enumerate(FINAL_GOAL_STATUSES)
            ],
            horizontal=True,
            stacked=True,
            percent=True,
        )
    return table


def closure_table(names, closures, area_closed, own=None, *, anonymised):
    table = Table(
        "report-closure",
        _("Abschlussgründe je Handlungsfeld"),
        _("Handlungsfeld"),
        [
            Column(_("Abschlussgrund"), TEXT),
            Column(_("Ergebnis"), TEXT),
            Column(_("Fälle")),
            Column(_("Anteil"), SHARE),
        ],
        anonymised=anonymised,
        empty=_("Im Zeitraum wurden keine Fälle abgeschlossen."),
    )
    own_counts = {(c.need_area_id, c.closure_reason_id): c.n for c in own or ()}
    by_area: dict = {}
    for closure in closures:
        by_area.setdefault(closure.need_area_id, []).append(closure)
    for area in _area_order(names, by_area):
        group = by_area[area]
        parts = {c.closure_reason_id: c.n for c in group}
        whole = sum(parts.values())
        if anonymised:
            own_parts = {key: own_counts.get((area, key), 0) for key in parts}
            cells = protect_parts(parts, own_parts, total=area_closed.get(area))
        else:
            cells = {key: exact(n) for key, n in parts.items()}
        group_withheld = any(cell.withheld for cell in cells.values())
        for closure in group:
            cell = cells[closure.closure_reason_id]
            table.rows.append(
                Row(
                    area_label(names, area),
                    [
                        closure.name or _("ohne Abschlussgrund"),
                        OUTCOME.label(closure.outcome),
                        cell,
                        share(cell, whole, group_withheld=group_withheld),
                    ],
                )
            )
    return table


def referral_table(names, outcomes, own=None, *, anonymised):
    own_by_key = {(o.need_area_id, o.agency_id): o for o in own or ()}
    table = Table(
        "report-referrals",
        _("Vermittlungen je Handlungsfeld und Stelle"),
        _("Handlungsfeld"),
        [Column(_("Stelle"), TEXT), *referral_columns()],
        anonymised=anonymised,
        empty=_("Die abgeschlossenen Fälle hatten keine gesendeten Vermittlungen."),
        note=_(
            "Vermittlungen der im Zeitraum abgeschlossenen Fälle, im Handlungsfeld der "
            "Vermittlung. Angenommen: angenommen, in Bearbeitung oder abgeschlossen."
        ),
    )
    order = {
        area: i for i, area in enumerate(_area_order(names, [o.need_area_id for o in outcomes]))
    }
    for outcome in sorted(outcomes, key=lambda o: (order[o.need_area_id], -o.sent, o.name)):
        own_outcome = own_by_key.get((outcome.need_area_id, outcome.agency_id))
        cells = referral_cells(outcome, own_outcome, anonymised=anonymised)
        table.rows.append(Row(area_label(names, outcome.need_area_id), [outcome.name, *cells]))
    return table


def issue_count_table(names, counts, own):
    statuses = list(ISSUE_STATUS.values)
    table = Table(
        "report-issues",
        _("Systemlücken aus den abgeschlossenen Fällen"),
        _("Handlungsfeld"),
        [Column(ISSUE_STATUS.label(s)) for s in statuses],
        anonymised=True,
        empty=_("Keine Systemlücken aus den abgeschlossenen Fällen."),
    )
    for area in _area_order(names, [area for area, _s in counts]):
        table.rows.append(
            Row(
                area_label(names, area),
                [protect(counts.get((area, s), 0), own.get((area, s), 0)) for s in statuses],
            )
        )
    return table


def issue_list_table(names, issues) -> Table:
    table = Table(
        "report-issues",
        _("Systemlücken aus den abgeschlossenen Fällen"),
        _("Handlungsfeld"),
        [Column(_("Systemlücke"), TEXT), Column(_("Status"), TEXT)],
        empty=_("Keine Systemlücken aus den abgeschlossenen Fällen."),
    )
    order = {area: i for i, area in enumerate(_area_order(names, [i.need_area_id for i in issues]))}
    for issue in sorted(issues, key=lambda i: (order[i.need_area_id], i.title)):
        table.rows.append(
            Row(
                area_label(names, issue.need_area_id),
                [issue.title, ISSUE_STATUS.label(issue.status)],
            )
        )
    return table


def lessons_table(lessons: stats.Lessons) -> Table:
    return Table(
        "report-lessons",
        _("Erkenntnisse aus den Abschlussbewertungen"),
        _("Erkenntnis"),
        [],
        rows=[Row(text, []) for text in lessons.texts],
        empty=_("Keine Erkenntnisse festgehalten."),
    )


# -- building the report --------------------------------------------------------------------


def _figures(authority_id, filters: Filters, *, issue_list: bool):
    period, area = filters.period, filters.need_area_id
    closed, closure = stats.closed_case_report(authority_id, period, need_area_id=area)
    figures = {
        "closed": closed,
        "goals": stats.goal_attainment(authority_id, period, by_need_area=True, need_area_id=area),
        "closure": closure,
        "referrals": stats.referral_outcomes(
            authority_id, closed_in=period, by_need_area=True, need_area_id=area
        ),
    }
    if issue_list:
        figures["issues"] = stats.linked_issues(authority_id, period, need_area_id=area)
    else:
        figures["issue_counts"] = stats.linked_issue_counts(authority_id, period, need_area_id=area)
    return figures


def build_report(filters: Filters, names: dict) -> Report:
    authority_id = current_user.authority_id
    filtered = filters.need_area is not None
    period = filters.period
    key = ("report", period.start.isoformat(), period.end.isoformat(), filters.need_area_id)
    if filters.region:
        own = stats.of_authority(
            authority_id,
            (*key, "counts"),
            lambda: _figures(authority_id, filters, issue_list=False),
        ).value
        cached = stats.across_authorities(key, lambda: _figures(None, filters, issue_list=False))
    else:
        own = None
        cached = stats.of_authority(
            authority_id, (*key, "list"), lambda: _figures(authority_id, filters, issue_list=True)
        )
    shown = cached.value
    anonymised = filters.region
    o = own or {}
    areas = areas_table(
        names,
        shown["closed"],
        shown["goals"],
        o.get("closed"),
        o.get("goals"),
        filtered=filtered,
        anonymised=anonymised,
    )
    area_closed = {
        area: (protect(n, o["closed"].closed.get(area, 0)) if anonymised else exact(n))
        for area, n in shown["closed"].closed.items()
    }
    tables = [
        areas,
        closure_table(
            names, shown["closure"], area_closed, o.get("closure"), anonymised=anonymised
        ),
        referral_table(names, shown["referrals"], o.get("referrals"), anonymised=anonymised),
    ]
    if anonymised:
        issue_table = issue_count_table(names, shown["issue_counts"], own["issue_counts"])
        issues = None
    else:
        issues = shown["issues"]
        issue_table = issue_list_table(names, issues)
    tables.append(issue_table)
    lessons = stats.of_authority(
        authority_id,
        (*key, "lessons"),
        lambda: stats.lessons(authority_id, period, need_area_id=filters.need_area_id),
    ).value
    return Report(filters, tables, lessons, issues, issue_table, cached.computed_at)


class ReportView(ProtectedMixin, BaseView):
    resource = "report"

    def _prepare(self):
        stats.prepare()
        areas = db.session.execute(
            select(NeedArea.id, NeedArea.code, NeedArea.name).order_by(
                NeedArea.position, NeedArea.name
            )
        ).all()
        filters = parse_filters(request.args, [tuple(a) for a in areas], stats.today())
        names = {area_id: name for area_id, _code, name in areas}
        return areas, filters, build_report(filters, names)

    def _cover(self, report: Report) -> list[tuple[str, str]]:
        filters = report.filters
        return [
            (_("Bericht"), _("Steuerungsbericht")),
            (_("Abgeschlossen von"), format_date(filters.period.start)),
            (_("Abgeschlossen bis"), format_date(filters.period.end)),
            (_("Handlungsfeld"), filters.need_area[2] if filters.need_area else str(ALL_AREAS)),
            (_("Behörde"), self._authority_label(filters)),
            (_("Erstellt am"), format_datetime(report.generated)),
            (_("Zeichen"), str(LEGEND)),
            (
                _("Erkenntnisse"),
                _("Nur aus der eigenen Behörde, ohne Fallbezug und geschwärzt."),
            ),
        ]

    @staticmethod
    def _authority_label(filters: Filters) -> str:
        if filters.region:
            return _("Alle Behörden (anonymisiert)")
        return current_user.authority.name

    @expose("/")
    def index(self):
        areas, filters, report = self._prepare()
        return self.render(
            "lotse/report.html",
            report=report,
            filters=filters,
            areas=areas,
            authority_label=self._authority_label(filters),
            may_choose_region=allowed("report", REGION),
            may_export=allowed("report", EXPORT),
            own_authority=current_user.authority,
            legend=str(LEGEND),
        )

    @expose("/xlsx/")
    def xlsx(self):
        if not allowed("report", EXPORT):
            deny("report", None, 403)
        _areas, filters, report = self._prepare()
        if filters.errors:
            abort(400)
        sheets = [*report.tables, lessons_table(report.lessons)]
        content = workbook(sheets, self._cover(report))
        record("export", "report", None, {"filters": filters.args(), "format": "xlsx"})
        db.session.commit()
        period = filters.period
        name = secure_filename(f"lotse_steuerungsbericht_{period.start}_{period.end}.xlsx")
        return Response(
            content,
            mimetype=XLSX_MIMETYPE,
            headers={"Content-Disposition": f"attachment; filename={name}"},
        )
