"""MT940 files into :class:`Statement` objects: envelope by ``mt-940``, ``:86:`` by us.

``mt940.parse_statements`` with every fix of :class:`mt940.Options` on reads the tags, the
``:61:`` lines and the balances (one ``Transactions`` per ``:20:``); :mod:`ingest.mt940.scan`
supplies what the library cannot (line numbers, raw ``:86:`` lines, statement boundaries
without ``:20:``), and a bank's splitter from :mod:`ingest.mt940.details` turns ``:86:`` into
fields. Amounts come from the library as ``Decimal`` and become cents without a float.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import gc
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import mt940

from ingest.errors import IngestError
from ingest.model import ExtractResult, Problem, RawTransaction, SourceFormat, Statement
from ingest.mt940.details import Splitter
from ingest.mt940.locate import check_line, locate_error
from ingest.mt940.scan import Block, Entry, library_text, scan
from ingest.rows import TxRow, transactions_of
from ingest.text import decode, iban_from_nl_bban, is_iban

OPTIONS = mt940.Options.all()
_NO_CODE = "\x00"
NO_STATEMENT = (
    "dit is geen MT940-afschrift: er staat geen :20:- of :25:-regel in; lever het "
    "MT940-bestand aan zoals de bank het maakt"
)
_AGAIN = "exporteer het afschrift opnieuw bij de bank"


class StatementNL(mt940.tags.Statement):
    """``:61:`` as the library reads it, but never without a transaction code.

    The library starts a new transaction only when the previous ``:61:`` has a code, so two
    code-less lines in a row would silently become one. The class name keeps the slug
    ``statement`` that the library's processors are looked up by.
    """

    def __call__(self, transactions: mt940.models.Transactions, value: dict[str, Any]) -> Any:
        data = super().__call__(transactions, value)
        if not data.get("id"):
            data["id"] = _NO_CODE
        return data


class StatementASNBNL(mt940.tags.StatementASNB):
    """The ASNB ``:61:`` (counterparty IBAN in the customer reference), see :class:`StatementNL`."""

    def __call__(self, transactions: mt940.models.Transactions, value: dict[str, Any]) -> Any:
        data = super().__call__(transactions, value)
        if not data.get("id"):
            data["id"] = _NO_CODE
        return data


class TransactionDetailsRaw(mt940.tags.TransactionDetails):
    """``:86:`` left to us: we split it from the raw lines (see :mod:`ingest.mt940.scan`), so
    the library's own pass over it (pattern, German ``?NN`` post-processor, merging) is skipped.
    The tag stays registered, so the library still knows where a ``:86:`` value ends."""

    def parse(self, transactions: mt940.models.Transactions, value: str) -> dict[str, str | None]:
        return {}


_STATEMENT_TAG = StatementNL()
_VOLKSBANK_TAG = StatementASNBNL()
_DETAILS_TAG = TransactionDetailsRaw()
assert _STATEMENT_TAG.slug == _VOLKSBANK_TAG.slug == "statement"
_TAGS: dict[int | str, mt940.tags.Tag] = {61: _STATEMENT_TAG, 86: _DETAILS_TAG}
_VOLKSBANK_TAGS: dict[int | str, mt940.tags.Tag] = {61: _VOLKSBANK_TAG, 86: _DETAILS_TAG}

# RawTransaction is built positionally in the hot loop (17 keywords cost a quarter of our own
# time); this guard turns a reordering of the shared model into an import error, not bad data.
_FIELD_ORDER = (
    "account", "booking_date", "amount_cents", "currency", "value_date", "counterparty_iban",
    "counterparty_name", "description", "end_to_end_id", "mandate_id", "creditor_id",
    "bank_reference", "bank_transaction_code", "is_reversal", "batch_id",
    "balance_after_cents", "line",
)  # fmt: skip
assert tuple(f.name for f in dataclasses.fields(RawTransaction)) == _FIELD_ORDER


def decode_text(data: bytes, filename: str) -> str:
    """Bytes to text with ``\\n`` line ends; NUL characters mean a wrong encoding."""
    if not data.strip():
        raise IngestError(filename, 1, f"het bestand is leeg; {_AGAIN}")
    try:
        text, _ = decode(data)
    except UnicodeDecodeError:
        raise IngestError(
            filename, 1, f"het bestand is geen leesbare tekst (beschadigde UTF-16); {_AGAIN}"
        ) from None
    if "\x00" in text:
        raise IngestError(
            filename,
            1,
            "het bestand heeft een onbekende tekencodering (bijvoorbeeld UTF-16 zonder BOM) of is "
            f"geen tekstbestand; {_AGAIN} als MT940-tekstbestand",
        )
    return text.replace("\r\n", "\n").replace("\r", "\n")


def own_account(raw: str, bank_code: str | None) -> str:
    """The account of ``:25:`` as an IBAN where possible.

    Banks write ``NL69INGB0123456789EUR`` (IBAN plus currency), ``TRIODOSBANK/0390123456``,
    or, in older files, a bare BBAN (``0123456789`` at Rabobank, ``517852257`` at ABN AMRO).
    A BBAN in ``:25:`` is the account holder's own account at the bank that wrote the file,
    so its bank code is known and the IBAN can be composed exactly; elsewhere (unknown bank)
    the BBAN is kept as written.
    """
    value = "".join(raw.split()).upper()
    if "/" in value:
        value = value.rsplit("/", 1)[1]
    # The head is checked first: "NL02INGB7616614681EUR" passes the mod-97 test by chance.
    if len(value) > 3 and value[-3:].isalpha():
        head = value[:-3]
        if is_iban(head) or head.isdigit():
            value = head
    if value.isdigit() and bank_code and int(value):
        return iban_from_nl_bban(value, bank_code)
    return value


def _cents(amount: decimal.Decimal) -> int | None:
    scaled = amount.scaleb(2)
    cents = int(scaled)
    return cents if cents == scaled else None


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100},{abs(cents) % 100:02d}"


def _envelope(text: str, original: str, filename: str, volksbank: bool) -> list[Any]:
    try:
        return mt940.parse_statements(
            text, options=OPTIONS, tags=_VOLKSBANK_TAGS if volksbank else _TAGS
        )
    except Exception as exc:  # the library raises RuntimeError, ValueError, decimal errors...
        line, message = locate_error(original.split("\n"), exc)
        raise IngestError(filename, line, message) from None


def read_mt940(
    text: str,
    filename: str,
    *,
    bank: str,
    dialect: str,
    splitter: Splitter,
    bank_code: str | None,
    volksbank: bool = False,
) -> ExtractResult:
    """Parse a whole MT940 file (text from :func:`decode_text`) with one bank's splitter.

    The cyclic garbage collector is paused meanwhile: the library and we allocate millions of
    small acyclic objects for a large file, which would trigger many full collections that free
    nothing (a third of the run time on 100 000 transactions). It is switched back on, as it
    was, in every case.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _read(text, filename, bank, dialect, splitter, bank_code, volksbank)
    finally:
        if enabled:
            gc.enable()


