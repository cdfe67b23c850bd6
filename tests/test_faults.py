"""Behaviour under faults: the database goes away while requests write.

PostgreSQL is a cluster of the test's own (tests/fault_support.py), stopped with
``pg_ctl stop -m immediate`` while requests write and started again, and a statement is
cancelled with ``pg_cancel_backend`` in the middle of a request's transaction. The disk of an
SQLite database turns read-only under the running app. Each time the user gets the German
503 page without a trace of the error, nothing is half-written (every case with its
checklist, its needs' checklists and its audit rows, or nothing), a login or a page behind
the login fails closed, and the same app serves again once the database is back.

The app is served over real HTTP on loopback and used with ``requests`` sessions, CSRF
included. These tests bring their own databases, so they run once, in the suite's SQLite
pass; the PostgreSQL pass (``LOTSE_TEST_DATABASE_URL``) skips them.
"""

import os
import threading
import time
from types import SimpleNamespace

import psycopg
import pytest
import requests
from alembic import command

from models import db
from models.scoping import unscoped
from services.migrate import MIGRATIONS_DIR
from tests import factories
from tests.browser_support import LiveServer
from tests.conftest import make_app
from tests.fault_support import (
    HTTP_TIMEOUT,
    Cluster,
    ReadOnlyDisk,
    Writer,
    describe,
    is_unavailable_page,
    log_in,
    login_page_token,
    partial_writes,
    wait_for,
)

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("LOTSE_TEST_DATABASE_URL")),
    reason="the fault tests bring their own databases; they run in the SQLite pass",
)


def _serve(url: str):
    """The app on ``url``, migrated, with the two-authority world, served on loopback."""
    app = make_app(url, WTF_CSRF_ENABLED=True, SERVER_NAME=None)
    with app.app_context():
        command.upgrade(app.extensions["migrate"].migrate.get_config(MIGRATIONS_DIR), "head")
        with unscoped("fault test arrangement"):
            world = factories.World.ids(factories.build_world())
            db.session.commit()
    server = LiveServer(app).__enter__()
    return SimpleNamespace(app=app, world=world, base=server.url, server=server)


def _close(served) -> None:
    served.server.__exit__(None, None, None)
    with served.app.app_context():
        db.session.remove()
        db.engine.dispose()


def arrange_cases(served, count: int, family_name: str = "Haddad") -> tuple[int, list[int]]:
    """A client of the first authority with ``count`` cases, opened as intake opens them."""
    with served.app.app_context(), unscoped("fault test arrangement"):
        authority = db.session.get(factories.Authority, served.world.authority)
        client = factories.make_client(authority, family_name=family_name)
        cases = [factories.make_case(client).id for _ in range(count)]
        db.session.commit()
        return client.id, cases


def assert_nothing_half_written(app) -> None:
    with app.app_context(), db.engine.connect() as connection:
        assert partial_writes(connection) == {}


def _scalar(app, sql: str, **params):
    from sqlalchemy import text

    with app.app_context(), db.engine.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


