"""Compile a :class:`Dialect` into one tight function that turns a CSV row into a transaction.

Column positions, parsers and caches are bound once per file as closure variables, so the
per-row work is indexing, two or three C-level string operations and one dataclass
construction. Dates repeat a lot in a statement, so each distinct date string is parsed once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any, NoReturn

from ingest.csvbanks.dialect import (
    PAYMENT_REFERENCE,
    Balance,
    Dialect,
    clean,
    format_cents,
    parse_cents,
    parse_date_text,
)
from ingest.errors import IngestError
from ingest.model import Problem, RawTransaction
from ingest.text import iban_from_nl_bban

EXCEL_HINT = "exporteer opnieuw bij de bank en open het bestand niet eerst in Excel"

RowParser = Callable[[list[str], int], RawTransaction]


def own_account(raw: str, bank_code: str | None) -> str:
    """The account as IBAN; old exports write the bare BBAN of the bank's own accounts."""
    value = "".join(raw.split()).upper()
    if bank_code and value.isdigit() and len(value) <= 10:
        return iban_from_nl_bban(value, bank_code)
    return value


def amount_error(d: Dialect, file: str, line: int, label: str, raw: str) -> IngestError:
    if d.decimal == "," and "." in raw:
        why = f"maar {d.bank} schrijft bedragen met een komma"
    elif d.decimal == "." and "," in raw:
        why = f"maar {d.bank} schrijft bedragen met een punt"
    else:
        why = "en dat is geen bedrag"
    return IngestError(file, line, f"kolom '{label}' bevat '{raw}' {why}; {EXCEL_HINT}")


def not_provided(text: str) -> str | None:
    """SEPA's placeholder for "no end-to-end id" is no id."""
    value = text.strip()
    return None if not value or value == "NOTPROVIDED" else value


def _auto_cents(text: str, _decimal: str, _thousands: str | None) -> int | None:
    """bunq: the decimal mark follows the user's locale, so take whichever one the value has."""
    return parse_cents(text, "," if "," in text else ".", None)


_FIELDS = ("account", "booking_date", "amount_cents", "currency", "value_date",
           "counterparty_iban", "counterparty_name", "description", "end_to_end_id", "mandate_id",
           "creditor_id", "bank_reference", "bank_transaction_code", "is_reversal", "batch_id",
           "balance_after_cents", "line")  # fmt: skip
assert tuple(f.name for f in dataclasses.fields(RawTransaction)) == _FIELDS


