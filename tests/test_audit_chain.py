"""The hash chain of the audit trail and ``flask audit verify`` (docs/design.md §8)."""

import re
import threading

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError

from models import AuditChainHead, AuditEvent, db
from models.audit_chain import SYSTEM_CHAIN, row_hash
from models.auditing import record
from models.scoping import unscoped
from models.types import utcnow
from tests import factories
from tests.conftest import make_app
from tests.databases import fresh_database, migrate, raw_connection


def _postgres(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


@pytest.fixture
def trail(app, world):
    """Events in two authorities and the system chain: changes, reads and a login."""
    with app.app_context(), unscoped("test arrangement"):
        own = db.session.get(factories.Authority, world.authority)
        foreign = db.session.get(factories.Authority, world.foreign_authority)
        clients = [factories.make_client(own, family_name=f"Kette{i}") for i in range(3)]
        factories.make_case(clients[0])
        factories.make_client(foreign, family_name="Fremd")
        db.session.flush()
        clients[1].notes = 'geändert, mit Umlauten äöü und "Anführungszeichen"'
        record("read", "client", clients[0].id, authority_id=own.id)
        record("login", None, None, {"remote": "x"}, user_id=world.caseworker)
        db.session.commit()
        return {"client": clients[1].id}


def _chains(app) -> dict[int, list]:
    with app.app_context(), unscoped("test check"):
        rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        chains: dict[int, list] = {}
        for row in rows:
            key = row.authority_id if row.authority_id is not None else SYSTEM_CHAIN
            chains.setdefault(key, []).append(row)
        db.session.expunge_all()
        return chains


def _verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_every_row_carries_the_hash_of_the_row_before_it_in_its_authority(app, world, trail):
    chains = _chains(app)
    assert {world.authority, world.foreign_authority, SYSTEM_CHAIN} <= set(chains)
    for rows in chains.values():
        assert [row.chain_seq for row in rows] == list(range(1, len(rows) + 1))
        assert rows[0].prev_hash is None
        for before, row in zip(rows, rows[1:], strict=False):
            assert row.prev_hash == before.row_hash
        for row in rows:
            # The database formed the hash as models/audit_chain.py does.
            assert row.row_hash == row_hash(
                row.chain_seq,
                row.id,
                row.at,
                row.authority_id,
                row.user_id,
                row.action,
                row.object_type,
                row.object_id,
                row.remote_addr,
                row.changes_hash,
                row.prev_hash,
            )
    with app.app_context(), unscoped("test check"):
        heads = {
            h.chain: (h.last_seq, h.last_hash) for h in db.session.scalars(select(AuditChainHead))
        }
    assert heads == {key: (len(rows), rows[-1].row_hash) for key, rows in chains.items()}


def test_verify_reports_every_chain_in_order_and_is_itself_recorded(app, world, trail):
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert "Kreis Lippe – Ausländerbehörde: OK" in result.output
    assert "Stadt Detmold – Ausländerbehörde: OK" in result.output
    assert "System (ohne Behörde): OK" in result.output
    assert "bereinigt" not in result.output  # no row lost its changes
    with app.app_context(), unscoped("test check"):
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).all()
        # The command's way past the authority rule is recorded after its own event.
        assert (events[0].action, events[0].changes["reason"]) == (
            "unscoped",
            "audit chain verification (flask audit verify)",
        )
        last = events[1]
        assert (last.action, last.object_type) == ("read", "audit_event")
        assert last.changes == {"kind": "audit_verify", "chains": 3, "broken": []}
    assert _verify(app).exit_code == 0  # the recorded verification extends the chain intact


def test_verify_of_an_empty_trail_says_so(app):
    result = _verify(app)
    assert result.exit_code == 0
    assert "Das Protokoll ist leer" in result.output


def _tamper(database_url: str, postgres: bool, *statements) -> None:
    """Change rows as someone with direct access to the database would, bypassing the
    application and, on PostgreSQL, the append-only trigger."""
    with raw_connection(database_url) as conn:
        cursor = conn.cursor()
        if postgres:
            cursor.execute("SET LOCAL session_replication_role = replica")
        for statement in statements:
            cursor.execute(statement)


TAMPERING = {
    "a field": ("UPDATE audit_event SET object_id = object_id + 1 WHERE id = {id}", 2),
    "the changes": (
        'UPDATE audit_event SET changes = \'{{"notes": [null, "x"]}}\' WHERE id = {id}',
        2,
    ),
    "the action": ("UPDATE audit_event SET action = 'export' WHERE id = {id}", 1),
    "a deleted row": ("DELETE FROM audit_event WHERE id = {id}", 1),
}
REASONS = {
    "a field": "Inhalt verändert",
    "the changes": "Änderungsdaten verändert",
    "the action": "Inhalt verändert",
    "a deleted row": "Eintrag fehlt",
}


@pytest.mark.parametrize("what", sorted(TAMPERING))
def test_a_row_tampered_with_through_sql_is_reported_as_the_first_broken_link(
    app, database_url, world, trail, what
):
    statement, position = TAMPERING[what]
    rows = _chains(app)[world.authority]
    target = rows[position]
    _tamper(database_url, _postgres(app), statement.format(id=target.id))
    result = _verify(app)
    assert result.exit_code == 1
    broken_at = rows[position + 1] if what == "a deleted row" else target
    line = next(li for li in result.output.splitlines() if li.startswith("Kreis Lippe"))
    assert f"Kette unterbrochen bei Eintrag {broken_at.id} vom " in line
    assert REASONS[what] in line
    assert "Stadt Detmold – Ausländerbehörde: OK" in result.output
    assert "Protokoll unterbrochen in 1 von 3 Ketten" in result.stderr


