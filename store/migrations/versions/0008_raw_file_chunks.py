"""raw file bytes in chunks

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 19:20:00

The bytes of an imported file move from one ``raw_files.content`` value to ordered
``raw_file_chunks`` rows of a few MB, so neither SQLite (which built the whole value in memory
before the incremental blob write) nor PostgreSQL (bytea values up to 1 GB, bound whole) needs
the file in memory, and files over 1 GB can be kept.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "raw_file_chunks",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"], ["raw_files.sha256"], name=op.f("fk_raw_file_chunks_sha256_raw_files")
        ),
        sa.PrimaryKeyConstraint("sha256", "seq", name=op.f("pk_raw_file_chunks")),
    )
    op.execute(
        "INSERT INTO raw_file_chunks (sha256, seq, data) SELECT sha256, 0, content FROM raw_files"
    )
    # a plain ALTER TABLE (SQLite >= 3.35): a batch rebuild would drop the table the imports
    # refer to, which foreign keys forbid
    op.drop_column("raw_files", "content")


def downgrade() -> None:
    op.add_column(
        "raw_files", sa.Column("content", sa.LargeBinary(), nullable=False, server_default="")
    )
    connection = op.get_bind()
    chunks = sa.table("raw_file_chunks", sa.column("sha256"), sa.column("seq"), sa.column("data"))
    files = sa.table("raw_files", sa.column("sha256"), sa.column("content"))
    for (sha,) in connection.execute(sa.select(files.c.sha256)).all():
        parts = connection.execute(
            sa.select(chunks.c.data).where(chunks.c.sha256 == sha).order_by(chunks.c.seq)
        ).scalars()
        connection.execute(
            files.update().where(files.c.sha256 == sha).values(content=b"".join(parts))
        )
    op.drop_table("raw_file_chunks")
