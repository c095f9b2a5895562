"""Streaming extraction gives exactly what the whole-file extraction gives, batch by batch.

The store keeps what the stream hands it, so every golden file that streams is compared with its
whole-file extraction (adapted by ``ResultExtraction``): the same rows with the same keys in the
same order, the same statement headers, problems, bank and dialect. Small batch and piece sizes
force the paths large files take (several batches, MT940 slices, CSV pieces).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ingest.base import detect
from ingest.camt.importer import Camt053Importer
from ingest.camt.stream import CamtExtraction
from ingest.errors import IngestError
from ingest.golden import EXPECTED_SUFFIX
from ingest.rows import Extraction, ResultExtraction, StreamRestart
from ingest.source import Source

DATA = Path(__file__).resolve().parent.parent / "data" / "ingest"
FILES = sorted(p for p in DATA.rglob("*") if p.is_file() and not p.name.endswith(EXPECTED_SUFFIX))


def drain(extraction: Extraction) -> dict[str, Any]:
    """Everything an extraction hands the store, batch boundaries and progress left out."""
    rows: list[tuple[Any, ...]] = []
    accounts: list[str] = []
    opened = []
    for batch in extraction.batches():
        opened += batch.opened
        rows += zip(*batch.columns, strict=True)
        n = len(batch)
        accounts += [batch.account] * n if batch.account is not None else batch.accounts or []
    return {
        "rows": rows,
        "accounts": accounts,
        "opened": opened,
        "statements": extraction.statements,
        "problems": extraction.problems,
        "bank": extraction.bank,
        "dialect": extraction.dialect,
    }


def streamed(path: Path) -> Extraction | None:
    data = path.read_bytes()
    importer = detect(data, path.name)
    stream = getattr(importer, "stream", None)
    return stream(Source.of_path(path), path.name) if stream is not None else None


def whole(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    result = detect(data, path.name).extract(data, path.name)
    return drain(ResultExtraction(result, size=3))


def outcome(extraction: Extraction) -> dict[str, Any] | str:
    """What the store keeps: a restart that names another read of the file is followed (the
    store rolls back what the first read stored), one that does not sends it to the whole-file
    reader."""
    try:
        return drain(extraction)
    except StreamRestart as restart:
        if restart.instead is None:
            return "restart"
        extraction.close()
        restart.instead.start()
        try:
            return outcome(restart.instead)
        finally:
            restart.instead.close()
    except IngestError as exc:
        return f"error: {exc}"


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 2 rows, MT940 slices of 2 entries, CSV pieces of 64 bytes."""
    import ingest.csvbanks.stream as csv_stream
    import ingest.mt940.stream as mt940_stream
    import ingest.rows as rows

    monkeypatch.setattr(rows, "BATCH_ROWS", 2)
    monkeypatch.setattr(rows.Batcher.__init__, "__defaults__", (2,))
    monkeypatch.setattr(mt940_stream, "BATCH_ROWS", 2)
    monkeypatch.setattr(csv_stream, "BATCH_ROWS", 2)
    monkeypatch.setattr(csv_stream, "PIECE", 64)


