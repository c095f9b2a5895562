"""Our own tag scan of the decoded OFX text: what ofxparse does not tell us.

ofxparse drops a transaction whose ``NAME`` is empty (with ``fail_fast=False``) or fails the
whole file (with ``fail_fast=True``), converts dates to UTC (so a booking on 2 January
``[+1:CET]`` becomes 1 January) and ignores ``DTAVAIL`` and ``BANKACCTTO``. The scan counts
every ``STMTTRN``, records its line and its raw fields, so the reader can check ofxparse's
result against it, recover what it dropped and take dates as written.

It works for SGML (1.x, leaf elements without end tags) and XML (2.x) alike: values are the
text after a start tag up to the next ``<``; aggregates always have end tags in both.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"<(/?)([A-Za-z0-9_.]+)\s*/?>([^<]*)")
_CONTAINERS = {"STMTRS": "bank", "CCSTMTRS": "creditcard", "INVSTMTRS": "investment"}
_TX_FIELDS = frozenset(
    [
        "TRNTYPE",
        "DTPOSTED",
        "DTUSER",
        "DTAVAIL",
        "TRNAMT",
        "FITID",
        "NAME",
        "MEMO",
        "CHECKNUM",
        "REFNUM",
        "CURRENCY",
    ]
)
_STMT_FIELDS = frozenset(["CURDEF", "BANKID", "ACCTID", "BRANCHID", "ACCTTYPE"])


@dataclass(slots=True)
class ScannedTransaction:
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    counter_account: str = ""


@dataclass(slots=True)
class ScannedStatement:
    kind: str  # bank, creditcard, investment
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    ledger_amount: str = ""
    ledger_date: str = ""
    transactions: list[ScannedTransaction] = field(default_factory=list)


def scan(text: str, start: int) -> list[ScannedStatement]:
    """All statements and their transactions, in file order, from ``text[start:]``."""
    statements: list[ScannedStatement] = []
    statement: ScannedStatement | None = None
    tx: ScannedTransaction | None = None
    stack: list[str] = []  # open aggregates that matter: BANKACCTFROM, BANKACCTTO, LEDGERBAL
    line = text.count("\n", 0, start) + 1
    position = start
    for match in _TOKEN.finditer(text, start):
        closing, tag, value = match.group(1), match.group(2).upper(), match.group(3)
        if closing:
            if tag in _CONTAINERS:
                statement = None
                tx = None
            elif tag == "STMTTRN":
                tx = None
            elif stack and stack[-1] == tag:
                stack.pop()
            continue
        if tag in _CONTAINERS or tag == "STMTTRN":
            line += text.count("\n", position, match.start())
            position = match.start()
            if tag == "STMTTRN":
                if statement is not None:
                    tx = ScannedTransaction(line)
                    statement.transactions.append(tx)
            else:
                statement = ScannedStatement(_CONTAINERS[tag], line)
                statements.append(statement)
                tx = None
            continue
        if tag in ("BANKACCTTO", "CCACCTTO", "LEDGERBAL", "BANKACCTFROM", "CCACCTFROM"):
            stack.append(tag)
            continue
        if statement is None:
            continue
        value = html.unescape(value).strip()
        inside = stack[-1] if stack else ""
        if tx is not None:
            if inside in ("BANKACCTTO", "CCACCTTO"):
                if tag == "ACCTID":
                    tx.counter_account = value
            elif tag in _TX_FIELDS and tag not in tx.fields:
                tx.fields[tag] = value
        elif inside == "LEDGERBAL":
            if tag == "BALAMT":
                statement.ledger_amount = value
            elif tag == "DTASOF":
                statement.ledger_date = value
        elif tag in _STMT_FIELDS and tag not in statement.fields:
            statement.fields[tag] = value
    return statements
