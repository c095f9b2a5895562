"""signal settings per household

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 09:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signal_settings",
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("amount_tolerance_pct", sa.Integer(), nullable=True),
        sa.Column("amount_tolerance_cents", sa.BigInteger(), nullable=True),
        sa.Column("date_tolerance_days", sa.Integer(), nullable=True),
        sa.Column("income_drop_pct", sa.Integer(), nullable=True),
        sa.Column("balance_floor_cents", sa.BigInteger(), nullable=True),
        sa.Column("buffer_target_cents", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_signal_settings_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("household_id", name=op.f("pk_signal_settings")),
    )


def downgrade() -> None:
    op.drop_table("signal_settings")