def _read(
    text: str,
    filename: str,
    bank: str,
    dialect: str,
    splitter: Splitter,
    bank_code: str | None,
    volksbank: bool,
) -> ExtractResult:
    blocks = scan(text, filename)
    if not blocks:
        raise IngestError(filename, 1, NO_STATEMENT)
    parsed = _envelope(library_text(text, blocks), text, filename, volksbank)
    if len(parsed) != len(blocks):
        raise IngestError(filename, blocks[0].line, f"het bestand is beschadigd; {_AGAIN}")
    problems: list[Problem] = []
    statements = [
        _statement(block, lib, text, filename, bank_code, splitter, problems)
        for block, lib in zip(blocks, parsed, strict=True)
    ]
    check_continuity(statements, blocks, filename, problems)
    return ExtractResult(
        format=SourceFormat.MT940,
        bank=bank,
        dialect=dialect,
        statements=tuple(statements),
        problems=tuple(problems),
    )


def _balance(data: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        value = data.get(key)
        if value is not None:
            return value
    return None


@dataclass(frozen=True, slots=True)
class Head:
    """A statement's own facts, from the library's reading of its header and tail."""

    account: str
    currency: str
    opening_cents: int
    closing_cents: int
    opening_date: dt.date | None
    closing_date: dt.date | None
    statement_id: str | None


def statement_head(block: Block, lib: Any, filename: str, bank_code: str | None) -> Head:
    """Account, balances and id of one statement, checked; raises for what is missing."""
    data: dict[str, Any] = lib.data
    raw_account = data.get("account_identification")
    if not raw_account:
        raise IngestError(
            filename, block.line, f"afschrift mist het rekeningnummer (:25:); {_AGAIN}"
        )
    opening = _balance(
        data, "final_opening_balance", "intermediate_opening_balance", "opening_balance"
    )
    closing = _balance(
        data, "final_closing_balance", "intermediate_closing_balance", "closing_balance"
    )
    if opening is None:
        raise IngestError(filename, block.line, f"afschrift mist het beginsaldo (:60F:); {_AGAIN}")
    if closing is None:
        last = block.lines[-1] if block.count else block.line
        raise IngestError(
            filename,
            last,
            "het bestand is afgebroken of beschadigd: het afschrift mist het eindsaldo (:62F:); "
            + _AGAIN,
        )
    # The balance pattern of the library is not anchored at the end: "12.50" would read as 12.
    for no, line_text in (
        (block.opening_line, block.opening_text),
        (block.closing_line, block.closing_text),
    ):
        message = check_line(line_text) if no else None
        if message is not None:
            raise IngestError(filename, no, message)
    opening_cents = _cents(opening.amount.amount)
    closing_cents = _cents(closing.amount.amount)
    if opening_cents is None or closing_cents is None:
        line = block.opening_line if opening_cents is None else block.closing_line
        raise IngestError(filename, line, f"saldo heeft meer dan twee decimalen; {_AGAIN}")
    number = data.get("statement_number")
    sequence = data.get("sequence_number")
    ref = (data.get("transaction_reference") or "").strip()
    statement_id = f"{number}/{sequence}" if number and sequence else number or ref or None
    return Head(
        own_account(raw_account, bank_code),
        opening.amount.currency or "EUR",
        opening_cents,
        closing_cents,
        _plain(opening.date),
        _plain(closing.date),
        statement_id,
    )


def entry_rows(
    entries: list[Entry],
    lib_txs: list[Any],
    head: Head,
    block: Block,
    text: str,
    filename: str,
    splitter: Splitter,
    problems: list[Problem],
) -> list[TxRow]:
    """The transactions of ``entries`` (the library's ``lib_txs`` beside our scan of them), as
    rows in :data:`ingest.rows.TX_FIELDS` order."""
    if len(lib_txs) != len(entries):
        raise IngestError(filename, block.line, f"afschrift is beschadigd; {_AGAIN}")
    acct, currency = head.account, head.currency
    dates: dict[dt.date, dt.date] = {}
    rows: list[TxRow] = []
    append = rows.append
    for entry, lt in zip(entries, lib_txs, strict=True):
        d = lt.data
        cents = _cents(d["amount"].amount)
        if cents is None:
            raise IngestError(
                filename,
                entry.line,
                f"regel :61: heeft een bedrag met meer dan twee decimalen; {_AGAIN}",
            )
        value = d["date"]
        value_date = dates.get(value)
        if value_date is None:
            value_date = dates[value] = dt.date(value.year, value.month, value.day)
        entry_date = d.get("entry_date")
        booking_date = value_date
        if entry_date is not None:
            booking_date = dates.get(entry_date) or dates.setdefault(
                entry_date, dt.date(entry_date.year, entry_date.month, entry_date.day)
            )
        code = d.get("id")
        if code == _NO_CODE:  # also what "12.50" gives: amount 12, no code, reference ".50..."
            message = check_line(_line_at(text, entry.offset))
            raise IngestError(
                filename, entry.line, message or f"regel :61: is onleesbaar; {_AGAIN}"
            )
        ciban, cname, description, e2e, mandate, creditor, bref, batch, known = splitter(
            entry.details, d.get("customer_reference"), d.get("extra_details")
        )
        if not known:
            problems.append(
                Problem(
                    filename,
                    entry.details_line or entry.line,
                    "omschrijving (:86:) heeft een onbekende opbouw; de tekst is als "
                    "omschrijving overgenomen",
                )
            )
        append(
            (
                acct,
                booking_date,
                cents,
                currency,
                value_date,
                ciban,
                cname,
                description,
                e2e,
                mandate,
                creditor,
                bref or d.get("bank_reference") or None,
                code.strip() or None,
                d["status"][0] in "Rr",
                batch,
                None,
                entry.line,
            )
        )
    return rows


def _line_at(text: str, offset: int) -> str:
    end = text.find("\n", offset)
    return text[offset:] if end < 0 else text[offset:end]


def balance_problem(head: Head, total: int, block: Block, filename: str) -> Problem | None:
    if head.opening_cents + total == head.closing_cents:
        return None
    return Problem(
        filename,
        block.closing_line or block.line,
        f"eindsaldo {_money(head.closing_cents)} klopt niet met beginsaldo "
        f"{_money(head.opening_cents)} plus de transacties ({_money(total)}); controleer of "
        "het afschrift compleet is",
    )


def _statement(
    block: Block,
    lib: Any,
    text: str,
    filename: str,
    bank_code: str | None,
    splitter: Splitter,
    problems: list[Problem],
) -> Statement:
    head = statement_head(block, lib, filename, bank_code)
    rows = entry_rows(
        block.entries(text), lib.transactions, head, block, text, filename, splitter, problems
    )
    problem = balance_problem(head, sum(row[2] for row in rows), block, filename)
    if problem is not None:
        problems.append(problem)
    return Statement(
        account=head.account,
        currency=head.currency,
        transactions=transactions_of(rows),
        statement_id=head.statement_id,
        opening_balance_cents=head.opening_cents,
        opening_date=head.opening_date,
        closing_balance_cents=head.closing_cents,
        closing_date=head.closing_date,
        line=block.line,
    )


def _plain(value: dt.date | None) -> dt.date | None:
    return None if value is None else dt.date(value.year, value.month, value.day)


class _Balances(Protocol):
    @property
    def account(self) -> str: ...

    @property
    def opening_balance_cents(self) -> int | None: ...

    @property
    def closing_balance_cents(self) -> int | None: ...


def check_continuity(
    statements: Sequence[_Balances], blocks: list[Block], filename: str, problems: list[Problem]
) -> None:
    """Consecutive statements of one account must chain: a gap means a missing statement."""
    for i in range(1, len(statements)):
        prev, st, block = statements[i - 1], statements[i], blocks[i]
        if prev.account != st.account or prev.closing_balance_cents is None:
            continue
        if st.opening_balance_cents != prev.closing_balance_cents:
            problems.append(
                Problem(
                    filename,
                    block.opening_line or block.line,
                    f"beginsaldo {_money(st.opening_balance_cents or 0)} sluit niet aan op het "
                    f"eindsaldo {_money(prev.closing_balance_cents)} van het vorige afschrift; "
                    "er ontbreekt mogelijk een afschrift",
                )
            )
