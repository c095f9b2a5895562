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

A large export of one account in date order, which is what banks write, does not wait for the
whole table (:meth:`CsvExtraction._pipelined`): its first and last pieces are converted first,
which gives the direction (newest first or oldest first) and the opening and closing balance
every row carries, then the pieces are converted in the order their rows go out while the store
inserts the rows of the pieces before. A file that turns out otherwise halfway (a second
account, a date out of order, a piece the columnar reader cannot read) asks the store to start
over with the table read whole (:class:`ingest.rows.StreamRestart` with ``instead``), which
decides and reports exactly as before.
"""

from __future__ import annotations

import codecs
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
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

PIPELINE_CONVERTERS = 1
"""Threads converting pieces while rows go out (:meth:`CsvExtraction._pipelined`): one piece's
polars work already uses both cores at times, and the importing thread, which turns rows into
batches and stores them, needs one. With two converters the import was 4 % faster than reading
the table whole, with one 7 % (12 alternating runs of 100 000 ING rows, faster in 10 of 12)."""

PIPELINE_AHEAD = 2
"""Pieces converted or being converted ahead of the one whose rows go out."""

READ_AHEAD_BYTES = 1 << 20
"""Files from this size are read on a thread from :meth:`CsvExtraction.start` on; for smaller
ones a thread's start costs more than the overlap gains."""


def streams(d: Dialect, head: bytes) -> bool:
    """Whether files of ``d`` starting with ``head`` can be streamed at all: the columnar
    dialects with their own account column, in an 8-bit encoding or UTF-8."""
    return d.account is not None and not head.startswith(_UTF16)


@dataclass(frozen=True, slots=True)
class _Span:
    """Where a piece of whole lines lies in the file, and how many lines come before it."""

    index: int
    start: int
    end: int
    lines_before: int


def _pieces(source: Source, skip: int) -> Iterator[tuple[_Span, bytes]]:
    """The file from byte ``skip`` on, in pieces of about :data:`PIECE` bytes that end at a
    line break, each with where it lies."""
    rest = b""
    position = skip
    lines = index = 0
    with source.open() as stream:
        stream.seek(skip)
        while block := stream.read(PIECE):
            position += len(block)
            block = rest + block
            cut = block.rfind(b"\n") + 1
            if cut == 0:
                rest = block
                continue
            rest = block[cut:]
            piece = block[:cut]
            start = position - len(block)
            yield _Span(index, start, start + cut, lines), piece
            lines += piece.count(b"\n")
            index += 1
    if rest:
        yield _Span(index, position - len(rest), position, lines), rest


def _spans(source: Source, skip: int) -> tuple[list[_Span], bool]:
    """Where the pieces lie (the file read once, nothing kept), and whether the whole file is
    UTF-8 (a line break never falls inside a character: the pieces can be checked apart)."""
    spans: list[_Span] = []
    utf8 = True
    for span, piece in _pieces(source, skip):
        spans.append(span)
        utf8 = utf8 and _is_utf8(piece)
    return spans, utf8


