"""Figures as tables: one model for the dashboard, the report page, its charts and its xlsx.

A ``Table`` holds rows of ``Cell``s (``services.statistics``) or plain text. The templates
render it as an HTML table, which is also the accessible alternative of its chart (BITV
2.0); ``chart`` holds the same numbers for Chart.js, handed over in a
``<script type="application/json">`` block so the CSP needs no inline script. Tables across
authorities carry no chart: a withheld cell has no bar. The rows and columns both pages
build alike (a need area's label, a referral's outcomes and acceptance rate) live here too.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import tablib
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from services.statistics import DIFFERENCE, Cell, exact, protect

from .exports import escape_formula
from .i18n import format_decimal1, format_number, format_percent

TEXT, COUNT, SHARE, DAYS, HOURS = "text", "count", "share", "days", "hours"
COMPLEMENT = "complement"  # withheld so that a withheld neighbour cannot be worked out
SMALL_MARK = "< 5"
BLOCKED_MARK = "×"

LEGEND = _l(
    "„< 5“: weniger als fünf Fälle, Werte oder Ziele; die genaue Zahl wird nicht gezeigt. "
    "„×“: zurückgehalten, weil sich sonst eine kleine Zahl zurückrechnen ließe, etwa die "
    "einer einzelnen Behörde aus der Differenz zur eigenen Zahl."
)


@dataclass
class Column:
    label: str
    kind: str = COUNT


@dataclass
class Row:
    label: str
    cells: list
    total: bool = False


@dataclass
class Table:
    id: str
    title: str
    label_header: str
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    chart: dict | None = None
    note: str = ""
    empty: str = ""
    anonymised: bool = False

    def display(self, row: Row, index: int) -> str:
        return display(row.cells[index], self.columns[index].kind)

    def sheet_value(self, row: Row, index: int):
        return sheet_value(row.cells[index], self.columns[index].kind)

    def count(self, n: int, own: int = 0) -> Cell:
        """A count as this table shows it: protected against the reader's own figure
        ``own`` across authorities, exact otherwise."""
        return protect(n, own) if self.anonymised else exact(n)

    @property
    def has_withheld(self) -> bool:
        return any(
            isinstance(cell, Cell) and cell.withheld for row in self.rows for cell in row.cells
        )


@dataclass(frozen=True)
class Heading:
    """Where a table stands on its page: its id, its title, and whether it shows totals
    across authorities (anonymised)."""

    id: str
    title: str
    anonymised: bool = False

    def table(self, label_header: str, columns: list[Column], **options) -> Table:
        return Table(
            self.id, self.title, label_header, columns, anonymised=self.anonymised, **options
        )


def display(cell, kind: str) -> str:
    """A cell as the page shows it, with the separators of the reader's language."""
    if not isinstance(cell, Cell):
        return "" if cell is None else str(cell)
    if cell.withheld:
        return BLOCKED_MARK if cell.withheld in (DIFFERENCE, COMPLEMENT) else SMALL_MARK
    if cell.value is None:
        return "–"
    if kind == SHARE:
        return format_percent(cell.value)
    if kind in (DAYS, HOURS):
        return format_decimal1(cell.value)
    return format_number(cell.value)


def sheet_value(cell, kind: str):
    """A cell as the xlsx holds it: numbers stay numbers, shares in per cent."""
    if not isinstance(cell, Cell):
        return escape_formula("" if cell is None else str(cell))
    if cell.withheld:
        return display(cell, kind)
    if cell.value is None:
        return ""
    if kind == SHARE:
        return round(cell.value * 100, 1)
    if kind in (DAYS, HOURS):
        return round(float(cell.value), 1)
    return int(cell.value)


# -- protecting groups of cells -------------------------------------------------------------


def protect_parts(parts: dict, own_parts: dict | None, total: Cell | None = None) -> dict:
    """Protect the counts ``parts`` (key → total across authorities) of one group.

    Each part is protected on its own (``protect``). If the group's total is shown
    elsewhere and exactly one part is withheld, it could be worked out by subtraction, so
    the smallest shown part is withheld as well.
    """
    own_parts = own_parts or {}
    cells = {key: protect(n, own_parts.get(key, 0)) for key, n in parts.items()}
    withheld = [key for key, cell in cells.items() if cell.withheld]
    if total is not None and total.shown and len(withheld) == 1:
        shown = [key for key, cell in cells.items() if cell.shown]
        if shown:
            smallest = min(shown, key=lambda key: cells[key].value)
            cells[smallest] = Cell(None, COMPLEMENT)
    return cells


