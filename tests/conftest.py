"""Fixtures: one schema per test run, a clean database per test, a client per role.

The suite runs on SQLite by default. ``LOTSE_TEST_DATABASE_URL`` (set by ``make test``
from ``TEST_DATABASE_URL``, or in CI) runs it on PostgreSQL instead; then a database that
cannot be reached fails the run instead of skipping it.
"""

import os
import re
import tempfile
from contextlib import contextmanager

import pyotp
import pytest
from alembic import command
from sqlalchemy import create_engine, event, func, text, update

from app import create_app
from models import User, db
from models.scoping import unscoped
from services.migrate import MIGRATIONS_DIR
from tests import factories

PASSWORD = factories.PASSWORD


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("LOTSE_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'lotse-test.db'}"


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    if url.startswith("postgresql"):
        _reset_postgres(url)  # raises, and so fails the run, if PostgreSQL is unreachable
    return url


_apps = []
# The documents' files of every test app of this run (the live server's too).
DOCUMENT_DIR = tempfile.mkdtemp(prefix="lotse-test-documents-")


def make_app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "LOTSE_ENV": "development",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,  # tests log in many times from one address
        # argon2id all the same, with a cheaper setting than production's 64 MiB, t=3
        "LOTSE_ARGON2_TIME_COST": 1,
        "LOTSE_ARGON2_MEMORY_KIB": 8192,
        "SERVER_NAME": "lotse.test",
        # The second factor as in production (the world's users are enrolled, factories.py).
        "LOTSE_2FA_REQUIRED": True,
        "LOTSE_2FA_GRACE_DAYS": 14,
        "LOTSE_2FA_GRACE_FROM": None,
        "LOTSE_DOCUMENT_DIR": DOCUMENT_DIR,
    }
    config.update(overrides)
    created = create_app(config)
    _apps.append(created)
    return created


@pytest.fixture(scope="session", autouse=True)
def _dispose_engines():
    """Close pooled connections at the end, so no connection is left to the collector."""
    yield
    for created in _apps:
        with created.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    os.environ.setdefault("LOTSE_ENV", "development")
    app = make_app(database_url)
    with app.app_context():
        migrate_config = app.extensions["migrate"].migrate.get_config(MIGRATIONS_DIR)
        command.upgrade(migrate_config, "head")
    return app


def clean_database(app) -> None:
    """Empty every table, on SQLite and PostgreSQL alike."""
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                quoted = ", ".join(f'"{name}"' for name in tables)
                # The audit trail is append-only; only the purge setting lets tests empty it.
                conn.execute(text("SET LOCAL lotse.audit_purge = 'on'"))
                conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
            else:
                for name in tables:
                    conn.execute(text(f'DELETE FROM "{name}"'))  # noqa: S608 (table names from metadata)


@pytest.fixture(autouse=True)
def _clean_database(request, app):
    """Every test starts from empty tables."""
    yield
    clean_database(app)


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def system(app_ctx):
    """An explicit, named bypass of the authority rule for arranging test data."""
    with unscoped("test arrangement"):
        yield db.session


@pytest.fixture
def world(app):
    """Two authorities with reference data and one user per role in the first."""
    with app.app_context(), unscoped("test arrangement"):
        data = factories.build_world()
        db.session.commit()
        ids = factories.World.ids(data)
    return ids


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def totp_code(app, email) -> str:
    """The current code of the test users' authenticator, usable by ``email`` right now.

    The tests log one user in many times within one 30-second step, which a person's
    authenticator never does: the user's last used step is forgotten first, as the
    passing of time would make it old.
    """
    with app.app_context(), unscoped("test arrangement"):
        db.session.execute(
            update(User)
            .where(func.lower(User.email) == email.strip().lower())
            .values(totp_last_step=None)
        )
        db.session.commit()
    return pyotp.TOTP(factories.TOTP_SECRET).now()


