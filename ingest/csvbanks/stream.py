"""A CSV export read in pieces into one compact table, then handed out as row batches.

The whole-file reader holds the text, its copies for polars and a Python record per row (2.6 GB
for a million ING rows). Here the file is read in pieces of whole lines (a line break never
falls inside a character in any of the encodings, and never inside a field of a file the
columnar reader accepts), each piece goes through the same columnar conversion
(:func:`ingest.csvbanks.columnar.convert_frame`) into a typed polars table, and only the
statements' order, balances and checks are decided on the whole table, exactly as
:mod:`ingest.csvbanks.engine` decides them on records. Rows then leave in batches, so Python
objects exist for one batch at a time.

Whatever the columnar reader would hand to the row engine (an odd header, blank lines, ragged
or oddly quoted rows, values it cannot prove it reads right) makes the stream ask for a restart
without streaming, which then reads the file whole as before.
"""

from __future__ import annotations

import codecs
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import polars as pl

from ingest.csvbanks.columnar import convert_frame
from ingest.csvbanks.dialect import Dialect, format_cents
from ingest.csvbanks.rows import EXCEL_HINT, compile_row
from ingest.csvbanks.table import header_end, header_ok, read_rows, rows_ok
from ingest.errors import IngestError
from ingest.model import Problem, SourceFormat
from ingest.rows import (
    BATCH_ROWS,
    TX_FIELDS,
    Batcher,
    Extraction,
    RowBatch,
    StatementHead,
    StreamRestart,
    account_key,
)
from ingest.source import Source

if TYPE_CHECKING:
    from ingest.csvbanks.engine import CsvImporter

PIECE = 1 << 22
"""Bytes per piece (4 MiB, some 15 000 rows): the conversion's temporaries are several
times a piece."""

_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


CONVERTERS = 2
"""Threads converting pieces at once: this machine kind has two cores, and most of a piece's
conversion is polars, which runs without the GIL."""

AHEAD = 3
"""Pieces read but not yet converted or collected, at most (each a few times 4 MiB while it is
converted), so memory stays bounded for any file size."""

READ_AHEAD_BYTES = 1 << 20
"""Files from this size are read on a thread from :meth:`CsvExtraction.start` on; for smaller
ones a thread's start costs more than the overlap gains."""


def streams(d: Dialect, head: bytes) -> bool:
    """Whether files of ``d`` starting with ``head`` can be streamed at all: the columnar
    dialects with their own account column, in an 8-bit encoding or UTF-8."""
    return d.account is not None and not head.startswith(_UTF16)


def _pieces(source: Source, skip: int) -> Iterator[bytes]:
    """The file from byte ``skip`` on, in pieces that end at a line break."""
    rest = b""
    with source.open() as stream:
        stream.seek(skip)
        while block := stream.read(PIECE):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            if cut == 0:
                rest = block
                continue
            rest = block[cut:]
            yield block[:cut]
    if rest:
        yield rest


