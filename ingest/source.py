"""A file to import, in memory or on disk, read in pieces rather than as one ``bytes`` object.

A statement of a million transactions is close to a gigabyte of XML. Holding it whole (and the
copies decoding, parsing and storing it would make) is what made large imports need several
GB, so the import reads the file from disk as it goes: once for its SHA-256 and raw copy, once
to parse it (possibly in another process). Small inputs and tests simply pass ``bytes``.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ingest.errors import IngestError

CHUNK = 1 << 22
"""Bytes read at a time (4 MiB)."""

HEAD = 1 << 16
"""What detection reads: every importer's ``identify`` looks at the first 16 kB at most."""


class Source:
    """The bytes of one file, from a path or from memory."""

    def __init__(self, *, path: Path | None = None, data: bytes | None = None, name: str = ""):
        if (path is None) == (data is None):
            raise ValueError("give a path or data")
        self.path = path
        self._data = data
        self.name = name or (path.name if path is not None else "")
        self._sha256: str | None = None
        try:
            self.size = len(data) if data is not None else path.stat().st_size  # type: ignore[union-attr]
        except OSError as exc:
            raise IngestError(
                self.name, 0, f"kan het bestand niet lezen ({exc.strerror})"
            ) from None

    @classmethod
    def of_bytes(cls, data: bytes, name: str = "") -> Source:
        return cls(data=data, name=name)

    @classmethod
    def of_path(cls, path: Path | str, name: str = "") -> Source:
        return cls(path=Path(path), name=name)

    @property
    def in_memory(self) -> bool:
        return self._data is not None

    def open(self) -> BinaryIO:
        """A fresh binary stream from the start (the caller closes it)."""
        if self._data is not None:
            return io.BytesIO(self._data)  # shares the buffer, no copy
        try:
            assert self.path is not None
            return open(self.path, "rb")
        except OSError as exc:
            raise IngestError(
                self.name, 0, f"kan het bestand niet lezen ({exc.strerror})"
            ) from None

    def read(self) -> bytes:
        """All bytes (only for formats read whole: OFX, zip, benefit files, small files)."""
        if self._data is not None:
            return self._data
        with self.open() as stream:
            return stream.read()

    def head(self, size: int = HEAD) -> bytes:
        if self._data is not None:
            return self._data[:size]
        with self.open() as stream:
            return stream.read(size)

    def chunks(self) -> Iterator[bytes | memoryview]:
        """The bytes in pieces of :data:`CHUNK`."""
        if self._data is not None:
            view = memoryview(self._data)
            for start in range(0, len(view), CHUNK):
                yield view[start : start + CHUNK]
            return
        with self.open() as stream:
            while chunk := stream.read(CHUNK):
                yield chunk

    def sha256(self) -> str:
        if self._sha256 is None:
            digest = hashlib.sha256()
            for chunk in self.chunks():
                digest.update(chunk)
            self._sha256 = digest.hexdigest()
        return self._sha256
