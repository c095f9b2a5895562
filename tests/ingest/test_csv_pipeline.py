"""A large CSV export of one account in date order goes out while it is read, exactly as if its
table had been read whole; an export that breaks that promise halfway is read again whole.

Pieces of 2 kB and batches of 40 rows make a 300-row export take the paths a 100 000-row one
takes (dozens of pieces, rows leaving before the last piece is read).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from ingest.base import detect
from ingest.csvbanks.stream import CsvExtraction, _spans
from ingest.csvbanks.writer import write_csv
from ingest.model import RawTransaction, Statement
from ingest.rows import RowBatch, StreamRestart
from ingest.source import Source
from tests.ingest.test_stream import outcome, whole

ACCOUNT = "NL91ABNA0417164300"
OTHER = "NL20INGB0001234567"
DIALECTS = {"ing-nl": "NL69INGB0123456789", "rabobank": "NL44RABO0123456789"}
"""ING writes the newest row first, Rabobank the oldest."""


@pytest.fixture(autouse=True)
def pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    import ingest.csvbanks.stream as csv_stream
    import ingest.rows as rows

    monkeypatch.setattr(csv_stream, "PIECE", 2048)
    monkeypatch.setattr(csv_stream, "BATCH_ROWS", 40)
    monkeypatch.setattr(csv_stream, "READ_AHEAD_BYTES", 0)
    monkeypatch.setattr(rows.Batcher.__init__, "__defaults__", (40,))


def export(dialect: str, n: int = 300, per_day: int = 3) -> bytes:
    """``n`` transactions, ``per_day`` a day, two of them identical."""
    account = DIALECTS[dialect]
    start = dt.date(2024, 1, 1)
    txs = [
        RawTransaction(
            account=account,
            booking_date=start + dt.timedelta(days=i // per_day),
            amount_cents=(-1) ** i * (1_000 + 37 * i) if i != 7 else -1_000,
            counterparty_iban=OTHER,
            counterparty_name=f"Winkel {i % 11}",
            description=f"Betaling {i % 5}",
        )
        for i in range(n)
    ]
    txs[6] = txs[7]  # two equal payments on one day: both kept, with different keys
    statement = Statement(account=account, transactions=tuple(txs), opening_balance_cents=50_000)
    return write_csv([statement], dialect)


def extraction(path: Path) -> CsvExtraction:
    importer = detect(path.read_bytes(), path.name)
    found = importer.stream(Source.of_path(path), path.name)  # type: ignore[attr-defined]
    assert isinstance(found, CsvExtraction)
    return found


def first_read(path: Path) -> tuple[list[RowBatch], StreamRestart | None, CsvExtraction]:
    """The batches the pipelined read hands out, and the restart it ends in (if it does)."""
    read = extraction(path)
    read.start()
    batches: list[RowBatch] = []
    try:
        for batch in read.batches():
            batches.append(batch)
    except StreamRestart as restart:
        return batches, restart, read
    finally:
        read.close()
    return batches, None, read


def read_started(path: Path) -> dict[str, Any] | str:
    """What the store keeps of a read it started (:func:`tests.ingest.test_stream.outcome`)."""
    read = extraction(path)
    read.start()
    try:
        return outcome(read)
    finally:
        read.close()


def lines_of(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_an_export_in_date_order_goes_out_while_it_is_read(dialect: str, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(export(dialect))
    n_pieces = len(_spans(Source.of_path(path), 0)[0])
    _, restart, read = first_read(path)
    assert restart is None
    assert n_pieces > 10 and read.pieces_pipelined == n_pieces
    got = read_started(path)
    assert got == whole(path)
    assert isinstance(got, dict) and len(got["rows"]) == 300
    assert len({row[0] for row in got["rows"]}) == 300  # the two equal payments: two keys
    opening = got["statements"][0].opening_balance_cents
    assert opening == 50_000 and got["problems"] == []


def _break(data: bytes, how: str) -> bytes:
    """The export with row 200 of 300 (in file order, past the first pieces) changed."""
    lines = lines_of(data)
    at = 201  # the header is line 1
    if how == "second account":
        lines[at] = lines[at].replace(DIALECTS["ing-nl"].encode(), OTHER.encode())
    elif how == "date out of order":
        lines[at], lines[40] = lines[40], lines[at]
    elif how == "wrong character set":
        lines[at] = lines[at].replace(b"Winkel", b"Wi\x00nkel")
    return b"".join(lines)


@pytest.mark.parametrize("how", ["second account", "date out of order", "wrong character set"])
def test_an_export_that_breaks_the_order_halfway_is_read_again_whole(
    how: str, tmp_path: Path
) -> None:
    """Rows went out before the break was met: the read asks the store to start over with the
    table read whole, which gives what the whole-file reader gives (or its error)."""
    path = tmp_path / "export.csv"
    path.write_bytes(_break(export("ing-nl"), how))
    batches, restart, _ = first_read(path)
    assert batches, "rows should have gone out before the break"
    assert restart is not None and restart.instead is not None
    assert isinstance(restart.instead, CsvExtraction) and not restart.instead.pipelined
    got = read_started(path)
    if how == "wrong character set":
        assert isinstance(got, str) and got.startswith("error: export.csv:202:"), got
        return
    assert got == whole(path)
    if how == "second account":
        assert isinstance(got, dict) and len(got["statements"]) == 2


def test_an_export_of_one_day_is_read_whole_before_anything_goes_out(tmp_path: Path) -> None:
    """First and last row on the same day: which end is the oldest follows from every row's
    balance, so the table is read whole first (no restart, the same result)."""
    path = tmp_path / "export.csv"
    path.write_bytes(export("ing-nl", 60, per_day=60))
    assert len(_spans(Source.of_path(path), 0)[0]) > 3
    batches, restart, read = first_read(path)
    assert restart is None and read.pieces_pipelined == 0 and sum(map(len, batches)) == 60
    assert read_started(path) == whole(path)


def test_balances_that_do_not_add_up_are_reported_at_the_same_rows(tmp_path: Path) -> None:
    """Every debit turned into a credit: the balance check fails at about half the rows,
    also where one piece ends and the next begins."""
    path = tmp_path / "export.csv"
    path.write_bytes(export("ing-nl").replace(b'"Af"', b'"Bij"'))
    _, restart, read = first_read(path)
    assert restart is None and read.pieces_pipelined > 10
    got = read_started(path)
    assert isinstance(got, dict) and len(got["problems"]) > 100
    assert got == whole(path)


def test_an_export_in_the_fallback_character_set_goes_out_while_it_is_read(
    tmp_path: Path,
) -> None:
    """Rabobank's older exports are Windows-1252: the read that finds the pieces also finds
    that the file is not UTF-8, so every piece is converted in the fallback set at once
    instead of the read breaking off at the first accented name."""
    text = export("rabobank").decode("utf-8").replace("Winkel 7", "Café Crème 7")
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode("cp1252"))
    _, restart, read = first_read(path)
    assert restart is None
    assert read.pieces_pipelined == len(_spans(Source.of_path(path), 0)[0]) > 10
    got = read_started(path)
    assert got == whole(path)
    assert isinstance(got, dict) and sum("Café Crème" in str(row) for row in got["rows"]) > 20