@pytest.fixture(scope="module")
def pg():
    cluster = Cluster()
    served = None
    try:
        cluster.init()
        cluster.start()
        with psycopg.connect(cluster.url("postgres", "postgresql"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE lotse_faults")
        served = _serve(cluster.url("lotse_faults"))
        served.cluster = cluster
        yield served
    finally:
        if served is not None:
            _close(served)
        cluster.remove()


def test_postgres_stopped_hard_while_requests_write(pg):
    client_id, cases = arrange_cases(pg, 24)
    areas = [pg.world.language, pg.world.work]
    caseworker = pg.world.emails["caseworker"]
    writers = [
        Writer(log_in(pg.base, caseworker, pg.app), client_id, cases[i::3], areas) for i in range(3)
    ]
    for writer in writers:
        writer.start()
    try:
        wait_for(lambda: all(w.count("ok") >= 2 for w in writers), 30, "the first writes")
        stopped_at = time.monotonic()
        pg.cluster.stop("immediate")
        wait_for(
            lambda: all(w.count("unavailable", stopped_at) >= 3 for w in writers),
            20,
            "503 pages while PostgreSQL is down",
        )
        time.sleep(0.5)  # requests keep failing while it stays down
        pg.cluster.start()
        # Requests sent once it is up again all succeed: the pool has dropped the
        # connections of the stopped server instead of handing them out (a second apart,
        # so that no request still sent to the stopped server is counted).
        settled = time.monotonic() + 1.0
        wait_for(
            lambda: all(w.count("ok", settled) >= 2 for w in writers),
            30,
            "writes again after the restart, without restarting the app",
        )
    finally:
        for writer in writers:
            writer.halt.set()
        for writer in writers:
            writer.join(timeout=30)
    assert [other for writer in writers for other in writer.others()] == []
    assert [writer.count("unavailable", settled) for writer in writers] == [0, 0, 0]
    assert_nothing_half_written(pg.app)
    assert writers[0].browser.get("/admin/case/").status_code == 200


def test_login_and_access_fail_closed_while_postgres_is_down(pg):
    client_id, _cases = arrange_cases(pg, 1, family_name="Ausfallprobe")
    reader = log_in(pg.base, pg.world.emails["caseworker"], pg.app)
    details = f"/admin/client/details/?id={client_id}"
    assert "Ausfallprobe" in reader.get(details).text
    newcomer = requests.Session()
    token = login_page_token(pg.base, newcomer)

    pg.cluster.stop("immediate")
    try:
        page = reader.get(details)
        assert is_unavailable_page(page), describe(page)
        assert "Ausfallprobe" not in page.text
        login = newcomer.post(
            f"{pg.base}/login",
            data={
                "email": pg.world.emails["caseworker"],
                "password": factories.PASSWORD,
                "csrf_token": token,
            },
            allow_redirects=False,
            timeout=HTTP_TIMEOUT,
        )
        assert is_unavailable_page(login), describe(login)
    finally:
        pg.cluster.start()

    # The refused login granted nothing, now that the database is back either.
    after = newcomer.get(f"{pg.base}/admin/case/", allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert after.status_code == 302
    assert after.headers["Location"].startswith("/login")
    # The logged-in user is served again by the same app.
    assert "Ausfallprobe" in reader.get(details).text


def _waiting_for(conn, locker_pid: int) -> tuple[int, str] | None:
    """The backend (and its statement) that waits for a lock ``locker_pid`` holds."""
    return conn.execute(
        "SELECT pid, query FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
        (locker_pid,),
    ).fetchone()


def test_statement_cancelled_mid_transaction_leaves_nothing_of_its_request(pg):
    _client_id, cases = arrange_cases(pg, 6, family_name="Abbruch")
    team_lead = log_in(pg.base, pg.world.emails["team_lead"], pg.app)
    archive = {"action": "archive", "rowid": [str(c) for c in cases]}
    raw_url = pg.cluster.url("lotse_faults", "postgresql")
    answer = {}

    with psycopg.connect(raw_url) as locker, psycopg.connect(raw_url, autocommit=True) as admin:
        # The last case stays locked: the request archives the others first (rows are
        # written in key order), then waits in its transaction until it is cancelled.
        locker.execute('SELECT id FROM "case" WHERE id = %s FOR UPDATE', (max(cases),))
        request = threading.Thread(
            target=lambda: answer.update(response=team_lead.post("/admin/case/action/", archive))
        )
        request.start()
        wait_for(
            lambda: _waiting_for(admin, locker.info.backend_pid) is not None,
            10,
            "the request waiting for the locked row",
        )
        pid, statement = _waiting_for(admin, locker.info.backend_pid)
        assert statement.startswith('UPDATE "case"'), statement  # inside its write transaction
        assert admin.execute("SELECT pg_cancel_backend(%s)", (pid,)).fetchone()[0]
        request.join(timeout=HTTP_TIMEOUT)
        locker.rollback()

    assert is_unavailable_page(answer["response"]), describe(answer["response"])
    ids = {"ids": cases}
    archived = 'SELECT count(*) FROM "case" WHERE id = ANY(:ids) AND archived_at IS NOT NULL'
    audited = (
        "SELECT count(*) FROM audit_event WHERE action = 'archive' AND object_type = 'case' "
        "AND object_id = ANY(:ids)"
    )
    assert (_scalar(pg.app, archived, **ids), _scalar(pg.app, audited, **ids)) == (0, 0)

    # The same app, the same request again, nothing in its way: all archived and audited.
    again = team_lead.post("/admin/case/action/", archive)
    assert again.status_code == 302, describe(again)
    assert (_scalar(pg.app, archived, **ids), _scalar(pg.app, audited, **ids)) == (6, 6)
    assert_nothing_half_written(pg.app)


def test_sqlite_disk_turns_read_only_under_the_running_app(tmp_path):
    database = tmp_path / "lotse" / "lotse.db"
    database.parent.mkdir()
    served = _serve(f"sqlite:///{database}")
    try:
        client_id, cases = arrange_cases(served, 2)
        caseworker = log_in(served.base, served.world.emails["caseworker"], served.app)
        new_case = {"client": str(client_id), "opened_on": "01.04.2026"}
        needs = {"need_area": [served.world.language, served.world.work]}
        assert caseworker.post("/admin/case/new/", new_case).status_code == 302
        disk = ReadOnlyDisk(database)

        disk.read_only()
        try:
            refused = [
                caseworker.post("/admin/case/new/", new_case),
                caseworker.post(f"/admin/case/needs/?id={cases[0]}", needs),
                caseworker.post("/admin/case/new/", new_case),
            ]
        finally:
            disk.writable()
        for response in refused:
            assert is_unavailable_page(response), describe(response)
        count = 'SELECT count(*) FROM "case"'
        assert _scalar(served.app, count) == 3  # two arranged, one opened before
        assert _scalar(served.app, "SELECT count(*) FROM need") == 0

        # The disk is writable again: the same app writes again.
        assert caseworker.post("/admin/case/new/", new_case).status_code == 302
        response = caseworker.post(f"/admin/case/needs/?id={cases[0]}", needs)
        assert response.status_code == 302, describe(response)
        assert (_scalar(served.app, count), _scalar(served.app, "SELECT count(*) FROM need")) == (
            4,
            2,
        )
        assert_nothing_half_written(served.app)
    finally:
        _close(served)


def test_the_unavailable_page_speaks_english_too(app):
    from flask import g

    from admin_views.outage import unavailable_message

    with app.test_request_context("/"):
        g.lotse_locale = "en"
        assert unavailable_message().startswith("The database cannot be reached at the moment.")
