"""Golden-file support: a stable JSON rendering of what an importer extracts.

Used by the tests (``tests/ingest/test_golden.py``) and by ``hhb`` developers to regenerate the
expected files: ``pytest tests/ingest/test_golden.py --regen-golden``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

from ingest.base import detect
from ingest.errors import IngestError
from ingest.model import ExtractResult

EXPECTED_SUFFIX = ".expected.json"


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def render(result: ExtractResult) -> dict[str, Any]:
    """A JSON-ready dict of the result; statements and transactions keep their file order."""
    return {
        "format": str(result.format),
        "bank": result.bank,
        "dialect": result.dialect,
        "statements": [_plain(dataclasses.asdict(s)) for s in result.statements],
        "problems": [
            {"line": p.line, "severity": str(p.severity), "message": p.message}
            for p in result.problems
        ],
    }


def render_file(path: Path) -> dict[str, Any]:
    """Detect and extract ``path``; an :class:`IngestError` becomes an ``error`` entry.

    Files named ``*.bad.*`` are golden tests of the error message itself.
    """
    data = path.read_bytes()
    try:
        importer = detect(data, path.name)
        result = importer.extract(data, path.name)
    except IngestError as exc:
        return {"error": {"line": exc.line, "message": exc.message}}
    return {"importer": importer.name, **render(result)}


def dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
