"""Alembic environment for Flask-Migrate: the schema comes from ``models``."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from models.sql import exists_in
from services.migrate import owner_engine, owner_url

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def get_metadata():
    return current_app.extensions["migrate"].db.metadata


def run_migrations_offline():
    context.configure(
        url=owner_url().render_as_string(hide_password=False),
        target_metadata=get_metadata(),
        literal_binds=True,
        **current_app.extensions["migrate"].configure_args,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        # An autogenerate run that finds no change writes no empty migration.
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)

    with owner_engine() as engine, engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            # An owner without BYPASSRLS is bound by the row-level security of migration
            # 0009 (FORCE): a migration reads and writes every authority's rows. For the
            # session, since a migration may commit on its way (CREATE INDEX CONCURRENTLY);
            # reset below, so the pooled connection keeps no bypass afterwards.
            connection.exec_driver_sql("SELECT set_config('lotse.unscoped', 'migration', false)")
            connection.commit()
        try:
            # Indexes of one dialect only (PostgreSQL's trigram indexes) exist only there.
            conf_args.setdefault("include_object", exists_in(connection.dialect.name))
            context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if postgres and not connection.invalidated:
                connection.rollback()
                connection.exec_driver_sql("RESET lotse.unscoped")
                connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
