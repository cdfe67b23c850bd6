"""Second databases for tests that need one beside the suite's (restore, migration), and
plain DBAPI connections that bypass the application (tampering).

On PostgreSQL the fresh database is named after the configured one (``<name>_<suffix>``)
and created and dropped through a maintenance connection to ``postgres``; on SQLite it is a
file in a temporary directory.
"""

import sqlite3
from contextlib import contextmanager

import psycopg
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from models import db
from services.backup import libpq_target
from services.migrate import MIGRATIONS_DIR


def _maintenance_engine(url):
    return create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


@contextmanager
def fresh_database(database_url: str, suffix: str, tmp_path):
    """The URL of a new, empty database; dropped again afterwards."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / f'{suffix}.db'}"
        return
    name = f"{url.database}_{suffix}"
    maintenance = _maintenance_engine(url)
    try:
        with maintenance.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with maintenance.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        maintenance.dispose()


def migrate(app, revision: str = "head") -> None:
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(MIGRATIONS_DIR)
        command.upgrade(config, revision)
        db.engine.dispose()


@contextmanager
def raw_connection(database_url: str):
    """A DBAPI connection of its own, outside SQLAlchemy and the application; committed at
    the end of the block."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        conn = sqlite3.connect(url.database)
    else:
        libpq_url, _ = libpq_target(url)
        extra = {"password": url.password} if url.password else {}
        conn = psycopg.connect(libpq_url, **extra)
    try:
        yield conn
        conn.commit()
    finally:
        conn.close()
