"""The hub's first schema: realm, devices, invites, nonces, envelopes, counter, keys, publications.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "realm",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("realm_id", sa.String(80), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "devices",
        sa.Column("device", sa.String(80), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("scopes", sa.Text, nullable=False),
        sa.Column("sign_public", sa.String(64), nullable=False),
        sa.Column("exchange_public", sa.String(64), nullable=False),
        sa.Column("certificate", sa.Text, nullable=True),
        sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("enrolled_at", sa.BigInteger, nullable=False),
        sa.Column("approved_at", sa.BigInteger, nullable=True),
        sa.Column("revoked_at", sa.BigInteger, nullable=True),
        sa.Column("last_seen", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "invites",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("scopes", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("used_at", sa.BigInteger, nullable=True),
        sa.Column("used_by", sa.String(80), nullable=True),
    )
    op.create_table(
        "nonces",
        sa.Column("device", sa.String(80), primary_key=True),
        sa.Column("nonce", sa.String(64), primary_key=True),
        sa.Column("seen_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_nonces_seen_at", "nonces", ["seen_at"])
    op.create_table(
        "envelopes",
        sa.Column("device", sa.String(80), primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hub_seq", sa.BigInteger, nullable=True),
        sa.Column("scope", sa.String(80), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("received_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("hub_seq", name="uq_envelopes_hub_seq"),
    )
    op.create_index("ix_envelopes_scope_hub_seq", "envelopes", ["scope", "hub_seq"])
    counter = op.create_table(
        "hub_counter",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(counter, [{"id": 1, "value": 0}])
    op.create_table(
        "scope_keys",
        sa.Column("device", sa.String(80), primary_key=True),
        sa.Column("scope", sa.String(80), primary_key=True),
        sa.Column("epoch", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("wrapped", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "publications",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("version", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("signature", sa.String(100), nullable=False),
        sa.Column("published_at", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in ("publications", "scope_keys", "hub_counter", "envelopes", "nonces", "invites", "devices",
                  "realm", "hub_settings"):
        op.drop_table(table)