class CsvExtraction(Extraction):
    """The streaming extraction of one CSV export by one dialect's importer.

    It is not worth a worker process: reading is polars (several threads already) and the
    whole file is read before the first row can go out, so storing could not overlap it. What
    can overlap is the import's start: :meth:`start` reads the table on a thread while the
    importing thread hashes the file and keeps its compressed copy (polars, hashlib and zlib
    all work without the GIL), so a large export's table is ready, or nearly, when its rows
    are asked for. Its pieces are converted two at a time (:meth:`_read`): one piece's polars
    work alone keeps only about 1.3 cores busy.
    """

    parallel = False

    def __init__(self, importer: CsvImporter, source: Source, filename: str) -> None:
        d = importer.dialect
        super().__init__(SourceFormat.CSV, d.bank, d.name)
        self.dialect_spec = d
        self.source = source
        self.filename = filename
        self._ahead: threading.Thread | None = None
        self._read_ahead: list[pl.DataFrame | BaseException] = []

    def start(self) -> None:
        if self._ahead is None and self.source.size >= READ_AHEAD_BYTES:
            self._ahead = threading.Thread(
                target=self._read_table, name="csv-read-ahead", daemon=True
            )
            self._ahead.start()

    def _read_table(self) -> None:
        try:
            self._read_ahead.append(self._table())
        except BaseException as exc:  # handed to the importing thread, which raises it
            self._read_ahead.append(exc)

    def batches(self) -> Iterator[RowBatch]:
        if self._ahead is None:
            frame = self._table()
        else:
            self._ahead.join()
            found = self._read_ahead.pop()
            if isinstance(found, BaseException):
                raise found
            frame = found
        yield from self._emit(frame)

    def close(self) -> None:
        if self._ahead is not None:
            self._ahead.join()  # a failed import returns only once the thread is done reading

    def _table(self) -> pl.DataFrame:
        """The whole file as one typed table (columns :data:`TX_FIELDS`), in file order."""
        bom = self.source.head(3).startswith(codecs.BOM_UTF8)
        encodings = ["utf-8"] if bom else ["utf-8", self.dialect_spec.fallback_encoding]
        for encoding in encodings:
            try:
                return self._read(encoding, 3 if bom else 0)
            except UnicodeDecodeError:
                if bom:
                    raise IngestError(
                        self.filename, 1, f"het bestand is geen leesbare tekst; {EXCEL_HINT}"
                    ) from None
        raise AssertionError("the fallback encoding decodes every byte")

    def _read(self, encoding: str, skip: int) -> pl.DataFrame:
        """Convert the pieces on :data:`CONVERTERS` threads (polars works without the GIL), at
        most :data:`AHEAD` pieces in flight; results and errors are taken in file order, so
        the first problem in the file is the one reported, as when reading piece by piece."""
        frames: list[pl.DataFrame] = []
        pending: deque[Future[pl.DataFrame]] = deque()
        lines_before = 0
        with ThreadPoolExecutor(CONVERTERS, thread_name_prefix="csv-piece") as pool:
            try:
                for index, piece in enumerate(_pieces(self.source, skip)):
                    pending.append(
                        pool.submit(self._convert, piece, encoding, lines_before, index == 0)
                    )
                    lines_before += piece.count(b"\n")
                    if len(pending) >= AHEAD:
                        frames.append(pending.popleft().result())
                while pending:
                    frames.append(pending.popleft().result())
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        if not frames:
            raise StreamRestart  # an empty file: the whole-file reader says what is wrong
        return pl.concat(frames, rechunk=False)

    def _convert(self, piece: bytes, encoding: str, lines_before: int, first: bool) -> pl.DataFrame:
        """One piece (whole lines; ``lines_before`` lines precede it) as a typed table."""
        d, filename = self.dialect_spec, self.filename
        errors = "strict" if encoding == "utf-8" else "replace"
        text = piece.decode(encoding, errors)
        for bad in ("\ufffd", "\x00"):
            pos = text.find(bad)
            if pos >= 0:
                raise IngestError(
                    filename,
                    lines_before + text.count("\n", 0, pos) + 1,
                    f"het bestand bevat tekens die niet in tekenset {encoding} bestaan (geen "
                    f"tekst of een verkeerde tekenset); {EXCEL_HINT}",
                )
        body, start = text, lines_before + 1
        if first and d.has_header:
            if not header_ok(text, d):
                raise StreamRestart
            body, start = text[header_end(text) :], 2
        if not rows_ok(body, d):
            raise StreamRestart
        table = read_rows(body, d, start, check_shape=first)
        converted = (
            convert_frame(d, table, compile_row(d, filename, [])) if table is not None else None
        )
        if converted is None:
            raise StreamRestart
        return converted

    def _emit(self, frame: pl.DataFrame) -> Iterator[RowBatch]:
        d = self.dialect_spec
        batcher = Batcher()
        heads: list[StatementHead] = []
        problems: list[Problem] = []
        statements = [self._statement(g, problems) for g in _by_account(frame)]
        if d.problems_note and statements:
            problems.insert(0, Problem(self.filename, 1, d.problems_note))
        done = 0
        for order, head in statements:
            heads.append(head)
            batcher.open(head.account, head.currency, head.line)
            for piece in order.pieces(BATCH_ROWS):
                columns: list[Any] = [piece.get_column(name).to_list() for name in TX_FIELDS]
                batcher.add_columns(
                    head.account,
                    head.opening_balance_cents,
                    head.closing_balance_cents,
                    columns,
                )
                done += piece.height
                if batcher.full:
                    batch = batcher.take(self.source.size * done // max(frame.height, 1))
                    if batch is not None:
                        yield batch
        last = batcher.take(self.source.size)
        if last is not None:
            yield last
        self.statements = heads
        self.problems = problems

    def _statement(
        self, group: pl.DataFrame, problems: list[Problem]
    ) -> tuple[_Order, StatementHead]:
        """As :meth:`ingest.csvbanks.engine.CsvImporter._statement`, on a table."""
        order = _chronological(group, self.dialect_spec.newest_first)
        first, last = order.row(0), order.row(-1)
        opening = closing = None
        if first["balance_after_cents"] is not None and last["balance_after_cents"] is not None:
            opening = first["balance_after_cents"] - first["amount_cents"]
            closing = last["balance_after_cents"]
            problems += _balance_problems(order.frame(), self.filename)
        head = StatementHead(
            account_key(first["account"]),
            first["currency"],
            None,
            opening,
            first["booking_date"] if opening is not None else None,
            closing,
            last["booking_date"] if closing is not None else None,
            group.height,
            int(group.get_column("line").min()),  # type: ignore[arg-type]
        )
        return order, head


class _Order:
    """The rows of one statement in the order the statement lists them, without copying the
    table: newest-first exports are read backwards, a rare unsorted one through an index."""

    def __init__(self, group: pl.DataFrame, backwards: bool, index: pl.Series | None) -> None:
        self.group = group
        self.backwards = backwards
        self.index = index

    def row(self, i: int) -> dict[str, Any]:
        n = self.group.height
        at = i % n
        if self.index is not None:
            at = int(self.index[at])
        elif self.backwards:
            at = n - 1 - at
        return self.group.row(at, named=True)

    def frame(self) -> pl.DataFrame:
        """The whole statement in order (for the balance checks, a few columns)."""
        small = self.group.select("balance_after_cents", "amount_cents", "line")
        if self.index is not None:
            return small[self.index]
        return small.reverse() if self.backwards else small

    def pieces(self, size: int) -> Iterator[pl.DataFrame]:
        """Consecutive pieces in order, dates as ISO text."""
        n = self.group.height
        for start in range(0, n, size):
            length = min(size, n - start)
            if self.index is not None:
                piece = self.group[self.index.slice(start, length)]
            elif self.backwards:
                piece = self.group.slice(n - start - length, length).reverse()
            else:
                piece = self.group.slice(start, length)
            yield piece.with_columns(
                pl.col("booking_date").dt.strftime("%Y-%m-%d"),
                pl.col("value_date").dt.strftime("%Y-%m-%d"),
            )


def _by_account(frame: pl.DataFrame) -> list[pl.DataFrame]:
    """One table per account, in order of first appearance, rows in file order."""
    accounts = frame.get_column("account").unique(maintain_order=True).to_list()
    if len(accounts) == 1:
        return [frame]
    return [frame.filter(pl.col("account") == account) for account in accounts]


def _mismatches(group: pl.DataFrame) -> int:
    balance = pl.col("balance_after_cents")
    bad = (balance.shift(1) + pl.col("amount_cents")) != balance
    return int(group.select(bad.fill_null(False).sum()).item())


def _chronological(group: pl.DataFrame, newest_first: bool) -> _Order:
    """As :func:`ingest.csvbanks.engine._chronological`, on a table."""
    days = group.get_column("booking_date")
    first, last = days[0], days[-1]
    if first != last:
        backwards = first > last
    else:
        backwards = newest_first
        if group.height > 1 and group.get_column("balance_after_cents")[0] is not None:
            forward_bad, backward_bad = _mismatches(group), _mismatches(group.reverse())
            if forward_bad != backward_bad:
                backwards = backward_bad < forward_bad
    ordered = days.reverse() if backwards else days
    if ordered.is_sorted():
        return _Order(group, backwards, None)
    positions = pl.int_range(group.height, eager=True, dtype=pl.UInt32)
    if backwards:
        positions = positions.reverse()
    frame = pl.DataFrame({"day": ordered, "at": positions})
    return _Order(group, backwards, frame.sort("day", maintain_order=True).get_column("at"))


def _balance_problems(group: pl.DataFrame, filename: str) -> list[Problem]:
    """As :func:`ingest.csvbanks.engine._check_balance` for every consecutive pair."""
    balance = pl.col("balance_after_cents")
    checked = group.select(
        balance.shift(1).alias("a"),
        balance.alias("b"),
        pl.col("amount_cents").alias("amount"),
        pl.col("line"),
    ).filter((pl.col("a") + pl.col("amount")) != pl.col("b"))
    return [
        Problem(
            filename,
            line,
            f"saldo na deze mutatie is {format_cents(b)}, maar het vorige saldo "
            f"{format_cents(a)} plus het bedrag {format_cents(amount)} is "
            f"{format_cents(a + amount)}; ontbreekt er een mutatie of is het "
            "bestand bewerkt?",
        )
        for a, b, amount, line in checked.iter_rows()
    ]
