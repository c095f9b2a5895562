"""Storing a file: all or nothing, never twice, never resurrecting a deletion, in bounded memory.

A file is imported inside the caller's database transaction (``store.db.session_scope``): if
anything fails, nothing of it remains, not even the raw bytes or the import row. Rows arrive in
batches while the file is still being read (:mod:`ingest.rows`), large files are parsed in a
second process (:mod:`ingest.worker`), and each batch is inserted at once
(:mod:`store.batch_writer`), so neither the file nor its transactions are ever held whole.

Duplicates are recognised by the canonical key (``ingest.canonical``) against every stored
transaction of the same account, including deleted ones: the database's unique key on
``(account_id, tx_key)`` decides, inside the same transaction.
"""

from __future__ import annotations

import datetime as dt
import gc
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ingest import benefits
from ingest.amounts import format_euro
from ingest.base import Importer, detect
from ingest.errors import IngestError
from ingest.model import ACCOUNT_NOT_STATED, ExtractResult, Problem, Severity
from ingest.rows import Extraction, Opened, ResultExtraction, StatementHead, StreamRestart
from ingest.source import HEAD, Source
from ingest.text import is_iban, normalize_iban
from ingest.worker import GC_THRESHOLD, WorkerExtraction
from store.batch_writer import BatchWriter
from store.benefits import relink, store_benefit_file
from store.households import get_household
from store.import_log import ImportSummary, begin_import, finish_import
from store.models import Household, StatementRow

Progress = Callable[[int], None]
"""Called with the number of bytes of the file read so far."""


def import_bytes(
    session: Session,
    household_code: str,
    data: bytes,
    filename: str,
    actor: str,
    *,
    account: str | None = None,
) -> ImportSummary:
    """Detect, extract and store one file held in memory (see :func:`import_file`)."""
    source = Source.of_bytes(data, filename)
    return import_source(session, household_code, source, filename, actor, account=account)


