"""Write statements as MT940 the way each Dutch bank does, for demo data and benchmarks.

Each dialect reproduces what its reader (:mod:`ingest.mt940.details`) expects and what the bank
writes: its header lines, how ``:25:`` names the account, where the counterparty goes (``:61:``
or ``:86:``), and how ``:86:`` is cut into 65-character lines. Volksbank banks write one
statement per calendar day, also for days without transactions, so that dialect splits every
statement per day. The writer is one pass of string building (100 000 transactions take well
under a second); the ``:61:`` transaction code is the transaction's own ``bank_transaction_code``
when it is a valid SWIFT code, else ``NTRF``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence

from ingest.model import RawTransaction, Statement

_W = 65
_BICS = {
    "INGB": "INGBNL2A",
    "RABO": "RABONL2U",
    "ABNA": "ABNANL2A",
    "SNSB": "SNSBNL2A",
    "ASNB": "ASNBNL21",
    "RBRB": "RBRBNL21",
    "TRIO": "TRIONL2U",
    "KNAB": "KNABNL2H",
    "BUNQ": "BUNQNL2A",
}
_CODE = re.compile(r"[A-Z][A-Z0-9]{3}")
_Lines = list[str]


def _d6(d: dt.date) -> str:
    return f"{d.year % 100:02d}{d.month:02d}{d.day:02d}"


def _amount(cents: int, width: int = 0) -> str:
    c = abs(cents)
    text = f"{c // 100},{c % 100:02d}"
    return text.rjust(width, "0") if width else text


def _balance(tag: str, cents: int | None, date: dt.date, currency: str, width: int = 0) -> str:
    cents = cents or 0
    return f":{tag}:{'D' if cents < 0 else 'C'}{_d6(date)}{currency}{_amount(cents, width)}"


def _clean(text: str | None) -> str:
    return " ".join(text.split()) if text else ""


def _line61(tx: RawTransaction, *, entry_date: bool = True, width: int = 0) -> str:
    value = tx.value_date or tx.booking_date
    mmdd = f"{tx.booking_date.month:02d}{tx.booking_date.day:02d}" if entry_date else ""
    if tx.amount_cents < 0:
        mark = "RC" if tx.is_reversal else "D"
    else:
        mark = "RD" if tx.is_reversal else "C"
    code = tx.bank_transaction_code
    code = code if code and _CODE.fullmatch(code) else "NTRF"
    return f":61:{_d6(value)}{mmdd}{mark}{_amount(tx.amount_cents, width)}{code}"


def _wrap(out: _Lines, text: str, first: str = ":86:") -> None:
    out.append(first + text[:_W])
    for i in range(_W, len(text), _W):
        out.append(text[i : i + _W])


def _bic(iban: str | None) -> str:
    return _BICS.get(iban[4:8], "") if iban else ""


def _dates(st: Statement) -> tuple[dt.date, dt.date]:
    txs = st.transactions
    first = st.opening_date or (txs[0].booking_date if txs else st.closing_date) or dt.date.today()
    last = st.closing_date or (txs[-1].booking_date if txs else first)
    return first, last


# --- ING ---------------------------------------------------------------------------------------


def _ing(st: Statement, n: int, out: _Lines) -> None:
    first, last = _dates(st)
    cur = st.currency
    out += ["{1:F01INGBNL2AXXXX0000000000}", "{2:I940INGBNL2AXXXN}", "{4:"]
    out += [f":20:P{_d6(last)}{n:08d}", f":25:{st.account}{cur}", f":28C:{n:05d}"]
    out.append(_balance("60F", st.opening_balance_cents, first, cur))
    debit = credit = nd = nc = 0
    for tx in st.transactions:
        ref = f"//{tx.bank_reference[:16]}" if tx.bank_reference else ""
        out.append(f"{_line61(tx)}{'EREF' if tx.end_to_end_id else 'NONREF'}{ref}")
        parts = []
        if tx.end_to_end_id:
            parts.append(f"/EREF/{tx.end_to_end_id}/")
        if tx.mandate_id:
            parts.append(f"/MARF/{tx.mandate_id}/")
        if tx.creditor_id:
            parts.append(f"/CSID/{tx.creditor_id}/")
        if tx.counterparty_iban or tx.counterparty_name:
            iban = tx.counterparty_iban or ""
            parts.append(f"/CNTP/{iban}/{_bic(iban)}/{_clean(tx.counterparty_name)}//")
        parts.append(f"/REMI/USTD//{_clean(tx.description)}/")
        _wrap(out, "".join(parts))
        if tx.amount_cents < 0:
            debit, nd = debit - tx.amount_cents, nd + 1
        else:
            credit, nc = credit + tx.amount_cents, nc + 1
    out.append(_balance("62F", st.closing_balance_cents, last, cur))
    out.append(_balance("64", st.closing_balance_cents, last, cur))
    out.append(f":86:/SUM/{nd}/{nc}/{_amount(debit)}/{_amount(credit)}/")
    out.append("-}")


# --- Rabobank ----------------------------------------------------------------------------------


def _rabobank(st: Statement, n: int, out: _Lines) -> None:
    first, last = _dates(st)
    cur = st.currency
    if n == 1:
        out.append(":940:")
    out += [f":20:940S{_d6(last)}", f":25:{st.account}{cur}", f":28C:{n}"]
    out.append(_balance("60F", st.opening_balance_cents, first, cur, 15))
    for tx in st.transactions:
        out.append(
            f"{_line61(tx, entry_date=False, width=15)}{'EREF' if tx.end_to_end_id else 'NONREF'}"
        )
        if tx.counterparty_iban:
            out.append(tx.counterparty_iban)
        parts = []
        if tx.end_to_end_id:
            parts.append(f"/EREF/{tx.end_to_end_id}")
        if tx.mandate_id:
            parts.append(f"/MARF/{tx.mandate_id}")
        if tx.creditor_id:
            parts.append(f"/CSID/{tx.creditor_id}")
        if tx.counterparty_name:
            role = "BENM" if tx.amount_cents < 0 else "ORDP"
            parts.append(f"/{role}//NAME/{_clean(tx.counterparty_name)}")
        parts.append(f"/REMI/{_clean(tx.description)}/ISDT/{tx.booking_date.isoformat()}")
        _wrap(out, "".join(parts))
    out.append(_balance("62F", st.closing_balance_cents, last, cur, 15))


# --- ABN AMRO and Knab -------------------------------------------------------------------------


def _trtp(tx: RawTransaction) -> str:
    kind = "SEPA INCASSO ALGEMEEN DOORLOPEND" if tx.mandate_id else "SEPA OVERBOEKING"
    parts = [f"/TRTP/{kind}"]
    if tx.creditor_id:
        parts.append(f"/CSID/{tx.creditor_id}")
    if tx.counterparty_iban:
        parts.append(f"/IBAN/{tx.counterparty_iban}/BIC/{_bic(tx.counterparty_iban)}")
    if tx.counterparty_name:
        parts.append(f"/NAME/{_clean(tx.counterparty_name)}")
    if tx.mandate_id:
        parts.append(f"/MARF/{tx.mandate_id}")
    parts.append(f"/REMI/{_clean(tx.description)}/EREF/{tx.end_to_end_id or 'NOTPROVIDED'}")
    return "".join(parts)


def _abn_like(st: Statement, n: int, out: _Lines, *, abn: bool) -> None:
    first, last = _dates(st)
    cur = st.currency
    account = st.account
    if abn:
        out += ["ABNANL2A", "940", "ABNANL2A", ":20:ABN AMRO BANK NV"]
        if account[4:8] == "ABNA" and account[8:].isdigit():
            account = str(int(account[8:]))  # ABN AMRO writes the old account number
        out += [f":25:{account}", f":28:{last.timetuple().tm_yday:03d}{n:02d}/1"]
    else:
        out += [f":20:{_d6(last)}{n:06d}", f":25:{account}", f":28C:{n}"]
    out.append(_balance("60F", st.opening_balance_cents, first, cur))
    for tx in st.transactions:
        out.append(f"{_line61(tx)}NONREF")
        _wrap(out, _trtp(tx))
    out.append(_balance("62F", st.closing_balance_cents, last, cur))
    if abn:
        out.append("-")


# --- de Volksbank ------------------------------------------------------------------------------


def per_day(st: Statement) -> Iterator[Statement]:
    """The statement as de Volksbank sends it: one per calendar day, empty days included."""
    txs = sorted(st.transactions, key=lambda t: t.booking_date)
    first = txs[0].booking_date if txs else (st.opening_date or st.closing_date or dt.date.today())
    last = max(txs[-1].booking_date if txs else first, st.closing_date or first)
    balance = st.opening_balance_cents or 0
    i = 0
    day = first
    one = dt.timedelta(days=1)
    while day <= last:
        j = i
        while j < len(txs) and txs[j].booking_date == day:
            j += 1
        closing = balance + sum(t.amount_cents for t in txs[i:j])
        yield Statement(
            account=st.account,
            currency=st.currency,
            transactions=tuple(txs[i:j]),
            opening_balance_cents=balance,
            opening_date=st.opening_date if day == first and st.opening_date else day,
            closing_balance_cents=closing,
            closing_date=day,
        )
        balance, i, day = closing, j, day + one


def _volksbank(st: Statement, n: int, out: _Lines) -> None:
    for k, day in enumerate(per_day(st)):
        first, last = _dates(day)
        cur = day.currency
        out += [f":20:{_d6(last)}{n:04d}{k:04d}", f":25:{day.account}", f":28C:{k + 1}"]
        out.append(_balance("60F", day.opening_balance_cents, first, cur))
        for tx in day.transactions:
            ref = f"//{tx.bank_reference[:16]}" if tx.bank_reference else ""
            out.append(f"{_line61(tx)}{tx.counterparty_iban or ''}{ref}")
            party = f"{tx.counterparty_iban or ''} {_clean(tx.counterparty_name)}".strip()
            out.append(f":86:{party[:_W]:<{_W}}")
            text = _clean(tx.description)
            for i in range(0, len(text), _W):
                out.append(f"{text[i : i + _W]:<{_W}}")
        out.append(_balance("62F", day.closing_balance_cents, last, cur))


# --- Triodos -----------------------------------------------------------------------------------

_TEXT_KEYS = (*(f"2{i}" for i in range(10)), "60", "61", "62", "63")


def _triodos(st: Statement, n: int, out: _Lines) -> None:
    first, last = _dates(st)
    cur = st.currency
    account = st.account
    if account[4:8] == "TRIO" and account[8:].isdigit():
        account = f"TRIODOSBANK/{account[8:]}"
    out += [f":20:{_d6(last)}{n:04d}", f":25:{account}", f":28:{n}"]
    out.append(_balance("60F", st.opening_balance_cents, first, cur))
    for tx in st.transactions:
        out.append(f"{_line61(tx)}NONREF")
        out.append(f":86:000>10{tx.bank_reference or ''}")
        text = _clean(tx.description)
        for key, i in zip(_TEXT_KEYS, range(0, len(text), 27), strict=False):
            out.append(f">{key}{text[i : i + 27]}")
        if tx.counterparty_iban:
            out.append(f">31{tx.counterparty_iban}")
        name = _clean(tx.counterparty_name)
        if name:
            out.append(f">32{name[:35]}")
            if len(name) > 35:
                out.append(f">33{name[35:70]}")
    out.append(_balance("62F", st.closing_balance_cents, last, cur))


_Writer = Callable[[Statement, int, _Lines], None]
DIALECTS: dict[str, _Writer] = {
    "ing-structured": _ing,
    "rabobank-structured": _rabobank,
    "abnamro": lambda st, n, out: _abn_like(st, n, out, abn=True),
    "knab-structured": lambda st, n, out: _abn_like(st, n, out, abn=False),
    "volksbank": _volksbank,
    "triodos": _triodos,
}


def write_mt940(statements: Sequence[Statement], dialect: str, encoding: str = "utf-8") -> bytes:
    """The MT940 file ``dialect`` (a key of :data:`DIALECTS`) would hold for ``statements``.

    Lines end in CRLF like the banks' exports. For ``volksbank`` the bank (SNS, ASN,
    RegioBank) follows from the bank code in each statement's IBAN.
    """
    try:
        write = DIALECTS[dialect]
    except KeyError:
        raise ValueError(f"unknown MT940 dialect {dialect!r}; known: {sorted(DIALECTS)}") from None
    out: _Lines = []
    for n, st in enumerate(statements, 1):
        write(st, n, out)
    out.append("")
    return "\r\n".join(out).encode(encoding)
