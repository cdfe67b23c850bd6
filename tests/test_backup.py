"""``flask db backup FILE`` and ``flask db restore FILE`` on the suite's database."""

import threading

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url

from models import AuditEvent, Client, db
from models.auditing import record
from models.scoping import unscoped
from services.backup import libpq_target
from tests import factories
from tests.conftest import make_app
from tests.databases import fresh_database


def _all_rows(app) -> dict[str, dict]:
    """Every row of every table, by primary key."""
    with app.app_context():
        rows = {}
        with db.engine.connect() as conn:
            for table in db.metadata.sorted_tables:
                key = list(table.primary_key.columns)
                rows[table.name] = {
                    tuple(row[c.name] for c in key): tuple(row)
                    for row in conn.execute(select(table)).mappings()
                }
        db.engine.dispose()
    return rows


def _seed(app, world) -> None:
    with app.app_context(), unscoped("test arrangement"):
        for i in range(3):
            factories.make_full_case(world, i)
        db.session.commit()


class Writer(threading.Thread):
    """Goes on creating clients and recording reads until told to stop."""

    def __init__(self, app, authority_id):
        super().__init__(daemon=True)
        self.app, self.authority_id = app, authority_id
        self.stop, self.written, self.errors = threading.Event(), 0, []

    def run(self):
        try:
            with self.app.app_context(), unscoped("test writer"):
                authority = db.session.get(factories.Authority, self.authority_id)
                while not self.stop.is_set():
                    client = factories.make_client(authority, family_name=f"Laufend{self.written}")
                    record("read", "client", client.id, authority_id=self.authority_id)
                    db.session.commit()
                    self.written += 1
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 (reported by the test)
            self.errors.append(exc)

    def wait_for(self, count: int) -> None:
        while self.written < count and self.is_alive():
            self.stop.wait(0.01)


def test_a_backup_taken_while_writes_go_on_restores_every_row_and_the_chain(
    app, database_url, world, runner, tmp_path
):
    _seed(app, world)
    before = _all_rows(app)
    writer = Writer(app, world.authority)
    writer.start()
    try:
        writer.wait_for(3)
        backup = tmp_path / "lotse.backup"
        result = runner.invoke(args=["db", "backup", str(backup)])
        assert result.exit_code == 0, result.output
        assert "gesichert" in result.output
        started = writer.written
        writer.wait_for(started + 3)  # the writes went on meanwhile and after
    finally:
        writer.stop.set()
        writer.join()
    assert writer.errors == []
    after = _all_rows(app)
    assert list(tmp_path.iterdir()) == [backup]  # no temporary file left beside it

    with fresh_database(database_url, "restore", tmp_path) as url:
        fresh = make_app(url)
        result = fresh.test_cli_runner().invoke(args=["db", "restore", str(backup)])
        assert result.exit_code == 0, result.output
        restored = _all_rows(fresh)
        for table, rows in restored.items():
            # Each restored row is a row of the source, unchanged ...
            assert rows.items() <= after[table].items(), table
            # ... and nothing that was there before the backup is missing.
            assert before[table].keys() <= rows.keys(), table
        clients = restored["client"]
        assert len(before["client"]) < len(clients) < len(after["client"])
        verify = fresh.test_cli_runner().invoke(args=["audit", "verify"])
        assert verify.exit_code == 0, verify.output
        assert "Kreis Lippe – Ausländerbehörde: OK" in verify.output
        with fresh.app_context():
            db.engine.dispose()


def test_the_backup_is_recorded_in_the_trail_and_in_the_backup(app, world, runner, tmp_path):
    assert runner.invoke(args=["db", "backup", str(tmp_path / "b")]).exit_code == 0
    with app.app_context(), unscoped("test check"):
        last = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action != "unscoped").order_by(AuditEvent.id.desc())
        ).first()
        assert (last.action, last.changes) == ("export", {"kind": "backup"})


def _refused(result, *words):
    assert result.exit_code != 0
    assert result.stderr.startswith("Fehler: "), result.output
    assert len(result.stderr.strip().splitlines()) == 1
    for word in words:
        assert word in result.stderr
    assert "Traceback" not in result.output


