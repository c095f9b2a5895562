"""The bank-file writers of ``ingest`` behind one call, and which of them can be used.

The MT940, CAMT.053 and CSV writers and importers are built in parallel. The demo only writes a
format whose writer exists *and* whose importer is registered, because ``hhb demo`` imports
every file it writes; otherwise the household falls back to its bank's CSV export. Once all
modules are present, the choice depends on the seed alone.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Sequence
from functools import cache

from hhb.demo.catalog import Bank, Fmt
from ingest.model import Statement

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


def available(fmt: Fmt, dialect: str) -> bool:
    if _writer(fmt) is None:
        return False
    if fmt is Fmt.CSV:
        from ingest.csvbanks.writer import WRITABLE

        return dialect in WRITABLE
    if fmt is Fmt.MT940:
        dialects = getattr(importlib.import_module("ingest.mt940.writer"), "DIALECTS", None)
        return dialects is None or dialect in dialects
    return True


def resolve(bank: Bank, preferred: int) -> tuple[Fmt, str]:
    """The bank's ``preferred``-th export if usable, else its first usable one (CSV at worst)."""
    options = list(bank.exports)
    for fmt, dialect in [options[preferred % len(options)], *options]:
        if available(fmt, dialect):
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
    """Names as the banks give their downloads (made unique by account and period)."""
    if fmt is Fmt.CAMT:
        return f"camt053_{iban}_{start:%Y%m%d}_{end:%Y%m%d}.xml"
    if fmt is Fmt.MT940:
        return f"MT940_{iban}_{start:%Y%m%d}_{end:%Y%m%d}.{'STA' if 'abn' in dialect else 'txt'}"
    if dialect.startswith("ing"):
        return f"{iban}_{start:%d-%m-%Y}_{end:%d-%m-%Y}.csv"
    if dialect == "rabobank":
        return f"CSV_A_{iban}_{start:%Y%m%d}_{end:%Y%m%d}.csv"
    if dialect == "abnamro-tab":
        return f"TXT{end:%y%m%d}_{iban[-6:]}_{start:%Y%m}.TAB"
    if dialect == "knab":
        return f"Knab_transactieoverzicht_{iban}_{start:%Y%m%d}_{end:%Y%m%d}.csv"
    if dialect.startswith("bunq"):
        return f"bunq_{iban}_{start:%Y-%m-%d}_{end:%Y-%m-%d}.csv"
    return f"transacties_{iban}_{start:%Y%m%d}_{end:%Y%m%d}.csv"
