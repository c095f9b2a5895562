"""The declarative description of one bank's CSV export, and the exact value parsers it needs.

A bank dialect is data (:class:`Dialect`): which columns exist, what each one means, how dates,
amounts and signs are written. :mod:`ingest.csvbanks.engine` turns a dialect into an importer, so
adding a bank is a declaration in :mod:`ingest.csvbanks.banks`, not new parsing code.

The value parsers here avoid ``strptime``, regular expressions and floats on the per-row path:
CSV imports must run well above 200 000 rows per second, and a slice plus ``int`` is exact and
several times faster.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple


class DateStyle(StrEnum):
    """How a bank writes a date; the value is the human form used in error messages."""

    YMD8 = "jjjjmmdd"
    ISO = "jjjj-mm-dd"
    DMY = "dd-mm-jjjj"


class Balance(StrEnum):
    """What a balance column means: the balance after this row, or (ASN/SNS) before it."""

    AFTER = "after"
    BEFORE = "before"


class Details(NamedTuple):
    """Fields a bank packs inside one free-text column (ING Mededelingen, ABN AMRO description)."""

    description: str = ""
    name: str | None = None
    iban: str | None = None
    value_date: dt.date | None = None
    end_to_end_id: str | None = None
    mandate_id: str | None = None
    creditor_id: str | None = None
    code: str | None = None


@dataclass(frozen=True)
class Dialect:
    """One CSV export variant. Column references are labels from ``columns``.

    ``columns`` is the exact header row; for headerless exports (``has_header=False``) it lists
    our own Dutch labels, which only appear in error messages, and ``shape`` must recognise the
    first rows strictly enough never to claim another bank's file.
    """

    name: str
    bank: str
    columns: tuple[str, ...]
    account: str | None
    booking_date: str
    amount: str
    has_header: bool = True
    preamble: str | None = None
    delimiter: str = ","
    quotechar: str = '"'
    fallback_encoding: str = "cp1252"
    date_style: DateStyle = DateStyle.ISO
    decimal: str = ","
    thousands: str | None = None
    sign: str | None = None
    debit: tuple[str, ...] = ()
    credit: tuple[str, ...] = ()
    value_date: str | None = None
    currency: str | None = None
    counterparty_iban: str | None = None
    counterparty_name: str | None = None
    description: tuple[str, ...] = ()
    details: str | None = None
    details_parser: Callable[[str], Details] | None = None
    code: str | None = None
    end_to_end_id: str | None = None
    mandate_id: str | None = None
    creditor_id: str | None = None
    bank_reference: str | None = None
    batch_id: str | None = None
    payment_reference: str | None = None
    reversal_reason: str | None = None
    balance: str | None = None
    balance_kind: Balance = Balance.AFTER
    start_balance: str | None = None
    account_bank_code: str | None = None
    newest_first: bool = False
    shape: Callable[[Sequence[str]], bool] | None = None
    problems_note: str | None = None
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {label: i for i, label in enumerate(self.columns)})
        referenced = [
            self.account, self.booking_date, self.amount, self.sign, self.value_date,
            self.currency, self.counterparty_iban, self.counterparty_name, self.details,
            self.code, self.end_to_end_id, self.mandate_id, self.creditor_id,
            self.bank_reference, self.batch_id, self.payment_reference, self.reversal_reason,
            self.balance, self.start_balance, *self.description,
        ]  # fmt: skip
        unknown = [c for c in referenced if c is not None and c not in self.index]
        if unknown:
            raise ValueError(f"dialect {self.name}: unknown columns {unknown}")

    def col(self, label: str | None) -> int | None:
        return None if label is None else self.index[label]


PAYMENT_REFERENCE = "Betalingskenmerk: "
"""Prefix of a structured payment reference appended to the description.

The model has no field for it, and it is remittance information (what benefit recognition
reads), so it stays visible in the description where a writer can split it off again.
"""


def parse_cents(text: str, decimal: str, thousands: str | None) -> int | None:
    """Exact cents for ``-1234,56`` / ``+12.5`` style text, or ``None`` if not in this notation.

    Thousands separators are accepted only in correct groups of three, so an Excel-mangled
    ``12.5`` in a decimal-comma file is rejected rather than read as 125 euros.
    """
    s = text.strip()
    if not s or not s.isascii():
        return None
    negative = s[0] == "-"
    if s[0] in "+-":
        s = s[1:]
    whole, sep, frac = s.partition(decimal)
    if thousands and thousands in whole:
        groups = whole.split(thousands)
        if not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:]):
            return None
        whole = "".join(groups)
    if not whole.isdigit():
        return None
    if sep:
        if not 1 <= len(frac) <= 2 or not frac.isdigit():
            return None
        cents = int(whole) * 100 + int(frac) * (10 if len(frac) == 1 else 1)
    else:
        cents = int(whole) * 100
    return -cents if negative else cents


def parse_date_text(text: str, style: DateStyle) -> dt.date | None:
    """A date in exactly the bank's notation, or ``None`` (never a guess between day and month)."""
    s = text.strip()
    if not s.isascii():
        return None
    if style is DateStyle.YMD8:
        if len(s) != 8 or not s.isdigit():
            return None
        y, m, d = s[0:4], s[4:6], s[6:8]
    elif style is DateStyle.ISO:
        if len(s) != 10 or s[4] != "-" or s[7] != "-":
            return None
        y, m, d = s[0:4], s[5:7], s[8:10]
    else:
        if len(s) != 10 or s[2] not in "-/" or s[5] != s[2]:
            return None
        y, m, d = s[6:10], s[3:5], s[0:2]
    if not (y.isdigit() and m.isdigit() and d.isdigit()):
        return None
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def format_cents(cents: int, decimal: str = ",", *, plus: bool = False, thousands: str = "") -> str:
    """The inverse of :func:`parse_cents`, for the writers."""
    sign = "-" if cents < 0 else ("+" if plus else "")
    whole, frac = divmod(abs(cents), 100)
    w = f"{whole:,}".replace(",", thousands) if thousands else str(whole)
    return f"{sign}{w}{decimal}{frac:02d}"


def clean(text: str) -> str:
    """Collapse whitespace; the C-level split/join is several times faster than a regex."""
    return " ".join(text.split())
