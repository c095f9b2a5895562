"""Write statements as each bank's CSV export, byte for byte in the bank's conventions.

Used by the demo-world generator, the round-trip property tests and the 100 000-row benchmark,
so rows are built as plain lists and handed to the C ``csv`` writer in one call. Balance columns
are computed from the statement's opening balance when a transaction carries none.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from ingest.csvbanks.banks import (
    ABN_AMRO,
    ASN,
    BUNQ,
    BUNQ_NL,
    BUNQ_OLD,
    BUNQ_OLD_NL,
    ING_EN,
    ING_NL,
    ING_OLD,
    ING_SAVINGS,
    KNAB,
    RABOBANK,
    REGIOBANK,
    SNS,
    TRIODOS,
)
from ingest.csvbanks.details import abn_slash_text
from ingest.csvbanks.dialect import PAYMENT_REFERENCE, Details, Dialect, format_cents
from ingest.model import RawTransaction, Statement

Row = list[str]
RowFn = Callable[[RawTransaction, int, int, int], Row]  # tx, balance before, after, sequence


@lru_cache(maxsize=8192)
def _ymd8(d: dt.date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


@lru_cache(maxsize=8192)
def _iso(d: dt.date) -> str:
    return d.isoformat()


@lru_cache(maxsize=8192)
def _dmy(d: dt.date) -> str:
    return f"{d.day:02d}-{d.month:02d}-{d.year:04d}"


def _split_payref(description: str) -> tuple[str, str]:
    """Undo the parser's ``Betalingskenmerk: X`` suffix so the bank's own column gets it back."""
    head, sep, ref = description.rpartition(PAYMENT_REFERENCE)
    if sep and " " not in ref.strip() and (not head or head.endswith(" ")):
        return head.strip(), ref.strip()
    return description, ""


_ING_TYPES = {"GT": "Online bankieren", "OV": "Overschrijving", "IC": "Incasso",
              "BA": "Betaalautomaat", "GM": "Geldautomaat", "DV": "Diversen", "ID": "iDEAL",
              "VZ": "Verzamelbetaling", "ST": "Storting"}  # fmt: skip
_ING_TYPES_EN = {"GT": "Online Banking", "OV": "Transfer", "IC": "Direct debit",
                 "BA": "Payment terminal", "GM": "Cash machine", "DV": "Various",
                 "ID": "iDEAL", "VZ": "Batch payment", "ST": "Deposit"}  # fmt: skip
_ING_LABELS = ("Naam", "Omschrijving", "IBAN", "Kenmerk", "Machtiging ID", "Incassant ID",
               "Valutadatum")  # fmt: skip
_ING_LABELS_EN = ("Name", "Description", "IBAN", "Reference", "Mandate ID", "Creditor ID",
                  "Value date")  # fmt: skip


def _mededelingen(tx: RawTransaction, labels: tuple[str, ...], description: bool) -> str:
    values = (
        tx.counterparty_name,
        tx.description if description else None,
        tx.counterparty_iban,
        tx.end_to_end_id,
        tx.mandate_id,
        tx.creditor_id,
        _dmy(tx.value_date) if tx.value_date else None,
    )
    return " ".join(
        f"{label}: {value}" for label, value in zip(labels, values, strict=True) if value
    )


def _ing_row(english: bool, balance: bool) -> RowFn:
    labels, types = (_ING_LABELS_EN, _ING_TYPES_EN) if english else (_ING_LABELS, _ING_TYPES)
    out, into = ("Debit", "Credit") if english else ("Af", "Bij")

    def row(tx: RawTransaction, _before: int, after: int, _seq: int) -> Row:
        code = tx.bank_transaction_code or "GT"
        cells = [_ymd8(tx.booking_date), tx.counterparty_name or "", tx.account,
                 tx.counterparty_iban or "", code, out if tx.amount_cents < 0 else into,
                 format_cents(abs(tx.amount_cents)), types.get(code, code),
                 _mededelingen(tx, labels, True)]  # fmt: skip
        if balance:
            cells += [format_cents(after), ""]
        return cells

    return row


def _ing_savings_row(tx: RawTransaction, _before: int, after: int, _seq: int) -> Row:
    return [_iso(tx.booking_date), tx.description, tx.account, "Oranje Spaarrekening",
            tx.counterparty_iban or "", "Af" if tx.amount_cents < 0 else "Bij",
            format_cents(abs(tx.amount_cents)), tx.currency, tx.bank_transaction_code or "",
            _mededelingen(tx, _ING_LABELS, False), format_cents(after)]  # fmt: skip


def _rabobank_row(tx: RawTransaction, _before: int, after: int, seq: int) -> Row:
    description, payref = _split_payref(tx.description)
    volgnr = tx.bank_reference if tx.bank_reference else f"{seq:018d}"
    return [tx.account, tx.currency, "RABONL2U", volgnr, _iso(tx.booking_date),
            _iso(tx.value_date or tx.booking_date), format_cents(tx.amount_cents, plus=True),
            format_cents(after, plus=True), tx.counterparty_iban or "",
            tx.counterparty_name or "", "", "", "", tx.bank_transaction_code or "tb",
            tx.batch_id or "", tx.end_to_end_id or "", tx.mandate_id or "",
            tx.creditor_id or "", payref, description, "", "", "MS03" if tx.is_reversal else "",
            "", "", ""]  # fmt: skip


def _abn_row(tx: RawTransaction, before: int, after: int, _seq: int) -> Row:
    account = tx.account
    if account.startswith("NL") and account[4:8] == "ABNA":
        account = account[8:].lstrip("0")  # ABN AMRO writes its own accounts as BBAN
    code = tx.bank_transaction_code
    if code in ("BEA", "GEA"):
        text = tx.description
    else:
        text = abn_slash_text(Details(tx.description, tx.counterparty_name, tx.counterparty_iban,
                                      end_to_end_id=tx.end_to_end_id, code=code))  # fmt: skip
    return [account, tx.currency, _ymd8(tx.booking_date), format_cents(before),
            format_cents(after), _ymd8(tx.value_date or tx.booking_date),
            format_cents(tx.amount_cents), text]  # fmt: skip


def _volksbank_row(tx: RawTransaction, before: int, _after: int, seq: int) -> Row:
    description, payref = _split_payref(tx.description)
    d = _dmy(tx.booking_date)
    return [d, tx.account, tx.counterparty_iban or "", tx.counterparty_name or "", "", "", "",
            tx.currency, format_cents(before, "."), tx.currency,
            format_cents(tx.amount_cents, "."), d,
            _dmy(tx.value_date or tx.booking_date), "8810", tx.bank_transaction_code or "IOB",
            tx.bank_reference or str(seq), payref, description, "1"]  # fmt: skip


def _knab_row(tx: RawTransaction, _before: int, _after: int, _seq: int) -> Row:
    d = _dmy(tx.booking_date)
    return [tx.account, d, tx.currency, "D" if tx.amount_cents < 0 else "C",
            format_cents(abs(tx.amount_cents)), tx.counterparty_iban or "",
            tx.counterparty_name or "", _dmy(tx.value_date) if tx.value_date else "",
            tx.bank_transaction_code or "Overboeking", tx.description, "",
            tx.mandate_id or "", tx.creditor_id or "", "", tx.bank_reference or "", d]  # fmt: skip


def _bunq_row(decimal: str, account: bool) -> RowFn:
    def row(tx: RawTransaction, _before: int, _after: int, _seq: int) -> Row:
        cells = [_iso(tx.booking_date), _iso(tx.value_date or tx.booking_date),
                 format_cents(tx.amount_cents, decimal), tx.account,
                 tx.counterparty_iban or "", tx.counterparty_name or "",
                 tx.description]  # fmt: skip
        if not account:
            del cells[3]
        return cells

    return row


def _triodos_row(tx: RawTransaction, _before: int, after: int, _seq: int) -> Row:
    return [_dmy(tx.booking_date), tx.account, format_cents(abs(tx.amount_cents), thousands="."),
            "Debet" if tx.amount_cents < 0 else "Credit", tx.counterparty_name or "",
            tx.counterparty_iban or "", tx.bank_transaction_code or "OV", tx.description,
            format_cents(after, thousands=".")]  # fmt: skip


@dataclass(frozen=True)
class _Out:
    dialect: Dialect
    row: RowFn
    encoding: str = "utf-8"
    quote_all: bool = True
    line_end: str = "\r\n"
    bom: bool = False


_OUT = {
    out.dialect.name: out
    for out in (
        _Out(ING_NL, _ing_row(False, True)),
        _Out(ING_EN, _ing_row(True, True)),
        _Out(ING_OLD, _ing_row(False, False)),
        _Out(ING_SAVINGS, _ing_savings_row),
        _Out(RABOBANK, _rabobank_row),
        _Out(ABN_AMRO, _abn_row, encoding="cp1252", quote_all=False),
        _Out(ASN, _volksbank_row, quote_all=False),
        _Out(SNS, _volksbank_row, quote_all=False),
        _Out(REGIOBANK, _volksbank_row, quote_all=False),
        _Out(KNAB, _knab_row, line_end=";\r\n", bom=True),
        _Out(BUNQ, _bunq_row(".", True)),
        _Out(BUNQ_NL, _bunq_row(",", True)),
        _Out(BUNQ_OLD, _bunq_row(".", False)),
        _Out(BUNQ_OLD_NL, _bunq_row(",", False)),
        _Out(TRIODOS, _triodos_row, encoding="iso-8859-15", quote_all=False),
    )
}
WRITABLE: tuple[str, ...] = tuple(_OUT)


def _rows(statements: Iterable[Statement], out: _Out) -> list[Row]:
    dated: list[tuple[dt.date, int, Row]] = []
    seq = 0
    for statement in statements:
        running = statement.opening_balance_cents or 0
        for tx in statement.transactions:
            seq += 1
            before = running
            given = tx.balance_after_cents
            running = before + tx.amount_cents if given is None else given
            dated.append((tx.booking_date, seq, out.row(tx, before, running, seq)))
    if out.dialect.newest_first:  # ING: newest first over all accounts of an "Alle rekeningen" file
        dated.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [row for _, _, row in dated]


def _volksbank_line(row: Row) -> str:
    """ASN/SNS/RegioBank quote only the description, with single quotes."""
    cells = [f"'{c}'" if ("," in c or "'" in c) else c for c in (x.replace("'", "''") for x in row)]
    cells[17] = f"'{row[17].replace(chr(39), chr(39) * 2)}'"
    return ",".join(cells)


def write_csv(statements: Iterable[Statement], dialect: str) -> bytes:
    """The file ``dialect`` (a name from :data:`WRITABLE`) would contain for ``statements``."""
    out = _OUT[dialect]
    d = out.dialect
    rows = _rows(statements, out)
    buf = io.StringIO()
    if d.preamble is not None:  # Knab: a title line, then an unquoted header
        buf.write(d.preamble + ";" * len(d.columns) + "\r\n" + ";".join(d.columns) + ";\r\n")
    if d.quotechar == "'":
        buf.write("".join(_volksbank_line(row) + out.line_end for row in rows))
    else:
        quoting: Literal[0, 1, 2, 3] = csv.QUOTE_ALL if out.quote_all else csv.QUOTE_MINIMAL
        writer = csv.writer(
            buf, delimiter=d.delimiter, quoting=quoting, lineterminator=out.line_end
        )
        if d.has_header and d.preamble is None:
            writer.writerow(d.columns)
        writer.writerows(rows)
    data = buf.getvalue().encode(out.encoding, errors="replace")
    return b"\xef\xbb\xbf" + data if out.bom else data
