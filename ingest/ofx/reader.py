"""OFX/QFX statements through ofxparse, checked transaction by transaction against our scan.

ofxparse (0.21, 2021) parses the envelope and the amounts; around it we add what a household
budget needs to trust the result:

- input decoded by :mod:`ingest.ofx.predecode`, so charsets never garble names;
- its warnings silenced for this call only (it emits deprecation warnings on every call);
- every ``STMTTRN`` counted by :mod:`ingest.ofx.scan` and paired with ofxparse's transactions
  by FITID and amount; one it dropped (an empty ``NAME``) is rebuilt from the scan and reported,
  and if the two still disagree the file is refused: nothing is dropped silently;
- amounts to integer cents exactly (ofxparse gives ``Decimal``), dates as written (ofxparse
  shifts ``[+1:CET]`` dates to UTC, i.e. to the previous day for midnight bookings).
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ofxparse import OfxParser

from ingest.errors import IngestError
from ingest.model import Problem, RawTransaction, Statement
from ingest.ofx.predecode import Decoded
from ingest.ofx.scan import ScannedStatement, ScannedTransaction, scan
from ingest.text import is_iban, normalize_iban


@dataclass(slots=True)
class OfxDocument:
    statements: list[Statement]
    problems: list[Problem]
    bank_ids: list[str]


def cents(value: Any, file: str, line: int) -> int:
    """A ``Decimal`` or OFX amount text (``-12.50``, ``-12,50``) to integer cents, exactly."""
    if not isinstance(value, Decimal):
        raw = str(value).strip().replace(" ", "").replace("+", "")
        if "," in raw and "." not in raw:
            raw = raw.replace(",", ".")
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise IngestError(
                file, line, f"bedrag {raw!r} is geen geldig bedrag; exporteer het bestand opnieuw"
            ) from None
    scaled = value * 100
    if not scaled.is_finite() or scaled != scaled.to_integral_value():
        raise IngestError(
            file, line, f"bedrag {value} is geen bedrag in centen; exporteer het bestand opnieuw"
        )
    return int(scaled)


def ofx_date(value: str, file: str, line: int, what: str) -> dt.date:
    """The date as written in ``YYYYMMDD[HHMMSS[.XXX]][[+1:CET]]``, ignoring time and zone."""
    try:
        return dt.datetime.strptime(value.strip()[:8], "%Y%m%d").date()
    except ValueError:
        raise IngestError(
            file,
            line,
            f"{what} {value!r} is geen geldige OFX-datum (jjjjmmdd); exporteer het bestand opnieuw",
        ) from None


def run_ofxparse(decoded: Decoded, file: str) -> Any:
    """ofxparse on the pre-decoded body, quietly; its failures become an IngestError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return OfxParser.parse(io.BytesIO(decoded.for_ofxparse()), fail_fast=False)
    except Exception as exc:
        raise IngestError(
            file,
            1,
            f"het OFX-bestand is beschadigd en niet te lezen ({exc}); exporteer het opnieuw",
        ) from None


def _account(value: str) -> str:
    iban = normalize_iban(value) or ""
    return iban if is_iban(iban) else value.strip()


def _build(
    tx: ScannedTransaction, parsed: Any, account: str, currency: str, file: str
) -> RawTransaction:
    fields = tx.fields
    if "DTPOSTED" not in fields:
        raise IngestError(
            file, tx.line, "transactie zonder datum (DTPOSTED); exporteer het bestand opnieuw"
        )
    if parsed is None and "TRNAMT" not in fields:
        raise IngestError(
            file, tx.line, "transactie zonder bedrag (TRNAMT); exporteer het bestand opnieuw"
        )
    amount = cents(parsed.amount if parsed is not None else fields["TRNAMT"], file, tx.line)
    name = (parsed.payee if parsed is not None else fields.get("NAME", "")) or ""
    memo = (parsed.memo if parsed is not None else fields.get("MEMO", "")) or ""
    avail = fields.get("DTAVAIL")
    return RawTransaction(
        account=account,
        booking_date=ofx_date(fields["DTPOSTED"], file, tx.line, "boekdatum"),
        amount_cents=amount,
        currency=(fields.get("CURRENCY") or currency).upper(),
        value_date=ofx_date(avail, file, tx.line, "valutadatum") if avail else None,
        counterparty_iban=_account(tx.counter_account) or None,
        counterparty_name=" ".join(name.split()) or None,
        description=" ".join(memo.split()),
        bank_reference=fields.get("FITID") or None,
        bank_transaction_code=fields.get("TRNTYPE", "").upper() or None,
        line=tx.line,
    )


