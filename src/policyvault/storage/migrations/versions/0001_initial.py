"""The vault's tables and the audit log's tables.

Revision ID: 0001
Revises:
Create Date: 2026-03-01

The audit tables are those of ``policyvault.storage.audit_sql`` as they were at this revision;
the state row its ``create_schema`` would add is inserted here, so a migrated database is a
ready (empty) audit log. Definitions are written out, not imported: a revision must not change
when the application's tables do.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HASH_SIZE = 32
GENESIS_HASH = bytes(HASH_SIZE)


def key() -> sa.types.TypeEngine[str]:
    return sa.String(255).with_variant(sa.String(255, collation="C"), "postgresql")


def seq() -> sa.Column[int]:
    return sa.Column(
        "seq",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    )


def upgrade() -> None:
    create_audit_tables()
    create_vault_tables()


def create_audit_tables() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("prev_hash", sa.LargeBinary(HASH_SIZE), nullable=False, unique=True),
        sa.Column("entry_hash", sa.LargeBinary(HASH_SIZE), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("recorded_at_us", sa.BigInteger, nullable=False),
        sa.Column("actor_id", sa.String(128), nullable=False),
        sa.Column("action", sa.String(128), nullable=False),
        sa.Column("subject_id", sa.String(128), nullable=True),
        sa.Column("allowed", sa.Boolean, nullable=False),
        sa.Column("request_id", sa.String(128), nullable=True),
    )
    for column in ("recorded_at_us", "actor_id", "action", "subject_id"):
        op.create_index(f"ix_audit_entries_{column}", "audit_entries", [column])

    op.create_table(
        "audit_checkpoints",
        sa.Column("tree_size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("root_hash", sa.LargeBinary(HASH_SIZE), nullable=False),
        sa.Column("chain_head", sa.LargeBinary(HASH_SIZE), nullable=False),
        sa.Column("issued_at_us", sa.BigInteger, nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("signature", sa.LargeBinary, nullable=False),
        sa.Column("frontier", sa.LargeBinary, nullable=False),
    )

    audit_state = op.create_table(
        "audit_state",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("head_seq", sa.BigInteger, nullable=False),
        sa.Column("head_hash", sa.LargeBinary(HASH_SIZE), nullable=False),
        sa.Column("anchor_size", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(
        audit_state, [{"id": 1, "head_seq": 0, "head_hash": GENESIS_HASH, "anchor_size": 0}]
    )


def create_vault_tables() -> None:
    op.create_table(
        "vault_subjects",
        sa.Column("id", key(), primary_key=True),
        sa.Column("created_at_us", sa.BigInteger, nullable=False),
        sa.Column("jurisdictions", sa.Text, nullable=False),
        sa.Column("key_id", sa.String(128), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary, nullable=True),
        sa.Column("needs_guardian", sa.Boolean, nullable=False),
        sa.Column("guardian_consent_at_us", sa.BigInteger, nullable=True),
        sa.Column("shredded_at_us", sa.BigInteger, nullable=True),
    )

    op.create_table(
        "vault_items",
        sa.Column("subject_id", key(), nullable=False),
        sa.Column("item_key", key(), nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
        sa.Column("hashed", sa.Boolean, nullable=False),
        sa.Column("archived", sa.Boolean, nullable=False),
        sa.Column("media_type", sa.Text, nullable=True),
        sa.Column("point", sa.Text, nullable=False),
        sa.Column("collected_at_us", sa.BigInteger, nullable=False),
        sa.Column("updated_at_us", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("subject_id", "item_key", name="pk_vault_items"),
    )

    op.create_table(
        "vault_lookups",
        sa.Column("kind", key(), nullable=False),
        sa.Column("digest", key(), nullable=False),
        sa.Column("subject_id", key(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "digest", "subject_id", name="pk_vault_lookups"),
    )
    op.create_index("ix_vault_lookups_subject_id_kind", "vault_lookups", ["subject_id", "kind"])

    op.create_table(
        "vault_consents",
        seq(),
        sa.Column("subject_id", key(), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("purposes", sa.Text, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("at_us", sa.BigInteger, nullable=False),
        sa.Column("policy_version", sa.Text, nullable=False),
        sa.Column("notice_hash", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("given_by", sa.String(32), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("sealed_evidence", sa.LargeBinary, nullable=True),
    )
    op.create_index("ix_vault_consents_subject_id_seq", "vault_consents", ["subject_id", "seq"])

    op.create_table(
        "vault_subject_events",
        seq(),
        sa.Column("subject_id", key(), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("at_us", sa.BigInteger, nullable=False),
        sa.Column("actor_id", sa.Text, nullable=False),
    )
    op.create_index(
        "ix_vault_subject_events_subject_id_seq", "vault_subject_events", ["subject_id", "seq"]
    )

    op.create_table(
        "vault_limits",
        seq(),
        sa.Column("id", key(), nullable=False),
        sa.Column("subject_id", key(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("at_us", sa.BigInteger, nullable=False),
        sa.Column("purpose", sa.Text, nullable=True),
        sa.Column("lifted_at_us", sa.BigInteger, nullable=True),
        sa.UniqueConstraint("id", name="uq_vault_limits_id"),
    )
    op.create_index("ix_vault_limits_subject_id_seq", "vault_limits", ["subject_id", "seq"])

    op.create_table(
        "vault_freezes",
        seq(),
        sa.Column("subject_id", key(), nullable=False),
        sa.Column("item_key", sa.Text, nullable=False),
        sa.Column("request_id", sa.Text, nullable=False),
        sa.Column("since_us", sa.BigInteger, nullable=False),
        sa.Column("released_at_us", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_vault_freezes_subject_id_seq", "vault_freezes", ["subject_id", "seq"])

    op.create_table(
        "vault_grants",
        seq(),
        sa.Column("id", key(), nullable=False),
        sa.Column("actor_id", key(), nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("granted_at_us", sa.BigInteger, nullable=False),
        sa.Column("expires_at_us", sa.BigInteger, nullable=True),
        sa.Column("revoked_at_us", sa.BigInteger, nullable=True),
        sa.UniqueConstraint("id", name="uq_vault_grants_id"),
    )
    op.create_index("ix_vault_grants_actor_id_seq", "vault_grants", ["actor_id", "seq"])

    op.create_table(
        "vault_disclosures",
        seq(),
        sa.Column("id", key(), nullable=False),
        sa.Column("subject_id", key(), nullable=False),
        sa.Column("recipient_id", sa.Text, nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("item_keys", sa.Text, nullable=False),
        sa.Column("at_us", sa.BigInteger, nullable=False),
        sa.Column("actor_id", sa.Text, nullable=False),
        sa.Column("legal_reference", sa.Text, nullable=True),
        sa.UniqueConstraint("id", name="uq_vault_disclosures_id"),
    )
    op.create_index(
        "ix_vault_disclosures_subject_id_seq", "vault_disclosures", ["subject_id", "seq"]
    )


def downgrade() -> None:
    for table in (
        "vault_disclosures",
        "vault_grants",
        "vault_freezes",
        "vault_limits",
        "vault_subject_events",
        "vault_consents",
        "vault_lookups",
        "vault_items",
        "vault_subjects",
        "audit_state",
        "audit_checkpoints",
        "audit_entries",
    ):
        op.drop_table(table)
