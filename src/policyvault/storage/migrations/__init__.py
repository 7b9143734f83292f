"""Alembic migrations of the vault's and the audit log's tables. Run them with
:func:`policyvault.storage.migrate.upgrade_database`; no ``alembic.ini`` is needed."""