@pytest.mark.parametrize("ahead", [False, True], ids=["", "started"])
@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(DATA)) for p in FILES])
def test_stream_equals_whole_file(
    path: Path, ahead: bool, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``started``: as the store runs an extraction, ``start`` first (a CSV export is then read
    on a thread whatever its size, its errors and restarts handed to the caller)."""
    import ingest.csvbanks.stream as csv_stream

    monkeypatch.setattr(csv_stream, "READ_AHEAD_BYTES", 0)
    try:
        expected: dict[str, Any] | str = whole(path)
    except IngestError as exc:
        expected = f"error: {exc}"
    try:
        extraction = streamed(path)
    except IngestError:
        return  # not even detected: nothing to stream
    if extraction is None:
        return  # this importer reads whole files (OFX, zip, Knab, ABN AMRO .TAB, old bunq)
    if ahead:
        extraction.start()
    try:
        got = outcome(extraction)
    finally:
        extraction.close()
    if got == "restart":  # the store then reads the file whole; nothing kept from the stream
        assert ".bad." in path.name, "a good file should stream"
        return
    assert got == expected


def test_a_damaged_csv_is_left_to_the_whole_file_reader() -> None:
    extraction = streamed(DATA / "csv" / "ing" / "ing-kolommen.bad.csv")
    assert extraction is not None and outcome(extraction) == "restart"


NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
ENTRY = (
    '<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
    "<BookgDt><Dt>2024-01-02</Dt></BookgDt></Ntry>"
)
ACCT = "<Acct><Id><IBAN>NL69INGB0123456789</IBAN></Id></Acct>"
BAL = (
    '<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1.00</Amt>'
    "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-01-02</Dt></Dt></Bal>"
)


def camt(stmt: str) -> bytes:
    return (
        f'<?xml version="1.0"?><Document xmlns="{NS}"><BkToCstmrStmt><Stmt><Id>S</Id>{stmt}'
        "</Stmt></BkToCstmrStmt></Document>"
    ).encode()


MANY = ENTRY * 2000  # far more than lxml reads ahead: the header is read at the first entry


@pytest.mark.parametrize(
    "body",
    [f"{MANY}{ACCT}", f"{ACCT}{MANY}{BAL}"],
    ids=["account after the entries", "balance after the entries"],
)
def test_camt_header_after_the_entries_restarts_without_streaming(body: str) -> None:
    data = camt(body)
    stream = CamtExtraction(Source.of_bytes(data), "x.xml", fast=False)
    assert outcome(stream) == "restart"
    whole_file = Camt053Importer().extract(data, "x.xml")  # which reads it as before
    assert whole_file.statements[0].account == "NL69INGB0123456789"
    assert len(whole_file.statements[0].transactions) == 2000
    # The column-wise reader sees the whole run of entries at once (with the balance after
    # it): it streams the same rows the whole-file reader gives, or asks for the restart too.
    fast = outcome(CamtExtraction(Source.of_bytes(data), "x.xml"))
    assert fast == "restart" or fast == drain(ResultExtraction(whole_file, size=3))


def test_camt_header_before_the_entries_streams() -> None:
    data = camt(f"{ACCT}{BAL}{ENTRY}")
    got = outcome(Camt053Importer().stream(Source.of_bytes(data), "x.xml"))
    assert isinstance(got, dict) and len(got["rows"]) == 1
    assert got["statements"][0].closing_balance_cents == 100


def _ing_rows(n: int) -> list[bytes]:
    header = (
        '"Datum";"Naam / Omschrijving";"Rekening";"Tegenrekening";"Code";"Af Bij";'
        '"Bedrag (EUR)";"Mutatiesoort";"Mededelingen";"Saldo na mutatie";"Tag"'
    )
    rows = [header.encode()]
    for i in range(n):
        day = 28 - i % 28
        rows.append(
            f'"202402{day:02d}";"Winkel {i}";"NL36INGB0007654321";"";"BA";"Af";"1,00";'
            f'"Betaalautomaat";"Pasvolgnr: 001 {i}";"{1000 - i},00";""'.encode()
        )
    return rows


@pytest.mark.parametrize("first", ["charset", "ragged"])
def test_the_first_problem_in_the_file_is_the_one_reported(
    first: str, small_batches: None, tmp_path: Path
) -> None:
    """Pieces are converted on two threads; whatever finishes first, the earliest line decides
    (a wrong character set is an error, a ragged row a restart into the whole-file reader)."""
    rows = _ing_rows(40)
    early, late = (6, 30) if first == "charset" else (30, 6)
    rows[early] = rows[early].replace(b"Winkel", b"Win\x00kel")  # line 7 or 31
    rows[late] += b';"extra"'
    path = tmp_path / "export.csv"
    path.write_bytes(b"\r\n".join(rows) + b"\r\n")
    extraction = streamed(path)
    assert extraction is not None
    got = outcome(extraction)
    if first == "charset":
        assert isinstance(got, str) and got.startswith("error: export.csv:7:"), got
    else:
        assert got == "restart"