def import_file(
    session: Session,
    household_code: str,
    path: Path | str,
    filename: str,
    actor: str,
    *,
    account: str | None = None,
    worker: bool | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Detect, extract and store one file from disk, reading it in pieces.

    ``account`` names the own account for exports that do not state it (the older bunq CSV);
    a file that does state its account keeps its own. ``worker`` forces (``True``) or forbids
    (``False``) parsing in a second process; by default large files get one.
    """
    source = Source.of_path(path, filename)
    return import_source(
        session,
        household_code,
        source,
        filename,
        actor,
        account=account,
        worker=worker,
        progress=progress,
    )


def import_source(
    session: Session,
    household_code: str,
    source: Source,
    filename: str,
    actor: str,
    *,
    account: str | None = None,
    worker: bool | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    household = get_household(session, household_code)
    head = source.head()
    if benefits.identify(head):
        data = source.read()
        parsed = benefits.parse_benefit_file(data, filename)
        return store_benefit_file(session, household, parsed, data, filename, actor)
    importer = _detect(source, head, filename)
    extraction = _extraction(importer, source, filename, worker, account)
    return store_extraction(
        session,
        household,
        extraction,
        source,
        filename,
        importer.name,
        actor,
        progress,
        fallback=None
        if isinstance(extraction, ResultExtraction)
        else lambda: _classic(importer, source, filename, account),
    )


def _detect(source: Source, head: bytes, filename: str) -> Importer:
    """The importer, from the first bytes: every ``identify`` reads only those, except a zip
    archive's (read whole) and the "empty file" check of a file that starts blank."""
    if source.size <= HEAD or head.startswith(b"PK\x03\x04") or not head.strip():
        return detect(source.read(), filename)
    return detect(head, filename)


def _extraction(
    importer: Importer, source: Source, filename: str, worker: bool | None, account: str | None
) -> Extraction:
    """A streaming extraction where the importer offers one, else the whole-file one.

    Creating a streaming extraction reads nothing yet; it only says whether the importer
    streams this file (never one that may lack its own account, which ``account`` then
    supplies). Large files on disk are read by a worker process instead.
    """
    stream = getattr(importer, "stream", None)
    streamed: Extraction | None = stream(source, filename) if stream is not None else None
    if streamed is None:
        return _classic(importer, source, filename, account)
    if worker is None:
        worker = streamed.worker_from is not None and source.size >= streamed.worker_from
    if worker and source.path is not None:
        return WorkerExtraction(streamed, importer, source.path, filename)
    return streamed


def _classic(importer: Importer, source: Source, filename: str, account: str | None) -> Extraction:
    result = _with_account(importer.extract(source.read(), filename), account, filename)
    return ResultExtraction(result, progress=source.size)


def _with_account(result: ExtractResult, account: str | None, filename: str) -> ExtractResult:
    nameless = [s for s in result.statements if not s.account.strip()]
    if not nameless:
        return result
    if account is None:
        raise IngestError(
            filename,
            max(nameless[0].line, 1),
            ACCOUNT_NOT_STATED,
        )
    iban = normalize_iban(account) or ""
    if not is_iban(iban):
        raise IngestError(filename, 0, f"--account {account!r} is geen geldig IBAN-nummer")
    statements = tuple(
        replace(
            s,
            account=iban,
            transactions=tuple(replace(t, account=iban) for t in s.transactions),
        )
        if s in nameless
        else s
        for s in result.statements
    )
    problems = tuple(p for p in result.problems if p.message != ACCOUNT_NOT_STATED)
    return replace(result, statements=statements, problems=problems)


def store_result(
    session: Session,
    household: Household,
    result: ExtractResult,
    data: bytes,
    filename: str,
    importer_name: str,
    actor: str,
) -> ImportSummary:
    """Store an already extracted file (tests, and importers that read whole files)."""
    return store_extraction(
        session,
        household,
        ResultExtraction(result, progress=len(data)),
        Source.of_bytes(data, filename),
        filename,
        importer_name,
        actor,
    )


RETRY_WHOLE_BYTES = 64 << 20
"""A streamed file up to this size that turns out to be unreadable is read again whole, so
that its error message is exactly the one of the whole-file reader (which checks the whole
file before storing anything); a larger one reports the error the stream met first."""


def store_extraction(
    session: Session,
    household: Household,
    extraction: Extraction,
    source: Source,
    filename: str,
    importer_name: str,
    actor: str,
    progress: Progress | None = None,
    fallback: Callable[[], Extraction] | None = None,
) -> ImportSummary:
    """Store a file while it is read, inside a savepoint so a failure leaves the session clean.

    A streaming reader that meets something only the whole-file reader handles (a statement
    header written after its entries) asks for a restart: the savepoint is rolled back and the
    file is stored again from ``fallback``, a whole-file extraction. So is a file of moderate
    size the stream finds unreadable (see :data:`RETRY_WHOLE_BYTES`). A reader that names
    another streaming read of the file instead (a CSV export that was not in date order after
    all) is rolled back the same way and the file stored again by that one.
    """
    _begin(session)
    current = extraction
    with _rare_collections():
        try:
            while True:
                try:
                    with session.begin_nested():
                        return _store(
                            session,
                            household,
                            current,
                            source,
                            filename,
                            importer_name,
                            actor,
                            progress,
                        )
                except StreamRestart as restart:
                    if restart.instead is None:
                        if fallback is None:
                            raise
                        break
                    current.close()
                    current = restart.instead
                except IngestError:
                    if fallback is None or source.size > RETRY_WHOLE_BYTES:
                        raise
                    break
        finally:
            current.close()
        with session.begin_nested():
            return _store(
                session, household, fallback(), source, filename, importer_name, actor, progress
            )


_COLLECTING = threading.Lock()
_IMPORTS_RUNNING = 0
_THRESHOLD_BEFORE: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def _rare_collections() -> Iterator[None]:
    """Run the garbage collector's youngest generation every :data:`GC_THRESHOLD` container
    allocations instead of every 700 while files are imported (as the worker process does).

    Storing makes and drops a tuple per row and lists per batch, no reference cycles to speak
    of, so the default collected hundreds of times per 100 000 rows for nothing: the CSV
    import was 4 % faster without (10 alternating pairs, faster in 7). The setting is the
    process's, so the first import to start raises it and the last to end restores it.
    """
    global _IMPORTS_RUNNING, _THRESHOLD_BEFORE
    with _COLLECTING:
        if _IMPORTS_RUNNING == 0:
            _THRESHOLD_BEFORE = gc.get_threshold()
            gc.set_threshold(GC_THRESHOLD, *_THRESHOLD_BEFORE[1:])
        _IMPORTS_RUNNING += 1
    try:
        yield
    finally:
        with _COLLECTING:
            _IMPORTS_RUNNING -= 1
            if _IMPORTS_RUNNING == 0:
                gc.set_threshold(*_THRESHOLD_BEFORE)


def _begin(session: Session) -> None:
    """Make sure the connection is inside a transaction before a savepoint is taken.

    Python's sqlite3 module opens a transaction only at the first write, and SQLite treats a
    SAVEPOINT outside a transaction as the transaction itself: releasing it would commit, and
    ``--all-or-nothing`` could no longer roll an earlier file back.
    """
    raw = session.connection().connection.dbapi_connection
    if isinstance(raw, sqlite3.Connection) and not raw.in_transaction:
        raw.execute("BEGIN")


def _store(
    session: Session,
    household: Household,
    extraction: Extraction,
    source: Source,
    filename: str,
    importer_name: str,
    actor: str,
    progress: Progress | None,
) -> ImportSummary:
    extraction.start()
    record, seen_before = begin_import(
        session,
        household,
        source,
        filename,
        format=str(extraction.format),
        bank=extraction.bank,
        dialect=extraction.dialect,
        importer=importer_name,
        accounts=[],
        period=(None, None),
        n_in_file=0,
        actor=actor,
    )
    writer = BatchWriter(session, household, record.id, extraction.bank, filename)
    try:
        for batch in extraction.batches():
            writer.write(batch)
            if progress is not None:
                progress(batch.progress)
        heads = extraction.statements
        for head in heads:
            writer.claim(Opened(head.account, head.currency, head.line))
    finally:
        writer.close()
    writer.settle_bank(extraction.bank)
    accounts = writer.accounts
    warnings = list(extraction.problems)
    warnings += _continuity(session, accounts, heads, filename)
    statement_rows = [
        {
            "import_id": record.id,
            "account_id": accounts[h.account],
            "statement_id": h.statement_id,
            "opening_balance_cents": h.opening_balance_cents,
            "opening_date": h.opening_date,
            "closing_balance_cents": h.closing_balance_cents,
            "closing_date": h.closing_date,
            "n_transactions": h.n_transactions,
        }
        for h in heads
    ]
    if statement_rows:
        session.execute(insert(StatementRow), statement_rows)
    record.bank = extraction.bank
    record.dialect = extraction.dialect
    record.accounts = sorted(accounts)
    record.period_start, record.period_end = _period(writer, heads)
    record.n_in_file = writer.rows
    links = relink(session, household.id) if writer.added else 0
    return finish_import(
        session,
        record,
        seen_before,
        writer.added,
        writer.duplicates,
        writer.deleted,
        warnings,
        links=links,
    )


def _period(
    writer: BatchWriter, heads: list[StatementHead]
) -> tuple[dt.date | None, dt.date | None]:
    """First and last booking date, or the statements' own dates when there are no bookings."""
    if writer.first_day is not None and writer.last_day is not None:
        return dt.date.fromisoformat(writer.first_day), dt.date.fromisoformat(writer.last_day)
    first = min((h.opening_date for h in heads if h.opening_date), default=None)
    last = max((h.closing_date for h in heads if h.closing_date), default=None)
    return first, last


def _already_stored(session: Session, account: int, statement: StatementHead) -> bool:
    """A re-imported statement is not compared with itself."""
    query = select(StatementRow.id).where(
        StatementRow.account_id == account,
        StatementRow.opening_date == statement.opening_date,
        StatementRow.opening_balance_cents == statement.opening_balance_cents,
        StatementRow.closing_date == statement.closing_date,
        StatementRow.closing_balance_cents == statement.closing_balance_cents,
    )
    return session.execute(query.limit(1)).first() is not None


def _continuity(
    session: Session, accounts: dict[str, int], statements: list[StatementHead], filename: str
) -> list[Problem]:
    """Warn where a statement's opening balance does not follow on from the previous closing.

    Checked between consecutive statements in the file and against the stored statement that
    ends last before this one begins. A mismatch usually means a missing statement; it is a
    warning, because the transactions themselves are still right.
    """
    problems: list[Problem] = []
    previous: dict[str, tuple[dt.date | None, int | None]] = {}
    for statement in statements:
        if statement.opening_balance_cents is None:
            continue
        account = statement.account
        if _already_stored(session, accounts[account], statement):
            previous[account] = (statement.closing_date, statement.closing_balance_cents)
            continue
        if account not in previous:
            stored = session.execute(
                select(StatementRow.closing_date, StatementRow.closing_balance_cents)
                .where(
                    StatementRow.account_id == accounts[account],
                    StatementRow.closing_balance_cents.is_not(None),
                    StatementRow.closing_date <= (statement.opening_date or dt.date.max),
                )
                .order_by(StatementRow.closing_date.desc(), StatementRow.id.desc())
                .limit(1)
            ).first()
            previous[account] = (stored[0], stored[1]) if stored else (None, None)
        prev_date, prev_balance = previous[account]
        if prev_balance is not None and prev_balance != statement.opening_balance_cents:
            opening = format_euro(statement.opening_balance_cents)
            when = f"{prev_date:%d-%m-%Y}" if prev_date else "het vorige afschrift"
            problems.append(
                Problem(
                    filename,
                    max(statement.line, 1),
                    f"beginsaldo {opening} van rekening {account} sluit niet aan op eindsaldo "
                    f"{format_euro(prev_balance)} van {when}; mogelijk ontbreekt een afschrift",
                    Severity.WARNING,
                )
            )
        previous[account] = (statement.closing_date, statement.closing_balance_cents)
    return problems
