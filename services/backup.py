"""Backing up the database and restoring it into an empty one (``flask db backup|restore``).

PostgreSQL: ``pg_dump --format=custom``, which reads one consistent snapshot while the
application goes on writing, and ``pg_restore --single-transaction``, so that a restore
either loads everything or nothing. SQLite: the online backup API of ``sqlite3``, copying
the database in one step (one consistent snapshot). A backup is written to a temporary file
beside the target and renamed into place once complete, so that a failed run never leaves a
truncated file under the backup's name (and an older backup of that name stays).

A restore goes only into an empty database (no tables): restoring over live data would mix
two states of the trail. The file is checked before anything is written: it must exist, be
a backup of the configured kind of database and hold Lotse's tables.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import URL, inspect, text
from sqlalchemy.exc import OperationalError

from models import db
from services.migrate import owner_url

PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"
MARKER_TABLE = "alembic_version"


class BackupError(RuntimeError):
    """A backup or restore was refused or failed; the message is German."""


# -- the configured database ----------------------------------------------------------------


def _dialect(url) -> str:
    name = url.get_backend_name()
    if name not in ("postgresql", "sqlite"):
        raise BackupError(f"Sicherung wird für {name} nicht unterstützt")
    return name


def libpq_target(url) -> tuple[str, dict]:
    """The libpq URL of a SQLAlchemy URL (without ``+psycopg``), and the environment that
    carries its password, which never appears on a command line."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    return plain.render_as_string(hide_password=False), env


def _sqlite_path(url) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("eine SQLite-Datenbank im Arbeitsspeicher lässt sich nicht sichern")
    return Path(url.database)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} nicht gefunden: bitte die PostgreSQL-Client-Programme installieren"
        )
    return path


def _run(command: list[str], env: dict, what: str) -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        message = (result.stderr or "").strip().splitlines()
        detail = f" ({message[-1]})" if message else ""
        raise BackupError(f"{what} ist fehlgeschlagen{detail}")
    return result.stdout


# -- backup ----------------------------------------------------------------------------------


def _writable_target(target: Path) -> Path:
    target = target.expanduser()
    if target.is_dir():
        raise BackupError(f"{target} ist ein Verzeichnis, keine Datei")
    if not target.parent.is_dir():
        raise BackupError(f"das Verzeichnis {target.parent} existiert nicht")
    if not os.access(target.parent, os.W_OK):
        raise BackupError(f"in das Verzeichnis {target.parent} darf nicht geschrieben werden")
    return target


def _sync_and_rename(temporary: Path, target: Path) -> None:
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def backup(target: Path, on_start=None) -> int:
    """Write a backup of the configured database to ``target``; returns its size in bytes.

    ``on_start`` is called once the target and the database have been checked, before the
    snapshot is taken (the command records the backup in the trail there)."""
    url = owner_url()
    dialect = _dialect(url)
    target = _writable_target(target)
    if dialect == "sqlite" and not _sqlite_path(url).is_file():
        raise BackupError(f"die Datenbankdatei {_sqlite_path(url)} existiert nicht")
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        raise BackupError("die Datenbank ist nicht erreichbar") from exc
    if on_start is not None:
        on_start()
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        if dialect == "postgresql":
            libpq_url, env = libpq_target(url)
            _run(
                [
                    _tool("pg_dump"),
                    "--format=custom",
                    f"--file={temporary}",
                    f"--dbname={libpq_url}",
                ],
                env,
                "pg_dump",
            )
        else:
            _sqlite_backup(_sqlite_path(url), temporary)
        _sync_and_rename(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target.stat().st_size


def _sqlite_backup(source: Path, temporary: Path) -> None:
    source_conn = sqlite3.connect(source, timeout=30)
    try:
        target_conn = sqlite3.connect(temporary)
        try:
            source_conn.backup(target_conn)  # one step: one consistent snapshot
        finally:
            target_conn.close()
    except sqlite3.Error as exc:
        raise BackupError("die SQLite-Sicherung ist fehlgeschlagen") from exc
    finally:
        source_conn.close()


# -- restore ---------------------------------------------------------------------------------


def _readable_source(source: Path) -> bytes:
    source = source.expanduser()
    if not source.exists():
        raise BackupError(f"die Datei {source} existiert nicht")
    if not source.is_file():
        raise BackupError(f"{source} ist keine Datei")
    try:
        with open(source, "rb") as handle:
            return handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"die Datei {source} lässt sich nicht lesen") from exc


