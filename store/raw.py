"""The raw bytes of imported files, kept by SHA-256 in chunks, for audit and replay.

A statement of a million transactions is close to a gigabyte. Bound as one value it had to be
in memory whole, and SQLite even built it twice (a zero-filled value of the full size, then
the record holding it) before the incremental blob write: 1.8 GB for a 0.85 GB CAMT file. So
the bytes go in as ordered rows of :data:`CHUNK` bytes, read from the source one at a time,
and come back the same way; every backend stores them in one pass with bounded memory.

Each chunk is compressed on its own (zlib at :data:`LEVEL`, the fastest): bank statements are
repetitive text (the benchmark's 100 000-transaction files keep 4 % of their size as CAMT,
15 % as CSV or MT940), and writing and committing a large import's copy takes that much less
time: the commit of a 100 000-entry CAMT import went from 0.40 to 0.13 s. A chunk that would
not get smaller (a zip archive) is kept as it is; its row says which (``codec``).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ingest.source import Source
from store.models import RawFile, RawFileChunk

CHUNK = 4 << 20
"""Bytes per chunk row before compression (4 MiB, as the source reads them)."""

LEVEL = 1
"""zlib level: on the benchmark's CAMT file 1 keeps 4.3 % of the bytes in 0.25 s, 6 keeps 3.0 %
in 0.55 s; the copy is only read for audit and replay, so the faster level."""


def keep_raw(session: Session, sha: str, source: Source) -> None:
    """Store the bytes of ``source`` under ``sha`` (the caller checked it is new)."""
    session.add(RawFile(sha256=sha, size=source.size))
    session.flush()  # the chunks refer to this row
    seq = 0
    pending = bytearray()
    for piece in source.chunks():
        if not pending and len(piece) == CHUNK:  # as the source reads: no copy
            _insert(session, sha, seq, piece)
            seq += 1
            continue
        pending += piece
        while len(pending) >= CHUNK:
            _insert(session, sha, seq, pending[:CHUNK])
            del pending[:CHUNK]
            seq += 1
    if pending:
        _insert(session, sha, seq, pending)


def _insert(session: Session, sha: str, seq: int, data: bytes | bytearray | memoryview) -> None:
    packed = zlib.compress(data, LEVEL)
    codec, stored = ("zlib", packed) if len(packed) < len(data) else ("none", bytes(data))
    session.execute(insert(RawFileChunk).values(sha256=sha, seq=seq, codec=codec, data=stored))


def _unpack(codec: str, data: bytes) -> bytes:
    if codec == "zlib":
        return zlib.decompress(data)
    if codec == "none":
        return data
    raise ValueError(f"raw chunk stored with unknown codec {codec!r}")


def raw_chunks(session: Session, sha: str) -> Iterator[bytes]:
    """The stored bytes of file ``sha`` in order, a chunk at a time (none if not stored)."""
    query = select(RawFileChunk.seq).where(RawFileChunk.sha256 == sha).order_by(RawFileChunk.seq)
    for seq in session.scalars(query).all():
        codec, data = session.execute(
            select(RawFileChunk.codec, RawFileChunk.data).where(
                RawFileChunk.sha256 == sha, RawFileChunk.seq == seq
            )
        ).one()
        yield _unpack(codec, data)


def read_raw(session: Session, sha: str) -> bytes | None:
    """All stored bytes of file ``sha``, or ``None`` if no such file was imported."""
    if session.get(RawFile, sha) is None:
        return None
    return b"".join(raw_chunks(session, sha))
