"""The camt walk hands rows on in groups (``reader.ROWS``); where a group ends changes nothing.

Generated files of every version (batches, reversals, ABN AMRO texts, several statements), some
with an unknown element and an entry that is not booked, are read with groups of one row and
with the default: the same rows, statements, warnings and errors, also when streamed.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ingest.camt.reader as reader
import ingest.camt.stream as stream
from ingest.camt import write_camt053
from ingest.camt.reader import CamtWalk, Finished
from ingest.camt.stream import CamtExtraction
from ingest.errors import IngestError
from ingest.model import Statement
from ingest.rows import Batcher
from ingest.source import Source
from tests.ingest.strategies import statements

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
UNKNOWN = "<Foo>1</Foo>"
PENDING = "<Sts>PDNG</Sts>"


def walk(data: bytes) -> tuple[list[Any], list[Finished], list[tuple[int, str]], str]:
    w = CamtWalk(io.BytesIO(data), "f.xml", keep=True, rows=reader.ROWS)
    rows: list[Any] = []
    done: list[Finished] = []
    for _, event in w.events():
        if isinstance(event, Finished):
            done.append(event)
        else:
            assert isinstance(event, list)  # runs come as columns only when streaming
            rows += event
    return rows, done, w.warnings, w.version


def streamed(data: bytes) -> tuple[list[Any], Any, Any]:
    extraction = CamtExtraction(Source.of_bytes(data, "f.xml"), "f.xml")
    rows = [row for batch in extraction.batches() for row in zip(*batch.columns, strict=True)]
    return rows, extraction.statements, extraction.problems


def variant(data: bytes, kind: int) -> bytes:
    """The file as written, or with an unknown element / a pending status in its first entry."""
    if kind == 1:
        return data.replace(b"<Ntry>", b"<Ntry>" + UNKNOWN.encode(), 1)
    if kind == 2:
        data = data.replace(b"<Sts><Cd>BOOK</Cd></Sts>", PENDING.encode(), 1)
        return data.replace(b"<Sts>BOOK</Sts>", PENDING.encode(), 1)
    return data


@pytest.mark.parametrize("version", ["001.02", "001.04", "001.08"])
@pytest.mark.parametrize("abn_names", [False, True])
@SETTINGS
@given(original=st.lists(statements(), min_size=1, max_size=3), kind=st.sampled_from([0, 1, 2]))
def test_row_groups_change_nothing(
    version: str, abn_names: bool, original: list[Statement], kind: int
) -> None:
    data = variant(write_camt053(original, version, abn_names=abn_names), kind)
    try:
        expected: Any = (walk(data), streamed(data))
    except IngestError as exc:
        expected = str(exc)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reader, "ROWS", 1)
        patch.setattr(stream, "ROWS", 1)
        patch.setattr(Batcher, "raw", False)
        try:
            actual: Any = (walk(data), streamed(data))
        except IngestError as exc:
            actual = str(exc)
    assert actual == expected
    if isinstance(expected, tuple) and any(s.transactions for s in original):
        warnings = [w for _, w in expected[0][2]]
        assert (kind == 1) == any("onbekend element Foo" in w for w in warnings)
        assert (kind == 2) == any("status PDNG" in w for w in warnings)
