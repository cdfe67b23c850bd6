"""Flask-Migrate wiring: the migrations live in ``migrations/`` beside app.py.

Migrations and backups run as the schema's owner: ``LOTSE_OWNER_DATABASE_URL`` where the
application connects as a role of its own (PostgreSQL's row-level security binds that role,
docs/row-level-security.md), else the application's own ``DATABASE_URL``.
"""

from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from flask_migrate import Migrate
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from models import db

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")
migrate = Migrate()


def init_migrate(app) -> None:
    # render_as_batch keeps ALTERs working on SQLite; compare_type catches type drift.
    migrate.init_app(
        app,
        db,
        directory=MIGRATIONS_DIR,
        render_as_batch=True,
        compare_type=True,
        user_module_prefix="models.types.",
    )


def owner_url() -> URL:
    """The URL the schema's owner connects with."""
    configured = current_app.config.get("LOTSE_OWNER_DATABASE_URL")
    return make_url(configured) if configured else db.engine.url


@contextmanager
def owner_engine():
    """An engine connected as the schema's owner: the application's own when no owner URL
    is configured."""
    if not current_app.config.get("LOTSE_OWNER_DATABASE_URL"):
        yield db.engine
        return
    engine = create_engine(owner_url())
    try:
        yield engine
    finally:
        engine.dispose()


class RoleSetupError(ValueError):
    """The application role cannot be set up; the message is German."""


def grant_application_role(role: str) -> None:
    """Give the PostgreSQL role ``role`` what the application needs and nothing more: reading
    and writing rows of every table (row-level security decides which rows), the sequences,
    and the same on tables later migrations create. Run as the schema's owner.

    Refused for a role that would not be bound by row-level security (a superuser, one with
    BYPASSRLS, the owner itself), since the application must never connect as one.
    """
    with owner_engine() as engine, engine.begin() as conn:
        if conn.dialect.name != "postgresql":
            raise RoleSetupError("Anwendungsrollen gibt es nur unter PostgreSQL")
        found = conn.execute(
            text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :role"),
            {"role": role},
        ).first()
        if found is None:
            raise RoleSetupError(f"die Rolle {role} gibt es nicht (CREATE ROLE … LOGIN)")
        if found.rolsuper or found.rolbypassrls:
            raise RoleSetupError(
                f"die Rolle {role} umgeht die Zeilensicherheit (SUPERUSER oder BYPASSRLS)"
            )
        if role == conn.execute(text("SELECT current_user")).scalar_one():
            raise RoleSetupError(f"die Rolle {role} ist die Eigentümerin des Schemas")
        quoted = conn.dialect.identifier_preparer.quote(role)
        for statement in (
            f"GRANT USAGE ON SCHEMA public TO {quoted}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public"
            f" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {quoted}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public"
            f" GRANT USAGE, SELECT ON SEQUENCES TO {quoted}",
        ):
            conn.exec_driver_sql(statement)
