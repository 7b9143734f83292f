"""Alembic's environment: run the migrations on the connection that
:func:`policyvault.storage.migrate.upgrade_database` hands over in ``config.attributes``, or, for
``alembic upgrade --sql`` (offline), render them for the URL in ``sqlalchemy.url``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from policyvault.storage import audit_sql, requests_sql, vault_sql

TARGET_METADATA = [audit_sql.metadata, vault_sql.metadata, requests_sql.metadata]


def run_online(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=TARGET_METADATA)
    with context.begin_transaction():
        context.run_migrations()


def run_offline(url: str) -> None:
    context.configure(
        url=url,
        target_metadata=TARGET_METADATA,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    config = context.config
    if context.is_offline_mode():
        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise RuntimeError("offline migrations need sqlalchemy.url")
        run_offline(url)
        return
    connection = config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError(
            "run the migrations with policyvault.storage.migrate.upgrade_database(...)"
        )
    run_online(connection)


main()