def _source(d: Dialect) -> str:
    """Python source of the row function: only the columns this dialect has, positional args.

    Generating it (as :func:`collections.namedtuple` does) removes a dozen ``is None`` checks
    and helper calls per row; it roughly doubles the parse rate over a generic loop.
    """
    c, det = d.col, d.details is not None
    out = ["def parse(row, line):"]
    add = out.append
    add(f"    raw = row[{c(d.account)}]" if d.account else '    raw = ""')
    add("    account = accounts.get(raw)")
    add("    if account is None:")
    add("        account = accounts[raw] = own_account(raw, bank_code)")
    i = c(d.booking_date)
    add(f"    s = row[{i}]")
    add(f"    booking = dates.get(s) or date_of({i}, s, line)")
    i = c(d.amount)
    add(f"    s = row[{i}]")
    add("    amount = cents(s, dec, thou)")
    add("    if amount is None or amount < 0:" if d.sign else "    if amount is None:")
    add(f"        bad_amount({i}, s, line)")
    if d.sign is not None:
        j = c(d.sign)
        add(f"    s = row[{j}].strip()")
        add("    if s in debit:")
        add("        amount = -amount")
        add("    elif s not in credit:")
        add(f"        bad_sign({j}, s, line)")
    if det:
        add(f"    det = details(row[{c(d.details)}])")
    parts = [f"row[{d.index[label]}]" for label in d.description] + (["det[0]"] if det else [])
    if d.payment_reference is not None:
        add(f"    ref = row[{c(d.payment_reference)}].strip()")
        parts.append("(PAYREF + ref if ref else '')")
    joined = ' + " " + '.join(parts)
    description = f"clean({joined})" if parts else "''"
    if parts == ["det[0]"]:
        description = "det[0]"  # already cleaned by the details parser
    value_date = "det[3]" if det else "None"
    if d.value_date is not None:
        i = c(d.value_date)
        add(f"    s = row[{i}]")
        value_date = f"((dates.get(s) or date_of({i}, s, line)) if s else {value_date})"
        add(f"    value_date = {value_date}")
        value_date = "value_date"
    balance = "None"
    if d.balance is not None:
        i = c(d.balance)
        add(f"    s = row[{i}]")
        add("    balance = cents(s, dec, thou)")
        add("    if balance is None:")
        add("        if s.strip():")
        add(f"            bad_amount({i}, s, line)")
        add("    else:")
        if d.balance_kind is Balance.BEFORE:
            add("        balance += amount")
        if d.start_balance is not None:
            j = c(d.start_balance)
            add(f"        check_start(row[{j}], {j}, amount, balance, line)")
        add("        pass")
        balance = "balance"

    def opt(
        label: str | None, det_index: int | None, form: str = "(row[{}].strip() or None)"
    ) -> str:
        own = form.format(c(label)) if label is not None else ""
        inner = f"det[{det_index}]" if det and det_index is not None else ""
        return f"({own} or {inner})" if own and inner else own or inner or "None"

    args = [
        "account", "booking", "amount",
        f"(row[{c(d.currency)}].strip() or 'EUR')" if d.currency else "'EUR'",
        value_date,
        opt(d.counterparty_iban, 2, "(''.join(row[{}].split()).upper() or None)"),
        opt(d.counterparty_name, 1, "(clean(row[{}]) or None)"),
        description,
        opt(d.end_to_end_id, 4, "not_provided(row[{}])"),
        opt(d.mandate_id, 5), opt(d.creditor_id, 6),
        opt(d.bank_reference, None), opt(d.code, 7),
        f"bool(row[{c(d.reversal_reason)}].strip())" if d.reversal_reason else "False",
        opt(d.batch_id, None), balance, "line",
    ]  # fmt: skip
    add(f"    return RawTransaction({', '.join(args)})")
    return "\n".join(out) + "\n"


def compile_row(d: Dialect, file: str, problems: list[Problem]) -> RowParser:
    """The row parser for ``d``; it raises :class:`IngestError` for values it cannot read."""
    style, bank, columns = d.date_style, d.bank, d.columns
    dates: dict[str, dt.date] = {}

    def date_of(i: int, raw: str, line: int) -> dt.date:
        value = parse_date_text(raw, style)
        if value is None:
            raise IngestError(
                file,
                line,
                f"kolom '{columns[i]}' bevat '{raw}' maar {bank} schrijft datums als "
                f"{style.value}; {EXCEL_HINT}",
            )
        dates[raw] = value
        return value

    def bad_amount(i: int, raw: str, line: int) -> NoReturn:
        raise amount_error(d, file, line, columns[i], raw)

    def bad_sign(i: int, raw: str, line: int) -> NoReturn:
        expected = " of ".join(f"'{v}'" for v in (*d.credit, *d.debit))
        raise IngestError(
            file,
            line,
            f"kolom '{columns[i]}' bevat '{raw}' maar moet {expected} zijn; {EXCEL_HINT}",
        )

    def check_start(raw: str, i: int, amount: int, balance: int, line: int) -> None:
        start = parse_cents(raw, d.decimal, d.thousands)
        if start is None:
            bad_amount(i, raw, line)
        if start + amount != balance:
            problems.append(
                Problem(
                    file,
                    line,
                    f"beginsaldo {format_cents(start)} plus bedrag {format_cents(amount)} is niet "
                    f"het eindsaldo {format_cents(balance)}; controleer de export",
                )
            )

    namespace: dict[str, Any] = {
        "RawTransaction": RawTransaction, "accounts": {}, "own_account": own_account,
        "bank_code": d.account_bank_code, "dates": dates, "date_of": date_of,
        "cents": parse_cents if d.decimal else _auto_cents, "dec": d.decimal,
        "thou": d.thousands, "bad_amount": bad_amount, "bad_sign": bad_sign,
        "debit": frozenset(d.debit), "credit": frozenset(d.credit), "details": d.details_parser,
        "clean": clean, "not_provided": not_provided, "PAYREF": PAYMENT_REFERENCE,
        "check_start": check_start,
    }  # fmt: skip
    exec(compile(_source(d), f"<csv row parser {d.name}>", "exec"), namespace)
    parse: RowParser = namespace["parse"]
    return parse