def share(part: Cell, whole: int | None, *, group_withheld: bool = False) -> Cell:
    """``part`` as a share of ``whole``; withheld with its part, or with its group."""
    if not whole:
        return Cell(None)
    if part.withheld or group_withheld:
        return Cell(None, part.withheld or COMPLEMENT)
    return Cell(part.value / whole)


# -- rows and columns that the dashboard and the report share ---------------------------------

NO_NEED_AREA = _l("ohne Handlungsfeld")


def area_label(names: dict, area_id) -> str:
    """The name of a need area for a row label; "ohne Handlungsfeld" for none or unknown."""
    return names.get(area_id, str(NO_NEED_AREA)) if area_id is not None else str(NO_NEED_AREA)


REFERRAL_COLUMNS = (
    ("accepted", _l("Angenommen")),
    ("rejected", _l("Abgelehnt")),
    ("pending", _l("Ohne Antwort")),
    ("withdrawn", _l("Zurückgezogen")),
)


def referral_parts(outcome) -> dict:
    return {
        "accepted": outcome.accepted,
        "rejected": outcome.rejected,
        "pending": outcome.counts.get("sent", 0),
        "withdrawn": outcome.counts.get("withdrawn", 0),
    }


def referral_cells(outcome, own_outcome, *, anonymised: bool) -> list[Cell]:
    """Sent, the four outcomes and the acceptance rate of one agency (and need area)."""
    parts = referral_parts(outcome)
    if anonymised:
        own_parts = referral_parts(own_outcome) if own_outcome else {}
        sent = protect(outcome.sent, own_outcome.sent if own_outcome else 0)
        cells = protect_parts(parts, own_parts, total=sent)
    else:
        sent = exact(outcome.sent)
        cells = {key: exact(n) for key, n in parts.items()}
    answered = parts["accepted"] + parts["rejected"]
    accepted, rejected = cells["accepted"], cells["rejected"]
    if accepted.withheld or rejected.withheld:
        rate = Cell(None, accepted.withheld or rejected.withheld)
    else:
        rate = Cell(parts["accepted"] / answered) if answered else Cell(None)
    return [sent, *(cells[key] for key, _label in REFERRAL_COLUMNS), rate]


def referral_columns() -> list[Column]:
    return [
        Column(_("Vermittelt")),
        *(Column(str(label)) for _key, label in REFERRAL_COLUMNS),
        Column(_("Annahmequote"), SHARE),
    ]


# -- charts ---------------------------------------------------------------------------------


def _numbers(cells) -> list:
    return [cell.value if isinstance(cell, Cell) else cell for cell in cells]


def chart(kind: str, labels, datasets, *, horizontal=False, stacked=False, percent=False):
    """What charts.js needs to draw a Chart.js chart: plain labels and numbers."""
    return {
        "type": kind,
        "labels": [str(label) for label in labels],
        "datasets": [{"label": str(label), "data": _numbers(values)} for label, values in datasets],
        "horizontal": horizontal,
        "stacked": stacked,
        "percent": percent,
    }


def chart_from_table(table: Table, kind="bar", columns=None, **options) -> dict | None:
    """A chart of ``columns`` (indexes; default all) over the table's non-total rows."""
    rows = [row for row in table.rows if not row.total]
    if not rows or table.anonymised:
        return None
    indexes = range(len(table.columns)) if columns is None else columns
    return chart(
        kind,
        [row.label for row in rows],
        [(table.columns[i].label, [row.cells[i] for row in rows]) for i in indexes],
        **options,
    )


# -- xlsx -----------------------------------------------------------------------------------

_SHEET_TITLE = re.compile(r"[\[\]:*?/\\]")


def workbook(sheets: list[Table], cover: list[tuple[str, str]]) -> bytes:
    """The tables as an xlsx workbook: a cover sheet with the filters, one sheet each."""
    book = tablib.Databook()
    first = tablib.Dataset(title=str(_l("Bericht")))
    first.headers = [str(_l("Angabe")), str(_l("Wert"))]
    for label, value in cover:
        first.append([escape_formula(str(label)), escape_formula(str(value))])
    book.add_sheet(first)
    used = {first.title}
    for table in sheets:
        title = _SHEET_TITLE.sub(" ", str(table.title))[:31].strip()
        number = 2
        while title in used:
            suffix = f" {number}"
            title = title[: 31 - len(suffix)] + suffix
            number += 1
        used.add(title)
        data = tablib.Dataset(title=title)
        data.headers = [str(table.label_header), *(str(c.label) for c in table.columns)]
        for row in table.rows:
            data.append(
                [
                    escape_formula(row.label),
                    *(table.sheet_value(row, i) for i in range(len(table.columns))),
                ]
            )
        book.add_sheet(data)
    buffer = io.BytesIO()
    buffer.write(book.export("xlsx"))
    return buffer.getvalue()
