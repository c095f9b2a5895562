"""consents, caseloads, month notes and web sessions for the dashboard

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "caseloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=128), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["coach_id"], ["users.id"], name=op.f("fk_caseloads_coach_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_caseloads_household_id_households")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caseloads")),
    )
    with op.batch_alter_table("caseloads", schema=None) as batch_op:
        batch_op.create_index(
            "ix_caseloads_coach_household", ["coach_id", "household_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_caseloads_household_id"), ["household_id"], unique=False
        )

    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted_by", sa.String(length=128), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["coach_id"], ["users.id"], name=op.f("fk_consents_coach_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_consents_household_id_households")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consents_coach_id"), ["coach_id"], unique=False)
        batch_op.create_index(
            "ix_consents_household_coach", ["household_id", "coach_id"], unique=False
        )

    op.create_table(
        "month_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("written_by", sa.String(length=128), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_month_notes_household_id_households")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_month_notes")),
    )
    with op.batch_alter_table("month_notes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_month_notes_household_month", ["household_id", "month"], unique=False
        )

    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_user_id"))
    op.drop_table("web_sessions")
    with op.batch_alter_table("month_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_month_notes_household_month")
    op.drop_table("month_notes")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index("ix_consents_household_coach")
        batch_op.drop_index(batch_op.f("ix_consents_coach_id"))
    op.drop_table("consents")
    with op.batch_alter_table("caseloads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_caseloads_household_id"))
        batch_op.drop_index("ix_caseloads_coach_household")
    op.drop_table("caseloads")
