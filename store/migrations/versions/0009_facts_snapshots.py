"""facts snapshots for the aggregates

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 21:50:00

The household facts of a municipality and year, computed by ``hhb facts refresh`` and read by
the analyst page, with the version of the data they were computed from.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "facts_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality", sa.String(length=6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("inputs_version", sa.String(length=400), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("frame", sa.LargeBinary(), nullable=False),
        sa.Column("unavailable", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facts_snapshots")),
        sa.UniqueConstraint("municipality", "year", name=op.f("uq_facts_snapshots_municipality")),
    )


def downgrade() -> None:
    op.drop_table("facts_snapshots")
