"""Import semantics on both databases: idempotent, overlap-safe, all or nothing, tombstones."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, delete, func, select, update

from ingest.camt import write_camt053
from ingest.canonical import TRANSACTION_SCHEMA
from ingest.errors import IngestError
from ingest.model import ExtractResult, RawTransaction, SourceFormat, Statement
from ingest.rows import ResultExtraction
from ingest.source import Source
from ingest.worker import WorkerExtraction
from store.db import session_scope
from store.households import create_household, get_household
from store.importing import import_bytes, import_file, store_extraction, store_result
from store.models import (
    Account,
    AuditEvent,
    Base,
    Household,
    Import,
    RawFile,
    RawFileChunk,
    StatementRow,
    Transaction,
)
from store.raw import raw_chunks, read_raw
from store.transactions import delete_transaction, transactions_frame

ACCOUNT = "NL91ABNA0417164300"
D = dt.date


def tx(day: D, cents: int, name: str = "Albert Heijn", line: int = 1) -> RawTransaction:
    return RawTransaction(
        account=ACCOUNT,
        booking_date=day,
        amount_cents=cents,
        counterparty_name=name,
        description=f"betaling {name}",
        line=line,
    )


def result(
    *txs: RawTransaction, opening: int | None = None, account: str = ACCOUNT
) -> ExtractResult:
    closing = None if opening is None else opening + sum(t.amount_cents for t in txs)
    statement = Statement(
        account=account,
        transactions=tuple(txs),
        opening_balance_cents=opening,
        opening_date=txs[0].booking_date if txs else None,
        closing_balance_cents=closing,
        closing_date=txs[-1].booking_date if txs else None,
        line=1,
    )
    return ExtractResult(SourceFormat.CAMT053, "TEST", "test", (statement,))


def store(engine: Engine, res: ExtractResult, data: bytes, household: str = "H1"):  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        h = get_household(session, household)
        return store_result(session, h, res, data, "afschrift.xml", "test", "coach1")


@pytest.fixture
def db(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        create_household(session, "H1", "coach1")
        create_household(session, "H2", "coach1")
    return engine


def count(engine: Engine, model: type[Base]) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_same_file_twice_stores_nothing_twice(db: Engine) -> None:
    res = result(tx(D(2024, 3, 1), -2500), tx(D(2024, 3, 2), 130000, "UWV"))
    first = store(db, res, b"file-1")
    again = store(db, res, b"file-1")
    assert (first.n_added, first.n_duplicates, first.seen_before) == (2, 0, False)
    assert (again.n_added, again.n_duplicates, again.seen_before) == (0, 2, True)
    assert count(db, Transaction) == 2
    assert count(db, RawFile) == 1
    assert count(db, Import) == 2


def test_identical_transfers_in_one_statement_are_both_kept(db: Engine) -> None:
    res = result(tx(D(2024, 3, 4), -5000, "Leefgeld"), tx(D(2024, 3, 4), -5000, "Leefgeld"))
    assert store(db, res, b"a").n_added == 2
    assert store(db, res, b"a").n_added == 0
    assert count(db, Transaction) == 2


def test_overlapping_statements_add_only_the_new_days(db: Engine) -> None:
    january = [tx(D(2024, 1, d), -100 * d) for d in (2, 15, 31)]
    february = [tx(D(2024, 2, d), -100 * d) for d in (1, 14)]
    store(db, result(*january), b"monthly-camt")
    yearly = store(db, result(*january, *february), b"yearly-csv")
    assert (yearly.n_added, yearly.n_duplicates) == (2, 3)
    assert count(db, Transaction) == 5


def test_a_fuller_overlap_adds_the_extra_identical_payment(db: Engine) -> None:
    store(db, result(tx(D(2024, 5, 6), -1000), tx(D(2024, 5, 6), -1000)), b"two")
    summary = store(db, result(*(tx(D(2024, 5, 6), -1000) for _ in range(3))), b"three")
    assert (summary.n_added, summary.n_duplicates) == (1, 2)


def test_deleted_transaction_does_not_come_back(db: Engine) -> None:
    res = result(tx(D(2024, 4, 1), -2500), tx(D(2024, 4, 2), -7500))
    store(db, res, b"x")
    with session_scope(db) as session:
        key = transactions_frame(session, "H1")["tx_key"][0]
        delete_transaction(session, "H1", key, "deelnemer1")
    again = store(db, res, b"x")
    assert (again.n_added, again.n_duplicates, again.n_deleted_skipped) == (0, 1, 1)
    with session_scope(db) as session:
        assert transactions_frame(session, "H1").height == 1
        assert transactions_frame(session, "H1", include_deleted=True).height == 2


def test_account_of_another_household_is_refused_and_nothing_stored(db: Engine) -> None:
    store(db, result(tx(D(2024, 1, 5), -100)), b"first", household="H1")
    with pytest.raises(IngestError) as err:
        store(db, result(tx(D(2024, 2, 5), -100)), b"second", household="H2")
    assert "ander huishouden" in err.value.message
    assert "H1" not in str(err.value)  # never reveal who else is in the system
    assert count(db, Import) == 1
    assert count(db, RawFile) == 1
    assert count(db, Transaction) == 1


def test_failure_midway_leaves_no_trace(db: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import store.importing as importing

    def broken(*_args: object, **_kwargs: object) -> list[object]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing, "_continuity", broken)
    with pytest.raises(RuntimeError):
        store(db, result(tx(D(2024, 1, 5), -100)), b"doomed")
    assert (count(db, Import), count(db, RawFile), count(db, Transaction)) == (0, 0, 0)
    assert count(db, AuditEvent) == 2  # only the two household creations


def test_raw_bytes_are_kept_by_sha256(db: Engine) -> None:
    data = b"<Document>exact bytes</Document>\r\n"
    summary = store(db, result(tx(D(2024, 1, 5), -100)), data)
    assert summary.sha256 == hashlib.sha256(data).hexdigest()
    with session_scope(db) as session:
        raw = session.get(RawFile, summary.sha256)
        assert raw is not None and raw.size == len(data)
        assert read_raw(session, summary.sha256) == data
        assert read_raw(session, "0" * 64) is None


def test_raw_bytes_stored_whole_before_chunks_survive_the_migration_both_ways(
    tmp_path: Path,
) -> None:
    from alembic import command
    from sqlalchemy import text

    from store.db import alembic_config, make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path}/old.sqlite3")
    config = alembic_config(engine)
    command.upgrade(config, "0007")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO raw_files (sha256, size, content, first_seen_at) "
                "VALUES ('abc', 4, x'00ff0d0a', '2024-01-01')"
            )
        )
    migrate(engine)
    with session_scope(engine) as session:
        assert read_raw(session, "abc") == b"\x00\xff\r\n"
    command.downgrade(config, "0007")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT content FROM raw_files")).scalar_one() == b"\x00\xff\r\n"
    engine.dispose()


@pytest.mark.parametrize("worker", [False, True], ids=["one process", "worker"])
def test_a_file_from_disk_is_kept_in_chunks_exactly(
    db: Engine, worker: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import ingest.source
    import store.raw

    monkeypatch.setattr(ingest.source, "CHUNK", 1000)  # read in pieces of 1000 bytes
    monkeypatch.setattr(store.raw, "CHUNK", 4096)  # stored as 4096-byte rows
    days = [tx(D(2024, 1, 1 + i), -100 * (i + 1), line=i) for i in range(20)]
    path = tmp_path / "twintig.xml"
    path.write_bytes(write_camt053([result(*days, opening=0).statements[0]], version="001.02"))
    data = path.read_bytes()
    summary = from_disk(db, path, worker=worker)
    with session_scope(db) as session:
        sizes = [len(chunk) for chunk in raw_chunks(session, summary.sha256)]
        assert read_raw(session, summary.sha256) == data
    assert len(sizes) == -(-len(data) // 4096) > 2
    assert sizes[:-1] == [4096] * (len(sizes) - 1)
    assert count(db, RawFileChunk) == len(sizes)


def test_kept_text_is_compressed_and_bytes_that_do_not_compress_are_kept_as_they_are(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import random

    monkeypatch.setattr("store.raw.CHUNK", 4096)
    text = b'<Ntry><Amt Ccy="EUR">12.50</Amt><Nm>Albert Heijn</Nm></Ntry>\n' * 300
    noise = random.Random(7).randbytes(10_000)  # an archive: already compressed
    kept = {}
    for data in (text, noise):
        kept[data] = store(db, result(tx(D(2024, 1, 5), -100 - len(data))), data).sha256
    with session_scope(db) as session:
        for data, sha in kept.items():
            rows = session.execute(
                select(RawFileChunk.codec, func.length(RawFileChunk.data))
                .where(RawFileChunk.sha256 == sha)
                .order_by(RawFileChunk.seq)
            ).all()
            assert read_raw(session, sha) == data
            assert [len(c) for c in raw_chunks(session, sha)][:-1] == [4096] * (len(rows) - 1)
            if data is text:
                assert {codec for codec, _ in rows} == {"zlib"}
                assert sum(size for _, size in rows) < len(text) // 10
            else:
                assert {codec for codec, _ in rows} == {"none"}
                assert sum(size for _, size in rows) == len(noise)


def test_compressed_raw_bytes_survive_a_downgrade_and_upgrade(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import text

    from store.db import alembic_config, make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path}/raw.sqlite3")
    migrate(engine)
    with session_scope(engine) as session:
        create_household(session, "H1", "coach1")
    data = b"<Stmt>herhaalde tekst</Stmt>\r\n" * 1000
    sha = store(engine, result(tx(D(2024, 1, 5), -100)), data).sha256
    config = alembic_config(engine)
    command.downgrade(config, "0009")
    with engine.begin() as conn:
        stored = conn.execute(text("SELECT data FROM raw_file_chunks ORDER BY seq")).scalars()
        assert b"".join(stored) == data
    migrate(engine)
    with session_scope(engine) as session:
        assert read_raw(session, sha) == data
    engine.dispose()


def test_balance_continuity_between_statements_is_checked(db: Engine) -> None:
    store(db, result(tx(D(2024, 1, 31), -500), opening=10000), b"jan")  # closes at 95,00
    fine = store(db, result(tx(D(2024, 2, 1), -500), opening=9500), b"feb")
    assert fine.warnings == ()
    assert store(db, result(tx(D(2024, 2, 1), -500), opening=9500), b"feb").warnings == ()
    gap = store(db, result(tx(D(2024, 4, 1), -500), opening=7000), b"apr")
    assert len(gap.warnings) == 1
    message = gap.warnings[0].message
    assert "€ 70,00" in message and "€ 90,00" in message and "ontbreekt" in message


def test_canonical_frame_has_the_declared_schema_and_signed_cents(db: Engine) -> None:
    store(db, result(tx(D(2024, 6, 1), 123456, "UWV"), tx(D(2024, 6, 2), -8536)), b"z")
    with session_scope(db) as session:
        frame = transactions_frame(session, "H1", start=D(2024, 6, 1), end=D(2024, 6, 30))
    assert dict(frame.schema) == TRANSACTION_SCHEMA
    assert frame["amount_cents"].to_list() == [123456, -8536]
    assert frame["account"].unique().to_list() == [ACCOUNT]
    assert frame["tx_key"].n_unique() == 2


def test_every_field_comes_back_whether_a_batch_fills_it_everywhere_somewhere_or_nowhere(
    db: Engine,
) -> None:
    """Batches of two rows: the first has no mandate, value date or balance at all (those
    columns are left out of its INSERT), the second has one of each, the third all; the
    reversal flag comes back as the boolean it was on both databases."""
    full: dict[str, Any] = dict(
        value_date=D(2024, 6, 3),
        counterparty_iban="NL20INGB0001234567",
        end_to_end_id="E2E-1",
        mandate_id="MNDT-1",
        creditor_id="NL98ZZZ999999999999",
        bank_reference="REF-1",
        bank_transaction_code="PMNT-RDDT-ESDD",
        batch_id="B-1",
        balance_after_cents=10_000,
    )
    given = [
        tx(D(2024, 6, 1), -100, "Eneco"),
        replace(tx(D(2024, 6, 1), -200, "Vitens"), is_reversal=True),
        replace(tx(D(2024, 6, 2), -300, "Ziggo"), **full),
        tx(D(2024, 6, 2), -400, "Essent"),
        replace(tx(D(2024, 6, 3), 500, "UWV"), **full, is_reversal=True),
        replace(tx(D(2024, 6, 3), -600, "KPN"), **full),
    ]
    with session_scope(db) as session:
        extraction = ResultExtraction(result(*given), size=2)
        source = Source.of_bytes(b"fields", "afschrift.xml")
        household = get_household(session, "H1")
        store_extraction(session, household, extraction, source, "afschrift.xml", "t", "coach1")
        written = [len(b) for b in ResultExtraction(result(*given), size=2).batches()]
    assert written == [2, 2, 2]
    with session_scope(db) as session:
        frame = transactions_frame(session, "H1", start=D(2024, 6, 1), end=D(2024, 6, 30))
    fields = ["amount_cents", "is_reversal", *full]
    got = {row["amount_cents"]: row for row in frame.select(fields).to_dicts()}
    for t in given:
        assert got[t.amount_cents] == {f: getattr(t, f) for f in fields}


def test_every_import_is_audited(db: Engine) -> None:
    store(db, result(tx(D(2024, 1, 5), -100)), b"a")
    with session_scope(db) as session:
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        actors = session.scalars(select(AuditEvent.actor)).all()
    assert actions[-1] == "import" and set(actors) == {"coach1"}


# Importing from disk: streamed, possibly in a worker process, in batches.

DATA = Path(__file__).resolve().parent.parent / "data" / "ingest"
STREAMED = [
    DATA / "camt" / "ing_001.02.xml",
    DATA / "mt940" / "ing" / "structured.sta",
    DATA / "csv" / "ing" / "ing-alle-rekeningen.csv",
]


def rows(engine: Engine, household: str = "H1") -> list[tuple[object, ...]]:
    with session_scope(engine) as session:
        frame = transactions_frame(session, household, include_deleted=True)
    return [tuple(r) for r in frame.drop("import_id").iter_rows()]


def from_disk(engine: Engine, path: Path, **options: Any) -> Any:
    with session_scope(engine) as session:
        return import_file(session, "H1", path, path.name, "coach1", **options)


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of two rows, here and in a worker process."""
    import ingest.rows

    monkeypatch.setattr(ingest.rows.Batcher.__init__, "__defaults__", (2,))
    monkeypatch.setenv("HHB_IMPORT_BATCH_ROWS", "2")


