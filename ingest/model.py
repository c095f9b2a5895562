"""The records every importer produces, independent of the format they came from.

Importers return :class:`Statement` objects holding :class:`RawTransaction` records: what the
bank file says, normalised (integer cents, ``date`` objects, cleaned text), but not yet tied to a
household or an import. :mod:`ingest.canonical` turns them into the canonical polars table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class SourceFormat(StrEnum):
    """The file formats we recognise; the bank dialect is a separate field."""

    MT940 = "mt940"
    CAMT053 = "camt053"
    OFX = "ofx"
    CSV = "csv"
    BENEFIT = "benefit"


@dataclass(frozen=True, slots=True)
class RawTransaction:
    """One booked transaction as a bank statement states it.

    ``amount_cents`` is signed from the account holder's view: positive is money in, negative is
    money out. A reversal (MT940 ``RD``/``RC``, CAMT ``RvslInd``) keeps the sign of the actual
    money movement and sets ``is_reversal``.

    ``line`` is the 1-based line in the (decoded) source file where the transaction starts, so an
    error or an audit can point at it; for XML it is the line of the ``Ntry``/``TxDtls`` element.
    """

    account: str
    booking_date: dt.date
    amount_cents: int
    currency: str = "EUR"
    value_date: dt.date | None = None
    counterparty_iban: str | None = None
    counterparty_name: str | None = None
    description: str = ""
    end_to_end_id: str | None = None
    mandate_id: str | None = None
    creditor_id: str | None = None
    bank_reference: str | None = None
    bank_transaction_code: str | None = None
    is_reversal: bool = False
    batch_id: str | None = None
    balance_after_cents: int | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class Statement:
    """A run of transactions of one account, with the balances the format states (if any).

    CSV exports are one "statement" per account in the file, usually without opening/closing
    balances (some carry a balance after each transaction instead).
    """

    account: str
    currency: str = "EUR"
    transactions: tuple[RawTransaction, ...] = ()
    statement_id: str | None = None
    opening_balance_cents: int | None = None
    opening_date: dt.date | None = None
    closing_balance_cents: int | None = None
    closing_date: dt.date | None = None
    line: int = 0


ACCOUNT_NOT_STATED = (
    "deze export noemt de eigen rekening niet; geef bij het importeren op welke rekening het is "
    "(hhb import --account IBAN)"
)
"""The problem an importer reports for a file without its own account (``Statement.account``
empty); ``hhb import --account`` resolves it, and then the problem is dropped."""


class Severity(StrEnum):
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Problem:
    """A data-quality problem found while reading a file, shown to the user rather than raised.

    ``str(problem)`` is the one-line form ``FILE:LINE: message`` used by the CLI.
    """

    file: str
    line: int
    message: str
    severity: Severity = Severity.WARNING

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class ExtractResult:
    """What an importer returns: the statements and the problems that did not stop it."""

    format: SourceFormat
    bank: str
    dialect: str
    statements: tuple[Statement, ...]
    problems: tuple[Problem, ...] = field(default=())

    @property
    def transaction_count(self) -> int:
        return sum(len(s.transactions) for s in self.statements)
