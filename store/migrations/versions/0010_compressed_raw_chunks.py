"""raw file chunks may be compressed

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 06:10:00

Kept statement files are mostly repeated XML or CSV text: compressed with zlib they take a
tenth to a twentieth of the space, and writing a large import's raw bytes (and its commit)
takes a fraction of the time. Each chunk row says how its bytes are stored (``codec``), so
the chunks stored before stay readable as they are (``none``) and a chunk that does not
compress (an archive) is kept as it is.
"""

from __future__ import annotations

import zlib

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "raw_file_chunks",
        sa.Column("codec", sa.String(length=8), nullable=False, server_default="none"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # compressed bytes do not compress again: spare PostgreSQL the attempt (TOAST's pglz)
        op.execute("ALTER TABLE raw_file_chunks ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade() -> None:
    connection = op.get_bind()
    chunks = sa.table(
        "raw_file_chunks",
        sa.column("sha256"),
        sa.column("seq"),
        sa.column("codec"),
        sa.column("data", sa.LargeBinary()),
    )
    keys = connection.execute(
        sa.select(chunks.c.sha256, chunks.c.seq).where(chunks.c.codec == "zlib")
    ).all()
    for sha, seq in keys:
        where = (chunks.c.sha256 == sha) & (chunks.c.seq == seq)
        data = connection.execute(sa.select(chunks.c.data).where(where)).scalar_one()
        connection.execute(chunks.update().where(where).values(data=zlib.decompress(data)))
    if connection.dialect.name == "postgresql":
        op.execute("ALTER TABLE raw_file_chunks ALTER COLUMN data SET STORAGE EXTENDED")
    op.drop_column("raw_file_chunks", "codec")
