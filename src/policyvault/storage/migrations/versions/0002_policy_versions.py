"""The policy's versions as vault records.

Revision ID: 0002
Revises: 0001
Create Date: 2026-03-09

One row per version of the policy, by number: its label, the SHA-256 of its text, when it was
announced, when it takes effect, when the vault activated it, the consent-based purposes whose
terms it changes (JSON), and the YAML text itself. Definitions are written out, not imported.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vault_policy_versions",
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("announced_at_us", sa.BigInteger, nullable=False),
        sa.Column("effective_at_us", sa.BigInteger, nullable=False),
        sa.Column("activated_at_us", sa.BigInteger, nullable=True),
        sa.Column("reconsent_purposes", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("vault_policy_versions")
