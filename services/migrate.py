"""Flask-Migrate wiring: the migrations live in ``migrations/`` beside app.py."""

from pathlib import Path

from flask_migrate import Migrate

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