@pytest.mark.parametrize("path", STREAMED, ids=[p.name for p in STREAMED])
def test_a_file_from_disk_is_stored_as_from_memory_with_or_without_a_worker(
    db: Engine, path: Path, small_batches: None
) -> None:
    with session_scope(db) as session:
        in_memory = import_bytes(session, "H2", path.read_bytes(), path.name, "coach1")
    expected = rows(db, "H2")
    assert expected and in_memory.n_added == len(expected)
    with session_scope(db) as session:
        session.execute(delete(Transaction))
        session.execute(delete(StatementRow))
        h1 = select(Household.id).where(Household.code == "H1").scalar_subquery()
        session.execute(update(Account).values(household_id=h1))
    for worker in (False, True):
        summary = from_disk(db, path, worker=worker)
        stored = rows(db)
        assert [r[1:] for r in stored] == [r[1:] for r in expected]  # all but the household
        assert (summary.n_added, summary.period_start, summary.period_end) == (
            (len(expected) if not worker else 0),
            in_memory.period_start,
            in_memory.period_end,
        )
        assert summary.accounts == in_memory.accounts and summary.bank == in_memory.bank


@pytest.mark.parametrize("worker", [False, True], ids=["one process", "worker"])
def test_a_failure_between_batches_leaves_no_trace(
    db: Engine,
    worker: bool,
    small_batches: None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from store.batch_writer import BatchWriter

    written = BatchWriter.write
    calls: list[int] = []

    def fail_on_the_third(self: BatchWriter, batch: Any) -> None:
        calls.append(len(batch))
        if len(calls) == 3:
            raise RuntimeError("disk full")
        written(self, batch)

    monkeypatch.setattr(BatchWriter, "write", fail_on_the_third)
    days = [tx(D(2024, 1, 1 + i), -100 * (i + 1), line=i) for i in range(10)]
    path = tmp_path / "tien.xml"
    path.write_bytes(write_camt053([result(*days, opening=0).statements[0]], version="001.02"))
    with pytest.raises(RuntimeError):
        from_disk(db, path, worker=worker)
    assert calls[:2] == [2, 2]  # two batches were inserted before the failure
    assert (count(db, Import), count(db, RawFile), count(db, Transaction)) == (0, 0, 0)


def test_a_worker_that_dies_is_an_error_unless_the_file_can_be_read_here(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ingest.worker
    import store.importing

    monkeypatch.setattr(ingest.worker, "COMMAND", ("/bin/false",))
    monkeypatch.setattr(store.importing, "RETRY_WHOLE_BYTES", 0)  # as for a very large file
    with pytest.raises(IngestError) as err:
        from_disk(db, STREAMED[0], worker=True)
    assert "onverwacht afgebroken" in err.value.message
    assert (count(db, Import), count(db, Transaction)) == (0, 0)
    monkeypatch.undo()
    monkeypatch.setattr(ingest.worker, "COMMAND", ("/bin/false",))
    assert from_disk(db, STREAMED[0], worker=True).n_added == 4  # read again, in this process


def test_an_unreadable_file_in_the_worker_gives_the_readers_message(
    db: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "kapot.sta"
    path.write_bytes((DATA / "mt940" / "rabobank" / "amount.bad.txt").read_bytes())
    with pytest.raises(IngestError) as in_worker:
        from_disk(db, path, worker=True)
    with pytest.raises(IngestError) as in_process:
        from_disk(db, path, worker=False)
    assert str(in_worker.value) == str(in_process.value)
    assert count(db, Import) == 0


def test_progress_is_reported_up_to_the_file_size(db: Engine, small_batches: None) -> None:
    seen: list[int] = []
    path = STREAMED[0]
    from_disk(db, path, progress=seen.append)
    assert len(seen) > 1 and seen == sorted(seen) and seen[-1] == path.stat().st_size


def test_a_csv_export_read_ahead_stores_the_same_and_reports_its_errors(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store starts a CSV export's table on a thread (large files; here every file) while
    it hashes and keeps the bytes: what lands, and what a bad file says, is what reading it in
    the importing thread gives."""
    monkeypatch.setattr("ingest.csvbanks.stream.READ_AHEAD_BYTES", 0)
    source = Path(__file__).resolve().parent.parent / "data" / "ingest" / "csv" / "ing"
    good = tmp_path / "ing.csv"
    good.write_bytes((source / "ing-betaalrekening.csv").read_bytes())
    summary = from_disk(db, good)
    assert summary.n_added > 0 and summary.format == "csv"
    stored = count(db, Transaction)
    bad = tmp_path / "kapot.csv"
    bad.write_bytes(good.read_bytes() + b'"20240105","Ka\x00pot"\n')
    with pytest.raises(IngestError, match="tekenset") as caught:
        from_disk(db, bad)
    assert caught.value.file == "kapot.csv" and caught.value.line > 1
    assert count(db, Transaction) == stored
    assert count(db, Import) == 1


@pytest.mark.parametrize("how", ["date out of order", "second account"])
def test_a_csv_export_that_breaks_its_order_halfway_is_stored_once_as_read_whole(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """Rows of the pipelined read were stored before the break was met: the store rolls them
    back and stores the file as the whole table gives it, once."""
    import ingest.csvbanks.stream as csv_stream
    import ingest.rows
    from tests.ingest.test_csv_pipeline import _break, export

    monkeypatch.setattr(csv_stream, "PIECE", 2048)
    monkeypatch.setattr(csv_stream, "BATCH_ROWS", 40)
    monkeypatch.setattr(ingest.rows.Batcher.__init__, "__defaults__", (40,))
    monkeypatch.setattr(csv_stream, "READ_AHEAD_BYTES", 0)
    path = tmp_path / "export.csv"
    path.write_bytes(_break(export("ing-nl"), how))
    summary = from_disk(db, path)
    assert (summary.n_added, summary.n_duplicates) == (300, 0)
    assert (count(db, Transaction), count(db, Import)) == (300, 1)
    pipelined = rows(db)
    with session_scope(db) as session:
        session.execute(delete(Transaction))
        session.execute(delete(StatementRow))
    monkeypatch.setattr(csv_stream, "READ_AHEAD_BYTES", 1 << 40)  # the table read whole
    assert from_disk(db, path).n_added == 300
    assert rows(db) == pipelined


def test_an_import_collects_garbage_rarely_and_leaves_the_setting_as_it_was(
    db: Engine, tmp_path: Path
) -> None:
    import gc

    from ingest.worker import GC_THRESHOLD

    before = gc.get_threshold()
    during: list[int] = []
    from_disk(db, STREAMED[0], progress=lambda _: during.append(gc.get_threshold()[0]))
    assert during and set(during) == {GC_THRESHOLD}
    assert gc.get_threshold() == before
    bad = tmp_path / "kapot.xml"
    bad.write_bytes(STREAMED[0].read_bytes()[:-200])
    with pytest.raises(IngestError):
        from_disk(db, bad)
    assert gc.get_threshold() == before


@pytest.mark.parametrize(
    ("path", "size", "expected"),
    [
        (STREAMED[0], 8 << 20, False),
        (STREAMED[0], 41 << 20, True),
        (STREAMED[1], 1 << 20, False),
        (STREAMED[1], 3 << 20, True),
        (STREAMED[2], 100 << 20, False),
    ],
    ids=["camt 8 MB", "camt 41 MB", "mt940 1 MB", "mt940 3 MB", "csv 100 MB"],
)
def test_a_worker_process_reads_a_file_only_where_it_pays(
    path: Path, size: int, expected: bool, tmp_path: Path
) -> None:
    """Its start costs about 0.25 s: won back from 40 MB of CAMT, 3 MB of MT940 (CPU-heavier
    per byte), never for a CSV export (polars uses both cores already)."""
    from store.importing import _detect, _extraction

    padded = tmp_path / path.name
    padded.write_bytes(path.read_bytes())
    with open(padded, "r+b") as stream:
        stream.truncate(size)  # only the size counts here; nothing is read past the head
    source = Source.of_path(padded, padded.name)
    importer = _detect(source, source.head(), padded.name)
    extraction = _extraction(importer, source, padded.name, None, None)
    try:
        assert isinstance(extraction, WorkerExtraction) is expected
    finally:
        extraction.close()