def _is_utf8(data: bytes) -> bool:
    try:
        str(data, "utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _piece(source: Source, span: _Span) -> bytes:
    with source.open() as stream:
        stream.seek(span.start)
        return stream.read(span.end - span.start)


class CsvExtraction(Extraction):
    """The streaming extraction of one CSV export by one dialect's importer.

    It is not worth a worker process: reading is polars (several threads already), which runs
    without the GIL next to the importing thread. Once the store calls :meth:`start` (files of
    :data:`READ_AHEAD_BYTES` and more), a one-account export in date order is read pipelined
    (:meth:`_pipelined`): its first and last pieces are converted while the importing thread
    hashes the file and keeps its compressed copy, and rows go out while later pieces are
    converted. For 1 000 000 ING rows that lowered the peak memory from 600 to 425 MB, since
    the whole table is never held. Without :meth:`start`, or when ``pipelined`` is off (the
    store's second try after a pipelined read broke off), the table is read whole first: its
    pieces are converted two at a time (:meth:`_read`), because one piece's polars work alone
    keeps only about 1.3 cores busy, on a thread from :meth:`start` on.
    """

    worker_from = None

    def __init__(
        self, importer: CsvImporter, source: Source, filename: str, *, pipelined: bool = True
    ) -> None:
        d = importer.dialect
        super().__init__(SourceFormat.CSV, d.bank, d.name)
        self.importer = importer
        self.dialect_spec = d
        self.source = source
        self.filename = filename
        self.pipelined = pipelined
        """Whether :meth:`start` may begin the pipelined read (else the table is read whole)."""
        self.pieces_pipelined = 0
        """Pieces the pipelined read took in order (for tests)."""
        self._ahead: threading.Thread | None = None
        self._read_ahead: list[pl.DataFrame | BaseException] = []
        self._pool: ThreadPoolExecutor | None = None
        self._ends: Future[_Ends] | None = None

    def start(self) -> None:
        if self._ahead is not None or self._pool is not None:
            return
        if self.source.size < READ_AHEAD_BYTES:
            return
        if self.pipelined:
            self._pool = ThreadPoolExecutor(PIPELINE_CONVERTERS, thread_name_prefix="csv-piece")
            self._ends = self._pool.submit(self._convert_ends)
            return
        self._ahead = threading.Thread(target=self._read_table, name="csv-read-ahead", daemon=True)
        self._ahead.start()

    def _read_table(self) -> None:
        try:
            self._read_ahead.append(self._table())
        except BaseException as exc:  # handed to the importing thread, which raises it
            self._read_ahead.append(exc)

    def batches(self) -> Iterator[RowBatch]:
        if self._ends is not None:
            yield from self._pipelined(self._ends)
            return
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
        self._stop_pool()

    def _stop_pool(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

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
        with ThreadPoolExecutor(CONVERTERS, thread_name_prefix="csv-piece") as pool:
            try:
                for span, piece in _pieces(self.source, skip):
                    pending.append(pool.submit(self._convert, span, piece, encoding))
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

    def _convert(self, span: _Span, piece: bytes, encoding: str) -> pl.DataFrame:
        """One piece (whole lines, at ``span``) as a typed table."""
        lines_before, first = span.lines_before, span.index == 0
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

    # the pipelined read ---------------------------------------------------------------------
    def _skip(self) -> int:
        return 3 if self.source.head(3).startswith(codecs.BOM_UTF8) else 0

    def _convert_span(self, span: _Span, encoding: str) -> pl.DataFrame:
        return self._convert(span, _piece(self.source, span), encoding)

    def _convert_ends(self) -> _Ends:
        """Find the pieces and the encoding, and start converting the first and the last
        piece (on the pool). The encoding is the one :meth:`_table` settles on: UTF-8 if the
        whole file is (always, after a byte-order mark), else the dialect's fallback."""
        assert self._pool is not None
        skip = self._skip()
        spans, utf8 = _spans(self.source, skip)
        encoding = "utf-8" if utf8 or skip else self.dialect_spec.fallback_encoding
        if not spans:
            return _Ends(spans, None, None, encoding)
        first = self._pool.submit(self._convert_span, spans[0], encoding)
        last = (
            self._pool.submit(self._convert_span, spans[-1], encoding) if len(spans) > 1 else first
        )
        return _Ends(spans, first, last, encoding)

    def _pipelined(self, started: Future[_Ends]) -> Iterator[RowBatch]:
        """The rows of a one-account, date-ordered export while its pieces are converted.

        The first and last pieces decide the direction and the balances (:class:`_Plan`);
        the others are converted, at most :data:`PIPELINE_AHEAD` ahead, in the order their
        rows go out. Rows, statement and problems are exactly those :meth:`_emit` makes of the
        whole table. A file the two ends do not settle goes to the whole table at once, and so
        does one whose break shows before its first batch went out; after that, through the
        store's restart.
        """
        try:
            plan = _Plan.of(started.result())
            if plan is None:
                self._stop_pool()
                yield from self._emit(self._table())
                return
            yield from self._pipeline(plan)
        except _Broken:
            raise StreamRestart(
                instead=CsvExtraction(self.importer, self.source, self.filename, pipelined=False)
            ) from None
        finally:
            self._stop_pool()

    def _pipeline(self, plan: _Plan) -> Iterator[RowBatch]:
        pool = self._pool
        assert pool is not None
        batcher = Batcher()
        batcher.open(plan.account, plan.currency, plan.line)
        problems: list[Problem] = []
        carry: pl.DataFrame | None = None
        previous_day: Any = None
        rows = 0
        total = max(sum(span.end - span.start for span in plan.order), 1)
        done = 0
        pending: deque[Future[pl.DataFrame]] = deque()
        submitted = 0
        yielded = False
        for span in plan.order:
            while submitted < len(plan.order) and len(pending) <= PIPELINE_AHEAD:
                upcoming = plan.order[submitted]
                found = plan.ready.pop(upcoming.index, None)
                pending.append(found or pool.submit(self._convert_span, upcoming, plan.encoding))
                submitted += 1
            try:
                frame = pending.popleft().result()
                chronological = plan.check(frame, previous_day)
            except (_Broken, IngestError, StreamRestart, UnicodeDecodeError):
                if yielded:
                    raise _Broken from None
                for future in pending:
                    future.cancel()
                self._stop_pool()
                yield from self._emit(self._table())
                return
            self.pieces_pipelined += 1
            progress = self.source.size * done // total
            done += span.end - span.start
            if not chronological.height:
                continue
            previous_day = chronological.get_column("booking_date")[-1]
            rows += chronological.height
            if plan.opening is not None:
                small = chronological.select("balance_after_cents", "amount_cents", "line")
                if carry is not None:
                    small = pl.concat([carry, small])
                problems += _balance_problems(small, self.filename)
                carry = small.tail(1)
            for start in range(0, chronological.height, BATCH_ROWS):
                piece = chronological.slice(start, BATCH_ROWS).with_columns(_ISO_DAYS)
                columns: list[Any] = [piece.get_column(name).to_list() for name in TX_FIELDS]
                batcher.add_columns(plan.account, plan.opening, plan.closing, columns)
                if batcher.full:
                    batch = batcher.take(progress)
                    if batch is not None:
                        yielded = True
                        yield batch
        last = batcher.take(self.source.size)
        if last is not None:
            yield last
        d = self.dialect_spec
        if d.problems_note:
            problems.insert(0, Problem(self.filename, 1, d.problems_note))
        self.statements = [plan.head(rows)]
        self.problems = problems

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
            yield piece.with_columns(_ISO_DAYS)


_ISO_DAYS = (
    pl.col("booking_date").dt.strftime("%Y-%m-%d"),
    pl.col("value_date").dt.strftime("%Y-%m-%d"),
)
"""The two dates as the ISO text batches carry."""


class _Broken(Exception):
    """A piece broke what the pipelined read assumed (see :meth:`_Plan.check`)."""


@dataclass(slots=True)
class _Ends:
    """The pieces of a file and the conversions of its first and last piece (the same one
    when there is only one)."""

    spans: list[_Span]
    first: Future[pl.DataFrame] | None
    last: Future[pl.DataFrame] | None
    encoding: str


@dataclass(slots=True)
class _Plan:
    """What the first and last piece of a one-account export tell before the rest is read:
    the account, the direction and the statement's balances, which every row carries."""

    raw_account: str
    """The account as the rows state it (every piece must state only this one)."""
    account: str
    currency: str
    line: int
    backwards: bool
    first_day: Any
    last_day: Any
    opening: int | None
    closing: int | None
    order: list[_Span]
    """The pieces in the order their rows go out (the statement's, oldest first)."""
    ready: dict[int, Future[pl.DataFrame]]
    """Conversions already started, by piece."""
    encoding: str

    @classmethod
    def of(cls, ends: _Ends) -> _Plan | None:
        """The plan, or ``None`` where only the whole table can tell: a piece that does not
        convert, more than one account at the ends, or a first and last row of the same day
        (then :func:`_chronological` weighs the balances of every row)."""
        if ends.first is None or ends.last is None:
            return None
        try:
            first, last = ends.first.result(), ends.last.result()
        except (IngestError, StreamRestart, UnicodeDecodeError):
            return None
        if not first.height or not last.height:
            return None
        accounts = pl.concat([first.get_column("account"), last.get_column("account")])
        if accounts.null_count() or accounts.n_unique() != 1:
            return None
        start, end = first.get_column("booking_date")[0], last.get_column("booking_date")[-1]
        if start == end:
            return None
        backwards = start > end
        oldest = last.row(-1, named=True) if backwards else first.row(0, named=True)
        newest = first.row(0, named=True) if backwards else last.row(-1, named=True)
        opening = closing = None
        if oldest["balance_after_cents"] is not None and newest["balance_after_cents"] is not None:
            opening = oldest["balance_after_cents"] - oldest["amount_cents"]
            closing = newest["balance_after_cents"]
        spans = ends.spans
        return cls(
            raw_account=accounts[0],
            account=account_key(accounts[0]),
            currency=oldest["currency"],
            line=int(first.get_column("line").min()),  # type: ignore[arg-type]
            backwards=backwards,
            first_day=oldest["booking_date"],
            last_day=newest["booking_date"],
            opening=opening,
            closing=closing,
            order=spans[::-1] if backwards else list(spans),
            ready={spans[0].index: ends.first, spans[-1].index: ends.last},
            encoding=ends.encoding,
        )

    def check(self, frame: pl.DataFrame, previous_day: Any) -> pl.DataFrame:
        """A piece's rows oldest first, if it has only the plan's account and its days
        follow on from ``previous_day`` in order; else :class:`_Broken`."""
        if not frame.height:
            return frame
        accounts = frame.get_column("account")
        if accounts.null_count() or accounts.n_unique() != 1 or accounts[0] != self.raw_account:
            raise _Broken
        ordered = frame.reverse() if self.backwards else frame
        days = ordered.get_column("booking_date")
        if not days.is_sorted() or (previous_day is not None and days[0] < previous_day):
            raise _Broken
        return ordered

    def head(self, rows: int) -> StatementHead:
        return StatementHead(
            self.account,
            self.currency,
            None,
            self.opening,
            self.first_day if self.opening is not None else None,
            self.closing,
            self.last_day if self.closing is not None else None,
            rows,
            self.line,
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