@pytest.fixture
def empty_target(database_url, tmp_path):
    with fresh_database(database_url, "restore", tmp_path) as url:
        fresh = make_app(url)
        yield fresh
        with fresh.app_context():
            assert inspect(db.engine).get_table_names() == []  # nothing was restored
            db.engine.dispose()


def test_restore_refuses_a_missing_file(empty_target, tmp_path):
    result = empty_target.test_cli_runner().invoke(
        args=["db", "restore", str(tmp_path / "gibt-es-nicht.backup")]
    )
    _refused(result, "existiert nicht")


def test_restore_refuses_a_file_that_is_no_backup(empty_target, tmp_path):
    wrong = tmp_path / "notizen.txt"
    wrong.write_text("Das ist keine Sicherung.\n", encoding="utf-8")
    _refused(empty_target.test_cli_runner().invoke(args=["db", "restore", str(wrong)]), "keine")


def test_restore_refuses_a_backup_of_the_other_kind_of_database(empty_target, tmp_path):
    with empty_target.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    other = tmp_path / "andere.backup"
    other.write_bytes((b"SQLite format 3\x00" if postgres else b"PGDMP") + b"\x00" * 200)
    result = empty_target.test_cli_runner().invoke(args=["db", "restore", str(other)])
    _refused(result, "SQLite-Datenbank" if postgres else "PostgreSQL-Datenbank")


def test_restore_refuses_a_database_that_is_not_empty(app, world, runner, tmp_path):
    backup = tmp_path / "lotse.backup"
    assert runner.invoke(args=["db", "backup", str(backup)]).exit_code == 0
    with app.app_context(), unscoped("test arrangement"):
        factories.make_client(db.session.get(factories.Authority, world.authority))
        db.session.commit()
    before = _all_rows(app)
    _refused(runner.invoke(args=["db", "restore", str(backup)]), "nicht leer")
    assert _all_rows(app) == before


def test_a_failed_backup_keeps_the_previous_file_and_leaves_no_other(
    app, database_url, world, tmp_path
):
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        missing = f"sqlite:///{tmp_path / 'gibt-es-nicht' / 'lotse.db'}"
    else:
        missing = url.set(database=f"{url.database}_gibt_es_nicht").render_as_string(False)
    broken = make_app(missing)
    previous = tmp_path / "lotse.backup"
    previous.write_bytes(b"die Sicherung von gestern")
    result = broken.test_cli_runner().invoke(args=["db", "backup", str(previous)])
    assert result.exit_code != 0
    assert result.stderr.startswith("Fehler: ")
    assert previous.read_bytes() == b"die Sicherung von gestern"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lotse.backup"]


def test_backup_refuses_a_directory_that_does_not_exist(runner, tmp_path):
    target = tmp_path / "fehlt" / "lotse.backup"
    _refused(runner.invoke(args=["db", "backup", str(target)]), "existiert nicht")
    assert not target.parent.exists()


def test_the_password_reaches_pg_dump_through_the_environment_only():
    url = make_url("postgresql+psycopg://lotse:geheim@db.example:5433/lotse?sslmode=require")
    libpq_url, env = libpq_target(url)
    assert libpq_url == "postgresql://lotse@db.example:5433/lotse?sslmode=require"
    assert env["PGPASSWORD"] == "geheim"


def test_the_db_group_of_flask_migrate_has_backup_and_restore(app):
    group = app.cli.get_command(None, "db")
    assert {"backup", "restore", "upgrade"} <= set(group.commands)
    assert group.commands["backup"].callback.__module__ == "cli.backup"


def test_counting_helper_sees_every_client(app, world):
    """_all_rows reads what the ORM sees (guards the comparison above against a blind spot)."""
    _seed(app, world)
    with app.app_context(), unscoped("test check"):
        count = db.session.scalar(select(func.count()).select_from(Client))
    assert len(_all_rows(app)["client"]) == count > 0


def test_a_truncated_backup_restores_nothing(app, world, runner, empty_target, tmp_path):
    _seed(app, world)
    backup = tmp_path / "lotse.backup"
    assert runner.invoke(args=["db", "backup", str(backup)]).exit_code == 0
    truncated = tmp_path / "abgebrochen.backup"
    data = backup.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    result = empty_target.test_cli_runner().invoke(args=["db", "restore", str(truncated)])
    _refused(result)  # and the fixture finds the target still empty