def submit_second_factor(test_client, email, response=None):
    """The code step of a login whose password step answered ``response``."""
    if response is not None and response.headers.get("Location") != "/login/code":
        return response
    data = {"code": totp_code(test_client.application, email)}
    if test_client.application.config.get("WTF_CSRF_ENABLED", True):
        data["csrf_token"] = csrf_token_from(test_client.get("/login/code").get_data(as_text=True))
    return test_client.post("/login/code", data=data)


def http_login(session, base: str, email: str, app, *, timeout: float = 30):
    """Both login steps over real HTTP with a ``requests`` session and real CSRF: the
    password, then the second factor's code; the last answer (302 when logged in)."""
    page = session.get(f"{base}/login", timeout=timeout)
    token = csrf_token_from(page.text)
    form = {"email": email, "password": factories.PASSWORD, "csrf_token": token}
    response = session.post(f"{base}/login", data=form, allow_redirects=False, timeout=timeout)
    if response.status_code != 302 or not response.headers.get("Location", "").endswith(
        "/login/code"
    ):
        return response
    page = session.get(f"{base}/login/code", timeout=timeout)
    form = {"code": totp_code(app, email), "csrf_token": csrf_token_from(page.text)}
    return session.post(f"{base}/login/code", data=form, allow_redirects=False, timeout=timeout)


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, email, password=PASSWORD):
        """Both steps: the password, then the second factor's code where one is asked for."""
        response = self.client.post("/login", data={"email": email, "password": password})
        return submit_second_factor(self.client, email, response)

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


def _client_for(app, email):
    test_client = app.test_client()
    response = AuthActions(test_client).login(email)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return test_client


@pytest.fixture
def caseworker_client(app, world):
    return _client_for(app, world.emails["caseworker"])


@pytest.fixture
def team_lead_client(app, world):
    return _client_for(app, world.emails["team_lead"])


@pytest.fixture
def it_admin_client(app, world):
    return _client_for(app, world.emails["it_admin"])


@pytest.fixture
def auditor_client(app, world):
    return _client_for(app, world.emails["auditor"])


@pytest.fixture
def foreign_client(app, world):
    """A caseworker of the second authority."""
    return _client_for(app, world.emails["foreign_caseworker"])


@pytest.fixture
def login_as(app, world):
    def _login(role_or_email):
        email = world.emails.get(role_or_email, role_or_email)
        return _client_for(app, email)

    return _login


class QueryCounter:
    def __init__(self):
        self.statements = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def count(self):
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    @contextmanager
    def _count():
        counter = QueryCounter()
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", counter)

    return _count


def csrf_login(browser, email: str):
    """Both login steps through the real forms, CSRF token included (a ``csrf_app`` client);
    the answer of the last step."""
    page = browser.get("/login").get_data(as_text=True)
    response = browser.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_token_from(page)},
    )
    return submit_second_factor(browser, email, response)


@pytest.fixture
def case_id(app, world):
    """A case with an entry in every part table (``factories.make_full_case``)."""
    with app.app_context(), unscoped("test arrangement"):
        case = factories.make_full_case(world)
        db.session.commit()
        return case.id


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token in page"
    return match.group(1)


@pytest.fixture
def csrf_app(database_url, app):
    """A second app on the same database with CSRF protection switched on."""
    return make_app(database_url, WTF_CSRF_ENABLED=True)


def pytest_report_header(config):
    url = os.environ.get("LOTSE_TEST_DATABASE_URL") or "sqlite (temporary file)"
    return f"lotse test database: {re.sub(r'//[^@/]*@', '//***@', url)}"


# -- browser tests (Playwright with Debian's Chromium) -------------------------------------


@pytest.fixture
def live_server(app, world, database_url):
    from tests.browser_support import serve

    with serve(database_url) as server:
        yield server


@pytest.fixture
def browser():
    from tests.browser_support import launch_chromium

    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def new_page(browser):
    """Pages in separate browser contexts, so two users can be logged in at once."""
    from tests.browser_support import new_context

    contexts = []

    def _new_page():
        contexts.append(new_context(browser))
        return contexts[-1].new_page()

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()
