"""The importer every CSV dialect shares: recognise, read rows, split per account, order, check.

Recognition looks only at content: the exact header row, or for headerless exports the shape
of the first rows. Reading is strict (a wrong column count or an amount Excel rewrote stops the
import with a Dutch message) because a silently misread amount is worse than no import.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Sequence

from ingest.csvbanks.columnar import convert, supports
from ingest.csvbanks.dialect import Dialect, format_cents
from ingest.csvbanks.rows import EXCEL_HINT, RowParser, compile_row
from ingest.csvbanks.stream import CsvExtraction, streams
from ingest.csvbanks.table import read_table
from ingest.errors import IngestError
from ingest.model import ExtractResult, Problem, RawTransaction, SourceFormat, Statement
from ingest.source import Source
from ingest.text import decode

_HEAD = 8192
_SHAPE_ROWS = 5


def _decode_head(data: bytes, fallback: str) -> str:
    """Decode the first bytes for recognition; a multi-byte character cut at the end is fine."""
    head = data[:_HEAD]
    if head.startswith(codecs.BOM_UTF8):
        head = head[3:]
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if len(data) > _HEAD and exc.start >= len(head) - 3:
            return head[: exc.start].decode("utf-8", errors="replace")
        return head.decode(fallback, errors="replace")


def _cells(line: str, d: Dialect) -> list[str]:
    row = next(csv.reader([line], delimiter=d.delimiter, quotechar=d.quotechar), [])
    return [cell.strip() for cell in row]


def _header_matches(cells: list[str], d: Dialect) -> bool:
    while cells and not cells[-1]:
        cells.pop()
    return tuple(cells) == d.columns


class CsvImporter:
    """An :class:`ingest.base.Importer` driven by one :class:`Dialect` declaration."""

    format = SourceFormat.CSV

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.name = f"csv-{dialect.name}"
        self.bank = dialect.bank
        self._columnar = supports(dialect)

    def __repr__(self) -> str:
        return f"CsvImporter({self.dialect.name})"

    def identify(self, data: bytes) -> bool:
        d = self.dialect
        try:
            lines = _decode_head(data, d.fallback_encoding).splitlines()
            if len(data) > _HEAD:
                lines = lines[:-1]
            lines = [ln for ln in lines if ln.strip()]
            if d.preamble is not None:
                if not lines or not lines[0].startswith(d.preamble):
                    return False
                lines = lines[1:]
            if not lines:
                return False
            if d.has_header:
                return _header_matches(_cells(lines[0], d), d)
            assert d.shape is not None
            return all(d.shape(_cells(ln, d)) for ln in lines[:_SHAPE_ROWS])
        except csv.Error:
            return False

    def stream(self, source: Source, filename: str) -> CsvExtraction | None:
        """Read the file in pieces (see :mod:`ingest.csvbanks.stream`), where the columnar
        reader applies; ``None`` sends the file to :meth:`extract`."""
        if not self._columnar or not streams(self.dialect, source.head(4)):
            return None
        return CsvExtraction(self, source, filename)

    def extract(self, data: bytes, filename: str) -> ExtractResult:
        d = self.dialect
        text = self._decode(data, filename)
        problems: list[Problem] = []
        parse = compile_row(d, filename, problems)
        txs = None
        if self._columnar:
            table = read_table(text, d)
            if table is not None:
                txs = convert(d, table, parse)
        if txs is None:
            problems.clear()
            txs = self._rows(text, filename, parse)
        statements = tuple(self._statement(group, filename, problems) for group in _by_account(txs))
        if d.problems_note and statements:
            problems.insert(0, Problem(filename, 1, d.problems_note))
        return ExtractResult(SourceFormat.CSV, d.bank, d.name, statements, tuple(problems))

    def _rows(self, text: str, filename: str, parse: RowParser) -> list[RawTransaction]:
        """The row engine: ``csv.reader`` and the compiled row parser, strict line by line.

        It reads every file the columnar path declines and gives the exact message for the
        first wrong line.
        """
        d = self.dialect
        reader = csv.reader(
            io.StringIO(text, newline=""), delimiter=d.delimiter, quotechar=d.quotechar
        )
        ncols = len(d.columns)
        want_preamble, want_header, check_shape = d.preamble is not None, d.has_header, d.shape
        txs: list[RawTransaction] = []
        append = txs.append
        prev = 0
        try:
            for row in reader:
                line = prev + 1
                prev = reader.line_num
                if len(row) != ncols:
                    if not row or (len(row) == 1 and not row[0].strip()):
                        continue
                    if len(row) == ncols + 1 and not row[-1]:
                        row.pop()  # Knab ends every line with the delimiter
                    elif not (want_preamble or want_header):
                        raise IngestError(
                            filename,
                            line,
                            f"deze regel heeft {len(row)} kolommen, een {d.bank}-export heeft er "
                            f"{ncols}; {EXCEL_HINT}",
                        )
                if want_preamble:
                    want_preamble = False
                    if row[0].strip() != d.preamble:
                        raise self._not_this_bank(filename, line)
                    continue
                if want_header:
                    want_header = False
                    if not _header_matches([cell.strip() for cell in row], d):
                        raise self._not_this_bank(filename, line)
                    continue
                if check_shape is not None:
                    if not check_shape(row):
                        raise self._not_this_bank(filename, line)
                    check_shape = None
                append(parse(row, line))
        except csv.Error as exc:
            raise IngestError(
                filename, prev + 1, f"deze regel is geen geldige CSV ({exc}); {EXCEL_HINT}"
            ) from None
        if want_header or want_preamble:
            raise self._not_this_bank(filename, 1)
        return txs

    def _not_this_bank(self, filename: str, line: int) -> IngestError:
        d = self.dialect
        what = "de kolomkop" if d.has_header else "de indeling"
        return IngestError(
            filename,
            line,
            f"{what} past niet bij een {d.bank}-export ({d.name}); lever het CSV-bestand aan "
            "zoals de bank het maakt",
        )

    def _decode(self, data: bytes, filename: str) -> str:
        try:
            text, encoding = decode(data, self.dialect.fallback_encoding)
        except UnicodeDecodeError:
            raise IngestError(
                filename, 1, f"het bestand is geen leesbare tekst; {EXCEL_HINT}"
            ) from None
        for bad in ("\ufffd", "\x00"):
            pos = text.find(bad)
            if pos >= 0:
                raise IngestError(
                    filename,
                    text.count("\n", 0, pos) + 1,
                    f"het bestand bevat tekens die niet in tekenset {encoding} bestaan (geen "
                    f"tekst of een verkeerde tekenset); {EXCEL_HINT}",
                )
        return text

    def _statement(
        self, txs: list[RawTransaction], filename: str, problems: list[Problem]
    ) -> Statement:
        txs = _chronological(txs, self.dialect.newest_first)
        first, last = txs[0], txs[-1]
        opening = closing = None
        if first.balance_after_cents is not None and last.balance_after_cents is not None:
            opening = first.balance_after_cents - first.amount_cents
            closing = last.balance_after_cents
            for prev, tx in itertools.pairwise(txs):
                _check_balance(prev, tx, filename, problems)
        return Statement(
            account=first.account,
            currency=first.currency,
            transactions=tuple(txs),
            opening_balance_cents=opening,
            opening_date=first.booking_date if opening is not None else None,
            closing_balance_cents=closing,
            closing_date=last.booking_date if closing is not None else None,
            line=min(tx.line for tx in txs),
        )


def _by_account(txs: list[RawTransaction]) -> list[list[RawTransaction]]:
    """One run per account, in order of first appearance (ING "Alle rekeningen" mixes them)."""
    groups: dict[str, list[RawTransaction]] = {}
    for tx in txs:
        group = groups.get(tx.account)
        if group is None:
            groups[tx.account] = group = []
        group.append(tx)
    return list(groups.values())


def _mismatches(txs: Sequence[RawTransaction]) -> int:
    count = 0
    for prev, tx in itertools.pairwise(txs):
        a, b = prev.balance_after_cents, tx.balance_after_cents
        if a is not None and b is not None and a + tx.amount_cents != b:
            count += 1
    return count


def _chronological(txs: list[RawTransaction], newest_first: bool) -> list[RawTransaction]:
    """Oldest first, keeping the bank's within-day order (reversed when the file runs backwards).

    The dates decide the direction; when they cannot (one day), the balance column does, and
    without one the dialect's known order.
    """
    first, last = txs[0].booking_date, txs[-1].booking_date
    if first != last:
        backwards = first > last
    else:
        backwards = newest_first
        if len(txs) > 1 and txs[0].balance_after_cents is not None:
            forward_bad, backward_bad = _mismatches(txs), _mismatches(txs[::-1])
            if forward_bad != backward_bad:
                backwards = backward_bad < forward_bad
    if backwards:
        txs = txs[::-1]
    if any(a.booking_date > b.booking_date for a, b in itertools.pairwise(txs)):
        txs.sort(key=lambda tx: tx.booking_date)
    return txs


def _check_balance(
    prev: RawTransaction, tx: RawTransaction, filename: str, problems: list[Problem]
) -> None:
    a, b = prev.balance_after_cents, tx.balance_after_cents
    if a is not None and b is not None and a + tx.amount_cents != b:
        problems.append(
            Problem(
                filename,
                tx.line,
                f"saldo na deze mutatie is {format_cents(b)}, maar het vorige saldo "
                f"{format_cents(a)} plus het bedrag {format_cents(tx.amount_cents)} is "
                f"{format_cents(a + tx.amount_cents)}; ontbreekt er een mutatie of is het "
                "bestand bewerkt?",
            )
        )