def _pair(
    scanned: ScannedStatement,
    parsed_txs: list[Any],
    account: str,
    currency: str,
    file: str,
    problems: list[Problem],
) -> list[RawTransaction]:
    """Walk the scan and ofxparse's list together; rebuild and report what ofxparse dropped."""
    result: list[RawTransaction] = []
    j = 0
    for tx in scanned.transactions:
        candidate = parsed_txs[j] if j < len(parsed_txs) else None
        if candidate is not None and (candidate.id or "") == tx.fields.get("FITID", ""):
            result.append(_build(tx, candidate, account, currency, file))
            j += 1
            continue
        result.append(_build(tx, None, account, currency, file))
        reason = "lege NAME" if not tx.fields.get("NAME") else "onvolledige gegevens"
        problems.append(
            Problem(
                file,
                tx.line,
                f"transactie met {reason} werd door de "
                "OFX-bibliotheek overgeslagen; uit het bestand zelf ingelezen",
            )
        )
    if j != len(parsed_txs):
        raise IngestError(
            file,
            scanned.line,
            f"de OFX-bibliotheek las {len(parsed_txs)} "
            f"transacties waar het bestand er {len(scanned.transactions)} heeft; "
            "het bestand wordt niet half ingelezen. Exporteer het opnieuw",
        )
    return result


def read_ofx(decoded: Decoded, file: str) -> OfxDocument:
    ofx = run_ofxparse(decoded, file)
    scanned = scan(decoded.text, decoded.body_start)
    problems: list[Problem] = []
    supported = [s for s in scanned if s.kind != "investment"]
    for skipped in (s for s in scanned if s.kind == "investment"):
        problems.append(
            Problem(
                file,
                skipped.line,
                "beleggingsoverzicht overgeslagen; alleen "
                "bank- en creditcardafschriften worden ingelezen",
            )
        )
    accounts = [a for a in getattr(ofx, "accounts", []) if getattr(a, "statement", None)]
    accounts = [a for a in accounts if not hasattr(a, "brokerid")]
    if not supported:
        raise IngestError(
            file,
            1,
            "het OFX-bestand bevat geen bankafschrift (STMTRS); "
            "exporteer de rekening opnieuw als OFX, MT940 of CAMT.053",
        )
    # ofxparse lists bank statements before credit-card statements; so do we.
    supported.sort(key=lambda s: s.kind != "bank")
    if len(accounts) != len(supported):
        raise IngestError(
            file,
            1,
            f"de OFX-bibliotheek vond {len(accounts)} afschriften waar "
            f"het bestand er {len(supported)} heeft; exporteer het opnieuw",
        )
    statements = []
    for scanned_stmt, account in zip(supported, accounts, strict=True):
        number = _account(scanned_stmt.fields.get("ACCTID", "") or account.account_id or "")
        if not number:
            raise IngestError(
                file,
                scanned_stmt.line,
                "afschrift zonder rekeningnummer (ACCTID); exporteer het bestand opnieuw",
            )
        currency = (scanned_stmt.fields.get("CURDEF") or "EUR").upper()
        statement = account.statement
        txs = _pair(scanned_stmt, list(statement.transactions), number, currency, file, problems)
        closing = getattr(statement, "balance", None)
        statements.append(
            Statement(
                account=number,
                currency=currency,
                transactions=tuple(txs),
                closing_balance_cents=(
                    cents(closing, file, scanned_stmt.line) if closing is not None else None
                ),
                closing_date=(
                    ofx_date(scanned_stmt.ledger_date, file, scanned_stmt.line, "saldodatum")
                    if closing is not None and scanned_stmt.ledger_date
                    else None
                ),
                line=scanned_stmt.line,
            )
        )
    bank_ids = [s.fields.get("BANKID", "") for s in supported]
    return OfxDocument(statements=statements, problems=problems, bank_ids=bank_ids)