def test_removing_the_last_rows_of_a_chain_is_reported(app, database_url, world, trail):
    last = _chains(app)[world.authority][-1]
    statement = f"DELETE FROM audit_event WHERE id = {last.id}"  # noqa: S608 (an id)
    _tamper(database_url, _postgres(app), statement)
    result = _verify(app)
    assert result.exit_code == 1
    assert "Kettenende stimmt nicht" in result.output


def test_the_retention_purge_clears_changes_and_the_chain_stays_verifiable(app, runner, world):
    from tests.test_privacy import LONG_AGO

    with app.app_context(), unscoped("test arrangement"):
        case = factories.make_full_case(world)
        case.status = "closed"
        case.closed_on = LONG_AGO
        case.closure_reason_id = world.moved_away
        db.session.commit()
    purged = runner.invoke(args=["privacy", "purge"])
    assert purged.exit_code == 0, purged.output
    scrubbed = int(re.search(r"(\d+) Protokolleinträge bereinigt", purged.output).group(1))
    assert scrubbed > 0
    result = _verify(app)
    assert result.exit_code == 0, result.output
    line = next(li for li in result.output.splitlines() if li.startswith("Kreis Lippe"))
    assert f"davon {scrubbed} durch die Löschfrist bereinigt" in line


def test_on_postgres_nobody_rewrites_the_chain_not_even_under_the_purge_setting(app, trail):
    if not _postgres(app):
        pytest.skip("the append-only triggers exist on PostgreSQL")
    with app.app_context():
        for statement in (
            "UPDATE audit_event SET row_hash = 'x'",
            "UPDATE audit_event SET object_id = 1, changes = NULL",
            "UPDATE audit_chain_head SET last_seq = 1",
            "DELETE FROM audit_chain_head",
        ):
            with db.engine.connect() as conn:
                conn.execute(text("SET LOCAL lotse.audit_purge = 'on'"))
                if statement.startswith("UPDATE audit_event"):
                    with pytest.raises(DBAPIError):
                        conn.execute(text(statement))
                conn.rollback()
            with db.engine.connect() as conn:
                with pytest.raises(DBAPIError):
                    conn.execute(text(statement))
                conn.rollback()


def test_the_purge_setting_still_lets_changes_be_cleared_on_postgres(app, trail):
    if not _postgres(app):
        pytest.skip("the append-only triggers exist on PostgreSQL")
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("SET LOCAL lotse.audit_purge = 'on'"))
        conn.execute(
            text("UPDATE audit_event SET changes = NULL WHERE object_id = :id"),
            {"id": trail["client"]},
        )
    assert _verify(app).exit_code == 0


def test_parallel_writers_of_one_authority_do_not_fork_the_chain(app, world):
    """Threads with a connection each record events of one authority at once, each in
    transactions that stay open a moment, so that they wait for one another's chain head."""
    if not _postgres(app):
        pytest.skip("concurrent writers are PostgreSQL's case; SQLite serialises them")
    writers, transactions, rows_each = 6, 5, 3
    before = len(_chains(app)[world.authority])  # the world's own events
    barrier = threading.Barrier(writers)
    errors = []

    def write(n):
        try:
            with app.app_context():
                barrier.wait()
                for t in range(transactions):
                    with db.engine.begin() as conn:
                        for r in range(rows_each):
                            conn.execute(
                                insert(AuditEvent.__table__).values(
                                    at=utcnow(),
                                    action="read",
                                    object_type="client",
                                    object_id=n * 1000 + t * 10 + r,
                                    authority_id=world.authority,
                                )
                            )
                            conn.execute(text("SELECT pg_sleep(0.005)"))
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = _chains(app)[world.authority]
    assert len(rows) == before + writers * transactions * rows_each
    assert sorted(row.chain_seq for row in rows) == list(range(1, len(rows) + 1))
    assert len({row.prev_hash for row in rows}) == len(rows)  # no two rows share a parent
    assert _verify(app).exit_code == 0


def test_the_migration_chains_the_rows_recorded_before_it(app, database_url, tmp_path):
    with fresh_database(database_url, "migrate", tmp_path) as url:
        fresh = make_app(url)
        migrate(fresh, "0004")
        with fresh.app_context():
            with db.engine.begin() as conn:
                for i in range(5):
                    conn.execute(
                        text(
                            "INSERT INTO audit_event (at, action, object_type, object_id, changes)"
                            " VALUES (:at, 'read', 'client', :i, :changes)"
                        ),
                        {"at": utcnow().replace(tzinfo=None), "i": i, "changes": '{"n": [1, 2]}'},
                    )
            db.engine.dispose()
        migrate(fresh)
        with fresh.app_context(), unscoped("test arrangement"):
            db.session.add(AuditEvent(action="login"))
            db.session.commit()
            seqs = db.session.scalars(select(AuditEvent.chain_seq).order_by(AuditEvent.id)).all()
            db.session.remove()
            db.engine.dispose()
        assert seqs == [1, 2, 3, 4, 5, 6]
        result = _verify(fresh)
        assert result.exit_code == 0, result.output
        assert "System (ohne Behörde): OK (6 Einträge, letzter Hash " in result.output
        with fresh.app_context():
            db.engine.dispose()
