"""Rights requests: the request ledger, one-time codes, subject tokens, download links, the
outbox and forwardings to recipients.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

Definitions are written out, not imported (``policyvault.storage.requests_sql`` declares the
same tables; the migration test compares the two).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def key() -> sa.types.TypeEngine[str]:
    return sa.String(255).with_variant(sa.String(255, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "vault_requests",
        sa.Column("id", key(), primary_key=True),
        sa.Column("subject_id", key(), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("received_at_us", sa.BigInteger, nullable=False),
        sa.Column("due_at_us", sa.BigInteger, nullable=False),
        sa.Column("closed_at_us", sa.BigInteger, nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary, nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
    )
    op.create_index(
        "ix_vault_requests_status_due_at_us", "vault_requests", ["status", "due_at_us", "id"]
    )
    op.create_index("ix_vault_requests_subject_id", "vault_requests", ["subject_id"])
    op.create_index("ix_vault_requests_closed_at_us", "vault_requests", ["closed_at_us"])

    op.create_table(
        "vault_request_codes",
        sa.Column("request_id", key(), primary_key=True),
        sa.Column("code_hash", sa.Text, nullable=False),
        sa.Column("expires_at_us", sa.BigInteger, nullable=False),
        sa.Column("attempts_left", sa.Integer, nullable=False),
    )

    op.create_table(
        "vault_subject_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("subject_id", key(), nullable=False),
        sa.Column("expires_at_us", sa.BigInteger, nullable=False),
    )
    op.create_index(
        "ix_vault_subject_tokens_expires_at_us", "vault_subject_tokens", ["expires_at_us"]
    )

    op.create_table(
        "vault_downloads",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("request_id", key(), nullable=False),
        sa.Column("created_at_us", sa.BigInteger, nullable=False),
        sa.Column("expires_at_us", sa.BigInteger, nullable=False),
        sa.Column("used_at_us", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_vault_downloads_request_id", "vault_downloads", ["request_id"])

    op.create_table(
        "vault_outbox",
        sa.Column("id", key(), primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("request_id", key(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at_us", sa.BigInteger, nullable=False),
        sa.Column("next_attempt_at_us", sa.BigInteger, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("sent_at_us", sa.BigInteger, nullable=True),
        sa.Column("last_error", sa.String(64), nullable=True),
        sa.Column("wrapped_key", sa.LargeBinary, nullable=True),
        sa.Column("sealed", sa.LargeBinary, nullable=True),
    )
    op.create_index(
        "ix_vault_outbox_status_next_attempt_at_us",
        "vault_outbox",
        ["status", "next_attempt_at_us"],
    )
    op.create_index("ix_vault_outbox_request_id", "vault_outbox", ["request_id"])

    op.create_table(
        "vault_forwardings",
        sa.Column("id", key(), primary_key=True),
        sa.Column("request_id", key(), nullable=False),
        sa.Column("recipient_id", key(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("item_keys", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at_us", sa.BigInteger, nullable=False),
        sa.Column("next_attempt_at_us", sa.BigInteger, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("sent_at_us", sa.BigInteger, nullable=True),
        sa.Column("confirmed_at_us", sa.BigInteger, nullable=True),
        sa.Column("escalated_at_us", sa.BigInteger, nullable=True),
        sa.Column("last_error", sa.String(64), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("token_hash", name="uq_vault_forwardings_token_hash"),
    )
    op.create_index(
        "ix_vault_forwardings_status_next_attempt_at_us",
        "vault_forwardings",
        ["status", "next_attempt_at_us"],
    )
    op.create_index("ix_vault_forwardings_request_id", "vault_forwardings", ["request_id"])


def downgrade() -> None:
    for table in (
        "vault_forwardings",
        "vault_outbox",
        "vault_downloads",
        "vault_subject_tokens",
        "vault_request_codes",
        "vault_requests",
    ):
        op.drop_table(table)
