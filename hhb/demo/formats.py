"""The bank-file writers of ``ingest`` behind one call, and which of them can be used.

The MT940, CAMT.053 and CSV writers and importers are built in parallel. The demo only writes a
format whose writer exists *and* whose importer reads a probe file back as written, because
``hhb demo`` imports every file it writes; otherwise the household falls back to another export
of its bank. Once all writers and importers agree, the choice depends on the seed alone.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Sequence
from functools import cache

from hhb.demo.catalog import Bank, Fmt
from ingest.base import detect
from ingest.canonical import account_id
from ingest.model import RawTransaction, Statement
from ingest.text import iban_from_nl_bban

Writer = Callable[[Sequence[Statement], str], bytes]


@cache
def _writer(fmt: Fmt) -> Writer | None:
    """The writer function of ``fmt``, or None while its module or importer is missing."""
    module, name = {Fmt.MT940: ("ingest.mt940", "write_mt940"),
                    Fmt.CAMT: ("ingest.camt", "write_camt053"),
                    Fmt.CSV: ("ingest.csvbanks", "write_csv")}[fmt]  # fmt: skip
    try:
        package = importlib.import_module(module)
        writer = importlib.import_module(module + ".writer")
    except ImportError:
        return None
    if not getattr(package, "IMPORTERS", ()):
        return None
    function = getattr(writer, name, None)
    return function if callable(function) else None


@cache
def available(bank: Bank, fmt: Fmt, dialect: str) -> bool:
    """True when a one-transaction file of this bank and dialect reads back as written.

    The probe costs a few milliseconds once per process and keeps a writer or reader that is
    still being built (or has a bug) out of the demo instead of putting wrong data in it.
    """
    writer = _writer(fmt)
    if writer is None:
        return False
    account = iban_from_nl_bban("0123456780", bank.code)
    day = dt.date(2024, 1, 15)
    tx = RawTransaction(
        account=account,
        booking_date=day,
        amount_cents=1234,
        value_date=day,
        counterparty_iban=iban_from_nl_bban("0987654320", "INGB"),
        counterparty_name="PROEF",
        description="PROEF",
        end_to_end_id="P1",
    )
    statement = Statement(
        account=account,
        transactions=(tx,),
        statement_id="P1",
        opening_balance_cents=0,
        opening_date=dt.date(2024, 1, 1),
        closing_balance_cents=1234,
        closing_date=dt.date(2024, 1, 31),
    )
    try:
        data = write(fmt, dialect, [statement], "PROBE")
        result = detect(data, "probe").extract(data, "probe")
    except Exception:
        return False
    got = [(account_id(s), t.amount_cents) for s in result.statements for t in s.transactions]
    return got == [(account, 1234)] and not result.problems


def resolve(bank: Bank, preferred: int) -> tuple[Fmt, str]:
    """The bank's ``preferred``-th export if usable, else its first usable one (CSV at worst)."""
    options = list(bank.exports)
    for fmt, dialect in [options[preferred % len(options)], *options]:
        if available(bank, fmt, dialect):
            return fmt, dialect
    return Fmt.CSV, bank.csv_dialect


def write(fmt: Fmt, dialect: str, statements: Sequence[Statement], msg_id: str) -> bytes:
    writer = _writer(fmt)
    if writer is None:
        raise RuntimeError(f"no usable writer for {fmt} (module or importer missing)")
    if fmt is Fmt.CAMT:
        from ingest.camt.writer import write_camt053

        created = dt.datetime.combine(statements[-1].closing_date or dt.date(2024, 1, 1),
                                      dt.time(6, 0)) + dt.timedelta(days=1)  # fmt: skip
        return write_camt053(statements, dialect, msg_id=msg_id, created=created)
    return writer(statements, dialect)


def file_name(fmt: Fmt, dialect: str, iban: str, start: dt.date, end: dt.date) -> str:
    """Names like the banks give their downloads, unique per account and period.

    Sorting the names of one account sorts its files by date, the order to import them in
    (the continuity check compares each opening balance with the closing before it).
    """
    s, e = start.isoformat(), end.isoformat()  # strftime costs more than the whole file name
    s8, e8 = s.replace("-", ""), e.replace("-", "")
    if fmt is Fmt.CAMT:
        return f"camt053_{iban}_{s8}_{e8}.xml"
    if fmt is Fmt.MT940:
        return f"MT940_{iban}_{s8}_{e8}.{'STA' if 'abn' in dialect else 'txt'}"
    if dialect.startswith("ing"):
        return f"{iban}_{s}_{e}.csv"
    if dialect == "rabobank":
        return f"CSV_A_{iban}_{s8}_{e8}.csv"
    if dialect == "abnamro-tab":
        return f"TXT_{iban}_{s8[2:]}_{e8[2:]}.TAB"
    if dialect == "knab":
        return f"Knab_transactieoverzicht_{iban}_{s8}_{e8}.csv"
    if dialect.startswith("bunq"):
        return f"bunq_{iban}_{s}_{e}.csv"
    return f"transacties_{iban}_{s8}_{e8}.csv"
