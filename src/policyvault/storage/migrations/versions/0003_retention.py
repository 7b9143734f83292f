"""Retention: statutory records, stored deadlines, legal holds, certificates.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

The separate store (records only a statute still requires) is not here: it lives in a file
of its own on SQLite and in its own schema on PostgreSQL (``policyvault.storage.separate_sql``).
Definitions are written out, not imported.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def key() -> sa.types.TypeEngine[str]:
    return sa.String(255).with_variant(sa.String(255, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "vault_records",
        sa.Column("id", key(), primary_key=True),
        sa.Column("subject_id", key(), nullable=False),
        sa.Column("record_type", sa.String(128), nullable=False),
        sa.Column("occurred_at_us", sa.BigInteger, nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
        sa.Column("recorded_at_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_vault_records_subject_id", "vault_records", ["subject_id"])

    op.create_table(
        "vault_retention_tasks",
        sa.Column("id", key(), primary_key=True),
        sa.Column("subject_id", key(), nullable=False),
        sa.Column("target_kind", sa.String(32), nullable=False),
        sa.Column("target_key", key(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("end_at_us", sa.BigInteger, nullable=False),
        sa.Column("due_at_us", sa.BigInteger, nullable=False),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("record_type", sa.String(128), nullable=True),
        sa.Column("held", sa.Boolean, nullable=False),
        sa.Column("hold_ids", sa.Text, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("batch_id", key(), nullable=True),
        sa.Column("decided_by", sa.Text, nullable=True),
        sa.Column("decided_at_us", sa.BigInteger, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("done_at_us", sa.BigInteger, nullable=True),
        sa.Column("certificate_id", key(), nullable=True),
    )
    for name, columns in (
        ("subject_id", ["subject_id"]),
        ("due_work", ["status", "held", "end_at_us"]),
        ("status_due_at_us", ["status", "due_at_us"]),
        ("batch_id_status_id", ["batch_id", "status", "id"]),
        ("status_certificate_id", ["status", "certificate_id"]),
        ("record_type", ["record_type"]),
    ):
        op.create_index(f"ix_vault_retention_tasks_{name}", "vault_retention_tasks", columns)

    op.create_table(
        "vault_holds",
        sa.Column("id", key(), primary_key=True),
        sa.Column("reason", sa.String(128), nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("placed_at_us", sa.BigInteger, nullable=False),
        sa.Column("placed_by", sa.Text, nullable=False),
        sa.Column("subject_id", key(), nullable=True),
        sa.Column("record_type", sa.String(128), nullable=True),
        sa.Column("released_at_us", sa.BigInteger, nullable=True),
        sa.Column("released_by", sa.Text, nullable=True),
    )
    op.create_index("ix_vault_holds_subject_id", "vault_holds", ["subject_id"])

    op.create_table(
        "vault_certificates",
        sa.Column("id", key(), primary_key=True),
        sa.Column("batch_id", key(), nullable=False),
        sa.Column("issued_at_us", sa.BigInteger, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.UniqueConstraint("batch_id", name="uq_vault_certificates_batch_id"),
    )
    op.create_index("ix_vault_certificates_issued_at_us", "vault_certificates", ["issued_at_us"])

    op.create_table(
        "vault_anonymised",
        sa.Column("item_key", key(), primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "vault_settings",
        sa.Column("key", key(), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "vault_settings",
        "vault_anonymised",
        "vault_certificates",
        "vault_holds",
        "vault_retention_tasks",
        "vault_records",
    ):
        op.drop_table(table)