def _check_kind(magic: bytes, dialect: str, source: Path) -> None:
    kind = (
        "postgresql"
        if magic.startswith(PG_MAGIC)
        else "sqlite"
        if magic.startswith(SQLITE_MAGIC)
        else None
    )
    if kind is None:
        raise BackupError(f"{source} ist keine Sicherung von Lotse")
    if kind != dialect:
        names = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
        raise BackupError(
            f"{source} ist die Sicherung einer {names[kind]}-Datenbank, "
            f"eingerichtet ist {names[dialect]}"
        )


def _ensure_empty() -> None:
    try:
        tables = inspect(db.engine).get_table_names()
    except OperationalError as exc:
        raise BackupError("die Zieldatenbank ist nicht erreichbar") from exc
    finally:
        db.engine.dispose()
    if tables:
        raise BackupError(
            f"die Zieldatenbank ist nicht leer ({len(tables)} Tabellen); "
            "bitte in eine neu angelegte, leere Datenbank wiederherstellen"
        )


def restore(source: Path) -> None:
    """Load the backup ``source`` into the configured, empty database: all or nothing."""
    url = owner_url()
    dialect = _dialect(url)
    source = source.expanduser()
    _check_kind(_readable_source(source), dialect, source)
    if dialect == "postgresql":
        _pg_restore(url, source)
    else:
        _sqlite_restore(_sqlite_path(url), source)


def _pg_restore(url, source: Path) -> None:
    libpq_url, env = libpq_target(url)
    pg_restore = _tool("pg_restore")
    listing = _run([pg_restore, "--list", str(source)], env, "das Lesen der Sicherung")
    entries = listing.splitlines()
    if not any(f"TABLE DATA public {MARKER_TABLE} " in line for line in entries):
        raise BackupError(f"{source} ist keine Sicherung von Lotse")
    _ensure_empty()
    # The schema public exists in every new database; a dump of one that was created again
    # would try to create it a second time.
    wanted = [line for line in entries if " SCHEMA - public " not in line]
    with tempfile.NamedTemporaryFile("w", suffix=".list", encoding="utf-8") as use_list:
        use_list.write("\n".join(wanted) + "\n")
        use_list.flush()
        _run(
            [
                pg_restore,
                "--single-transaction",
                "--exit-on-error",
                "--no-owner",
                f"--use-list={use_list.name}",
                f"--dbname={libpq_url}",
                str(source),
            ],
            env,
            "pg_restore",
        )


def _sqlite_restore(target: Path, source: Path) -> None:
    try:
        source_conn = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"die Datei {source} lässt sich nicht öffnen") from exc
    try:
        try:
            intact = source_conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            marked = source_conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (MARKER_TABLE,)
            ).fetchone()
        except sqlite3.Error as exc:
            raise BackupError(f"{source} ist keine lesbare SQLite-Sicherung") from exc
        if not intact:
            raise BackupError(f"die Sicherung {source} ist beschädigt")
        if not marked:
            raise BackupError(f"{source} ist keine Sicherung von Lotse")
        existed = target.exists()
        if existed:
            _ensure_empty()
        elif not target.parent.is_dir():
            raise BackupError(f"das Verzeichnis {target.parent} existiert nicht")
        target_conn = sqlite3.connect(target, timeout=30)
        try:
            # One step, in one transaction of the target: all or nothing.
            source_conn.backup(target_conn)
        except sqlite3.Error as exc:
            target_conn.close()
            if not existed:
                target.unlink(missing_ok=True)
            raise BackupError("die Wiederherstellung ist fehlgeschlagen") from exc
        target_conn.close()
    finally:
        source_conn.close()
