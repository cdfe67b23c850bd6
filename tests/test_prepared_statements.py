"""PostgreSQL: statements are prepared on their second execution on a connection, so the
authority rule's long list statements are planned once per connection (docs/access-at-scale.md)."""

import contextlib

import pytest
from sqlalchemy import select, text

from config import ConfigError, _engine_options
from models import db
from models.scoping import unscoped

PG_URL = "postgresql+psycopg://lotse@db/lotse"


def test_postgresql_connections_prepare_on_the_second_execution(monkeypatch):
    monkeypatch.delenv("LOTSE_DB_PREPARE_THRESHOLD", raising=False)
    assert _engine_options(PG_URL)["connect_args"]["prepare_threshold"] == 1
    assert "connect_args" not in _engine_options("sqlite:///lotse.db")


def test_the_threshold_is_configurable_and_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("LOTSE_DB_PREPARE_THRESHOLD", "5")
    assert _engine_options(PG_URL)["connect_args"]["prepare_threshold"] == 5
    monkeypatch.setenv("LOTSE_DB_PREPARE_THRESHOLD", "-1")
    assert _engine_options(PG_URL)["connect_args"]["prepare_threshold"] is None
    monkeypatch.setenv("LOTSE_DB_PREPARE_THRESHOLD", "oft")
    with pytest.raises(ConfigError, match="LOTSE_DB_PREPARE_THRESHOLD"):
        _engine_options(PG_URL)


def test_a_list_page_statement_is_prepared_after_two_requests(app, world, login_as):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("prepared statements are PostgreSQL's")
    team_lead = login_as("team_lead")
    for _ in range(3):
        assert team_lead.get("/admin/case/").status_code == 200
    statements = []
    with app.app_context(), contextlib.ExitStack() as stack:
        # Each pooled connection has its own prepared statements: ask every idle one.
        pool = db.engine.pool
        connections = [stack.enter_context(db.engine.connect()) for _ in range(pool.checkedin())]
        for connection in connections:
            query = text("SELECT statement FROM pg_prepared_statements")
            statements += connection.execute(query).scalars().all()
    assert any('FROM "case"' in statement for statement in statements), statements


def test_a_request_that_wrote_nothing_is_committed_and_one_that_did_is_not(app, world, login_as):
    """Only a transaction of SELECTs without pending changes ends with COMMIT."""
    from sqlalchemy import event

    from models import User

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the COMMIT keeps psycopg's prepared statements, on PostgreSQL")
        engine = db.engine
    ends = []

    def on_commit(conn):
        ends.append("commit")

    def on_rollback(conn):
        ends.append("rollback")

    event.listen(engine, "commit", on_commit)
    event.listen(engine, "rollback", on_rollback)
    try:
        team_lead = login_as("team_lead")
        ends.clear()
        assert team_lead.get("/admin/case/").status_code == 200
        assert ends[-1] == "commit"
        ends.clear()
        with app.app_context(), unscoped("test: a change left pending"):
            user = db.session.scalars(select(User).limit(1)).first()
            user.display_name = "Nicht gespeichert"  # pending, never flushed
        assert ends[-1] == "rollback"
        with app.app_context(), unscoped("test: a statement that writes"):
            db.session.execute(text('UPDATE "user" SET locale = locale WHERE false'))
        assert ends[-1] == "rollback"
    finally:
        event.remove(engine, "commit", on_commit)
        event.remove(engine, "rollback", on_rollback)
