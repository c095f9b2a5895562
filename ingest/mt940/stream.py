"""An MT940 file read as a stream of row batches, for files of any size.

The ``mt-940`` library parses a whole text into objects at once (about 3 kB per transaction),
so a statement of a million transactions is given to it in slices: each slice is the
statement's header (``:20:`` to the first ``:61:``), a run of entries (``:61:`` with their
``:86:``) and the statement's tail (``:62F:`` onwards). The library reads every slice's header
and tail the same way and each ``:61:`` only from itself and the header, so the transactions
are exactly those of one whole parse; a statement with anything else between its entries is
given whole (:attr:`ingest.mt940.scan.Block.chunkable`). Our own scan, splitters and checks are
those of :mod:`ingest.mt940.reader`.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ingest.errors import IngestError
from ingest.model import Problem, SourceFormat
from ingest.mt940.details import SPLITTERS
from ingest.mt940.reader import (
    NO_STATEMENT,
    _envelope,
    balance_problem,
    check_continuity,
    decode_text,
    entry_rows,
    statement_head,
)
from ingest.mt940.scan import Block, scan
from ingest.rows import BATCH_ROWS, Batcher, Extraction, RowBatch, StatementHead, account_key
from ingest.source import Source

if TYPE_CHECKING:
    from ingest.mt940.banks import MT940Importer

DAMAGED = "het bestand is beschadigd; exporteer het afschrift opnieuw bij de bank"
UNKNOWN_BANK = (
    "de bank van dit MT940-bestand is niet herkend; tegenpartij en omschrijving zijn "
    "zo goed mogelijk uit de vrije tekst gehaald"
)


def _slices(block: Block, text: str, size: int) -> Iterator[tuple[int, int, str]]:
    """``(first, end, text)``: entries ``first..end-1`` of ``block`` and the text to parse."""
    offsets, n = block.offsets, block.count
    lead = ":20:\n" if block.synthetic_20 else ""
    if not block.chunkable or n <= size:
        yield 0, n, lead + text[block.offset : block.end]
        return
    header = lead + text[block.offset : offsets[0]]
    tail_start = block.tail or block.end
    tail = text[tail_start : block.end]
    for first in range(0, n, size):
        end = min(first + size, n)
        stop = offsets[end] if end < n else tail_start
        yield first, end, header + text[offsets[first] : stop] + tail


class Mt940Extraction(Extraction):
    """The streaming extraction of one MT940 file by one bank's importer."""

    worker_from = 3 << 20
    """Measured (median of 5, one process against a worker): 1.3 MB (10 000 entries) 0.43
    against 0.46 s, 2.6 MB 0.96 against 0.95 s, 5.3 MB 1.91 against 1.66 s."""

    def __init__(self, importer: MT940Importer, source: Source, filename: str) -> None:
        super().__init__(SourceFormat.MT940, importer.bank, "")
        self.importer = importer
        self.source = source
        self.filename = filename

    def batches(self) -> Iterator[RowBatch]:
        from ingest.mt940.banks import CODE_OF, UNKNOWN, VOLKSBANK, dialect_of

        filename, bank = self.filename, self.importer.bank
        text = decode_text(self.source.read(), filename)
        self.dialect = dialect = dialect_of(bank, text)
        splitter, bank_code = SPLITTERS[dialect], CODE_OF.get(bank)
        volksbank = bank in VOLKSBANK
        blocks = scan(text, filename)
        if not blocks:
            raise IngestError(filename, 1, NO_STATEMENT)
        problems: list[Problem] = []
        heads: list[StatementHead] = []
        batcher = Batcher()
        scale = self.source.size / max(len(text), 1)
        for block in blocks:
            head = None
            total = 0
            for first, end, piece in _slices(block, text, BATCH_ROWS):
                enabled = gc.isenabled()
                gc.disable()  # millions of acyclic objects: collections would find nothing
                try:
                    parsed = _envelope(piece, text, filename, volksbank)
                    if len(parsed) != 1:
                        raise IngestError(filename, blocks[0].line, DAMAGED)
                    lib = parsed[0]
                    if head is None:
                        head = statement_head(block, lib, filename, bank_code)
                        key = account_key(head.account)
                        batcher.open(key, head.currency, block.line)
                    rows = entry_rows(
                        block.entries(text, first, end),
                        lib.transactions,
                        head,
                        block,
                        text,
                        filename,
                        splitter,
                        problems,
                    )
                finally:
                    if enabled:
                        gc.enable()
                total += sum(row[2] for row in rows)
                batcher.add(key, head.opening_cents, head.closing_cents, rows)
                if batcher.full:
                    progress = block.offsets[end - 1] if end else block.offset
                    batch = batcher.take(int(progress * scale))
                    if batch is not None:
                        yield batch
            assert head is not None
            problem = balance_problem(head, total, block, filename)
            if problem is not None:
                problems.append(problem)
            heads.append(
                StatementHead(
                    account_key(head.account),
                    head.currency,
                    head.statement_id,
                    head.opening_cents,
                    head.opening_date,
                    head.closing_cents,
                    head.closing_date,
                    block.count,
                    block.line,
                )
            )
        check_continuity(heads, blocks, filename, problems)
        if bank == UNKNOWN:
            problems.insert(0, Problem(filename, 1, UNKNOWN_BANK))
        last = batcher.take(self.source.size)
        if last is not None:
            yield last
        self.statements = heads
        self.problems = problems
