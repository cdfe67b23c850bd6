"""Diagnostics for benchmarks: how many SQL statements a request executed.

With ``LOTSE_STATEMENT_COUNT_HEADER`` on (environment ``LOTSE_STATEMENT_COUNT_HEADER=1``;
off by default), every response carries ``X-Lotse-Statements``: the number of statements
sent to the database while the request was handled, up to the response (a streamed body,
such as a CSV export, may run more afterwards). ``bench/lists.py`` reads it.

The count comes from SQLAlchemy's ``before_cursor_execute`` event on the app's engine and
is kept per request in ``flask.g``.
"""

from flask import g, has_request_context
from sqlalchemy import event

from models import db

HEADER = "X-Lotse-Statements"


def _count_statement(conn, cursor, statement, parameters, context, executemany) -> None:
    if has_request_context():
        g.lotse_statements = g.get("lotse_statements", 0) + 1


def _start_count() -> None:
    g.lotse_statements = 0


def _add_header(response):
    response.headers[HEADER] = str(g.get("lotse_statements", 0))
    return response


def init_diagnostics(app) -> None:
    """Count statements per request when the flag is on; do nothing otherwise.

    Called right after ``db.init_app``, so that the count starts before any other
    ``before_request`` function and ends after every other ``after_request`` function.
    """
    if not app.config.get("LOTSE_STATEMENT_COUNT_HEADER"):
        return
    with app.app_context():
        engine = db.engine
    if not event.contains(engine, "before_cursor_execute", _count_statement):
        event.listen(engine, "before_cursor_execute", _count_statement)
    app.before_request(_start_count)
    app.after_request(_add_header)
