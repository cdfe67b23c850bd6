"""When the database cannot be reached: a German 503 page, nothing half-written.

A request whose database goes away (the server stopped or restarted, a statement cancelled,
an SQLite file on a disk that turned read-only) ends in one of the errors below. The
request's transaction is rolled back, so what it wrote is gone with it (the audit rows are
written in the same transaction, ``models/auditing.py``); the exception is logged; the user
gets the error page with status 503 and ``Retry-After``, never the exception's text. A login
or a page behind the login fails closed: the user is looked up in the database, so without
it nobody is logged in and nothing is shown.

The next request works again as soon as the database is back, without a restart: the pool
drops the connections of a server that went away (``pool_pre_ping`` in ``config.py``, and
SQLAlchemy invalidates the whole pool on a disconnect).
"""

from flask import current_app, g, render_template, request
from flask_babel import gettext as _
from sqlalchemy import exc as sa_exc

from models import db

try:  # PostgreSQL's driver, raised directly when it is used outside SQLAlchemy
    from psycopg import OperationalError as PsycopgOperationalError
except ImportError:  # pragma: no cover - psycopg is a dependency
    PsycopgOperationalError = sa_exc.OperationalError

RETRY_AFTER_SECONDS = 30

# Errors that say "the database is not there (for this statement)", not "the request is
# wrong": connection refused or lost, statement cancelled, disk read-only, pool exhausted.
UNAVAILABLE = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,
    PsycopgOperationalError,
)


def database_unavailable(error: BaseException) -> bool:
    if isinstance(error, UNAVAILABLE):
        return True
    return isinstance(error, sa_exc.DBAPIError) and bool(error.connection_invalidated)


def unavailable_message() -> str:
    return _(
        "Die Datenbank ist gerade nicht erreichbar. Bitte versuchen Sie es in einigen "
        "Minuten erneut und prüfen Sie dann, ob Ihre letzte Änderung gespeichert wurde."
    )


def busy_message() -> str:
    return _(
        "Die Datenbank ist gerade ausgelastet. Es wurde nichts gespeichert. Bitte versuchen "
        "Sie es in einem Moment erneut."
    )


def lock_wait_ran_out(error: BaseException) -> bool:
    """The statement waited for another request's lock until the database gave up (SQLite's
    busy timeout, PostgreSQL's ``lock_timeout``): the database is there, and the request's
    transaction never committed, so nothing of it was saved."""
    original = getattr(error, "orig", error)
    if getattr(original, "sqlstate", None) == "55P03":  # lock_not_available
        return True
    return type(original).__module__.startswith("sqlite3") and "locked" in str(original)


def _no_more_lookups() -> None:
    """Render the page from what is already loaded. Who is logged in and their language
    would be asked of the database, which is what just failed: a user not yet loaded counts
    as anonymous for this page (fail closed), the language is theirs if known."""
    user = g.get("_login_user")
    if user is None:
        g._login_user = current_app.login_manager.anonymous_user()
    if "lotse_locale" not in g:
        loaded = getattr(user, "__dict__", {})  # loaded attributes only, never a query
        g.lotse_locale = loaded.get("locale") or current_app.config["LOTSE_DEFAULT_LOCALE"]


def rollback_quietly() -> None:
    """Roll the request's transaction back; on a dead connection that fails too, and the
    pool discards the connection."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the first error is the one that matters
        current_app.logger.warning("rollback after a database error failed", exc_info=True)


def _database_error(error):
    _no_more_lookups()
    rollback_quietly()
    if not database_unavailable(error):
        # Another database error (a bug, not an outage): the generic 500 page.
        current_app.logger.error(
            "database error in %s %s", request.method, request.path, exc_info=error
        )
        message = _("Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es später erneut.")
        return render_template("error.html", code=500, message=message), 500
    current_app.logger.error(
        "database unavailable in %s %s: %s",
        request.method,
        request.path,
        type(error).__name__,
        exc_info=error,
    )
    message = busy_message() if lock_wait_ran_out(error) else unavailable_message()
    page = render_template("error.html", code=503, message=message)
    return page, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def init_outage(app) -> None:
    for error_class in (sa_exc.DBAPIError, sa_exc.TimeoutError, PsycopgOperationalError):
        app.register_error_handler(error_class, _database_error)
