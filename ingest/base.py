"""The importer protocol and the registry that picks an importer from a file's content.

An importer is chosen by what a file *contains*, never by its name: coaches upload files named
``export(3).csv`` or ``MT940_2024.txt`` for any format.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from ingest.errors import IngestError
from ingest.model import ExtractResult, SourceFormat


@runtime_checkable
class Importer(Protocol):
    """One format or bank dialect.

    ``identify`` must be cheap and must not raise: it looks at the first bytes (header line, root
    element, tags) and answers whether this importer claims the file. ``extract`` parses the whole
    file; it raises :class:`IngestError` only for input it cannot read at all (with the line and
    what to do) and reports everything else as :class:`ingest.model.Problem` in the result.
    """

    name: str
    format: SourceFormat
    bank: str

    def identify(self, data: bytes) -> bool: ...

    def extract(self, data: bytes, filename: str) -> ExtractResult: ...


_REGISTRY: list[Importer] = []


def register(importer: Importer) -> Importer:
    """Add an importer; the most specific importers must be registered first."""
    _REGISTRY.append(importer)
    return importer


def importers() -> tuple[Importer, ...]:
    _load_builtin()
    return tuple(_REGISTRY)


def detect(data: bytes, filename: str, candidates: Iterable[Importer] | None = None) -> Importer:
    """The first importer that claims ``data``, or an :class:`IngestError` naming what we accept."""
    for importer in candidates if candidates is not None else importers():
        try:
            claimed = importer.identify(data)
        except Exception:  # an identify bug must not hide a working importer further down
            claimed = False
        if claimed:
            return importer
    if not data.strip():
        raise IngestError(filename, 1, "het bestand is leeg; exporteer de rekening opnieuw")
    raise IngestError(
        filename,
        1,
        "onbekend bestandsformaat; lever een MT940-, CAMT.053-, OFX- of CSV-export van de bank aan "
        "(zoals de bank die maakt, niet bewerkt in Excel)",
    )


_loaded = False


def _load_builtin() -> None:
    """Import the built-in importer modules once; each registers itself on import."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    import ingest.importers  # noqa: F401  (registers the built-in importers)
