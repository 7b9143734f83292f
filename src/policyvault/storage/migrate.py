"""Schema migrations: bring a database's vault and audit tables to the latest revision.

The Alembic scripts ship inside the package (``policyvault/storage/migrations``); no
``alembic.ini`` is needed. :func:`upgrade_database` runs ``alembic upgrade head`` in one
transaction (PostgreSQL and SQLite both have transactional DDL), under a lock that serialises
concurrent upgraders: an advisory lock on PostgreSQL, the write lock (``BEGIN IMMEDIATE``) on
SQLite. Upgrading a database that is at head already changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from policyvault.domain.errors import InvalidInput
from policyvault.storage.audit_sql import postgres_engine, sqlite_engine

__all__ = ["MIGRATIONS", "current_revision", "head_revision", "upgrade_database"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration on the packaged scripts, handing ``connection`` to env.py."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_database(engine_or_url: Engine | str, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` on an engine (left open) or a database URL
    (``sqlite:///path`` or ``postgresql://...``; its engine is disposed afterwards)."""
    if isinstance(engine_or_url, Engine):
        _upgrade(engine_or_url, revision)
        return
    engine = _engine_for(engine_or_url)
    try:
        _upgrade(engine, revision)
    finally:
        engine.dispose()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None when it was never migrated."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """The latest revision the package ships."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _upgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('policyvault.schema'))"))
        command.upgrade(alembic_config(conn), revision)


def _engine_for(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InvalidInput("not a database URL (sqlite:///path or postgresql://...)") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise InvalidInput("migrations need a SQLite file: sqlite:///path/to/file.db")
        path = Path(parsed.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        return sqlite_engine(path)
    if backend == "postgresql":
        return postgres_engine(url)
    raise InvalidInput("the vault runs on sqlite:/// or postgresql:// URLs")
