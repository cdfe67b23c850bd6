"""The exports of the lists: capped, audited, formula-safe, readable by German Excel.

``ExportMixin`` changes Flask-Admin's csv and xlsx exports of ``LotseModelView``
(admin_views/base.py):

- an export holds at most ``LOTSE_EXPORT_MAX_ROWS`` rows; a longer list is refused with a
  message asking for filters (``ExportTooLarge``), counted only up to that cap;
- every export is recorded in the audit trail with its filters and whether a search
  narrowed it, never the search term (docs/design.md §9);
- a cell that a spreadsheet program would read as a formula is quoted (``escape_formula``);
- the csv uses semicolons and a byte-order mark; file names carry no personal data.

Who may export is the role table's ``export`` operation (admin_views/permissions.py). The
mixin stands before Flask-Admin's ``ModelView`` in a view's bases, so that its ``super()``
calls reach Flask-Admin.
"""

import csv
import io
from datetime import datetime

from flask import Response, current_app, flash, g, redirect, request, stream_with_context
from flask_admin import expose
from flask_babel import gettext as _
from werkzeug.utils import secure_filename

from models import db
from models.auditing import record

from .lists import CappedCount

# A cell starting with one of these is a formula in spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class ExportTooLarge(Exception):
    def __init__(self, count: int):
        super().__init__(count)
        self.count = count


def escape_formula(value):
    """``value``, quoted if a spreadsheet program would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def commit_keeping_loaded() -> None:
    """Commit (an audit row, say) without expiring the loaded rows, which the page renders."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


class ExportMixin:
    """The capped, audited, formula-safe exports; see the module docstring."""

    @property
    def export_max_rows(self) -> int:
        return current_app.config["LOTSE_EXPORT_MAX_ROWS"]

    def get_export_value(self, model, name):
        return escape_formula(super().get_export_value(model, name))

    def get_export_name(self, export_type="csv"):
        # The endpoint and a timestamp: no personal data in file names.
        return f"lotse_{self.endpoint}_{datetime.now():%Y-%m-%d_%H-%M}.{export_type}"

    def _export_data(self):
        # Counted up to the export's own cap: a capped count means "more than the cap".
        g.lotse_count_limit = self.export_max_rows
        try:
            count, data = super()._export_data()
        finally:
            g.pop("lotse_count_limit", None)
        if count is not None and (isinstance(count, CappedCount) or count > self.export_max_rows):
            raise ExportTooLarge(count)
        # The filters, and whether a search narrowed the rows: never the search term.
        filters = {k: v for k, v in request.args.items() if k.startswith("flt")}
        details = {"rows": len(data), "filters": filters}
        if self.search_term:
            details["search"] = True
        record("export", self.endpoint, None, details)
        commit_keeping_loaded()  # the audit row now; the loaded rows stay for the download
        return count, data

    @expose("/export/<export_type>/")
    def export(self, export_type):
        try:
            return super().export(export_type)
        except ExportTooLarge as too_large:
            flash(
                _(
                    "Der Export ist auf %(cap)s Zeilen begrenzt, die Liste hat %(count)s. "
                    "Bitte schränken Sie sie mit Filtern ein.",
                    cap=self.export_max_rows,
                    count=too_large.count,
                ),
                "error",
            )
            return redirect(self.get_url(".index_view", **request.args))

    def _export_csv(self, return_url):
        """Semicolons and a byte-order mark, as German Excel expects."""
        count, data = self._export_data()
        columns = self._export_columns

        def rows():
            buffer = io.StringIO()
            writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
            yield "\ufeff"
            writer.writerow([str(label) for _name, label in columns])
            for row in data:
                writer.writerow([self.get_export_value(row, name) for name, _label in columns])
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
            yield buffer.getvalue()

        filename = self.get_export_name(export_type="csv")
        return Response(
            stream_with_context(rows()),
            headers={"Content-Disposition": f"attachment;filename={secure_filename(filename)}"},
            mimetype="text/csv; charset=utf-8",
        )
