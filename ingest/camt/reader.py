"""Stream a camt.053 document into Statements without holding the whole tree.

lxml's ``iterparse`` hands us each ``Ntry`` when it is complete; we turn it into transactions
and delete it at once, so a file with a million entries needs memory for one entry plus the
results. Only ``Document``, ``BkToCstmrStmt``, ``Stmt`` and ``Ntry`` events reach Python; the
rest of each entry is walked directly (see :mod:`ingest.camt.entry`).

Safety: no DTD is accepted (an XXE or billion-laughs attempt is refused before any entity is
used), entities are never resolved, the network is never touched, and libxml2's default limits
on depth and text size stay on (``huge_tree=False``).
"""

from __future__ import annotations

import dataclasses
import io
import re
from dataclasses import dataclass, field

from lxml import etree

from ingest.camt.entry import EntryContext, parse_entry
from ingest.camt.xmlutil import LOCAL, cents, child_text, date_of, local, text
from ingest.errors import IngestError
from ingest.model import Problem, RawTransaction, Statement
from ingest.text import normalize_iban

STMT_KNOWN = frozenset(
    [
        "Id",
        "StmtPgntn",
        "ElctrncSeqNb",
        "RptgSeq",
        "LglSeqNb",
        "CreDtTm",
        "FrToDt",
        "CpyDplctInd",
        "RptgSrc",
        "Acct",
        "RltdAcct",
        "Intrst",
        "Bal",
        "TxsSummry",
        "Ntry",
        "AddtlStmtInf",
    ]
)
_EVENT_TAGS = ("{*}Document", "{*}BkToCstmrStmt", "{*}Stmt", "{*}Ntry")
_VERSION = re.compile(r"camt\.(\d{3})\.(\d{3}\.\d{2})")
_KINDS = {"052": "camt.052 (saldo- en transactierapport)", "054": "camt.054 (notificatie)"}


@dataclass(slots=True)
class CamtDocument:
    """What one camt.053 XML file holds."""

    version: str
    statements: list[Statement]
    problems: list[Problem]
    bic: str = ""


@dataclass(slots=True)
class _StmtState:
    line: int
    number: int
    statement_id: str = ""
    account: str = ""
    currency: str = ""
    bic: str = ""
    header_read: bool = False
    balances: dict[str, tuple[int, object]] = field(default_factory=dict)
    transactions: list[RawTransaction] = field(default_factory=list)


def _not_camt(file: str, line: int, what: str) -> IngestError:
    return IngestError(
        file,
        line,
        f"dit is {what}, geen CAMT.053-rekeningafschrift; exporteer bij de bank het "
        "afschrift als CAMT.053 (of MT940)",
    )


def _balance(element: etree._Element, file: str) -> tuple[str, int, object]:
    code = ""
    amount = 0
    sign = 1
    when = None
    line = element.sourceline or 0
    for child in element:
        name = local(child.tag)
        if name == "Tp":
            for kind in child.iter():
                if local(kind.tag) == "Cd":
                    code = text(kind)
                    break
        elif name == "Amt":
            amount = cents(child.text, file, child.sourceline or line)
        elif name == "CdtDbtInd":
            sign = -1 if text(child) == "DBIT" else 1
        elif name == "Dt":
            when = date_of(child, file)
    return code, sign * amount, when


def _header(element: etree._Element, state: _StmtState, ctx: EntryContext) -> None:
    """Statement id, account, currency and balances: the Stmt children that are not entries."""
    for child in element:
        name = local(child.tag)
        if name == "Ntry":
            continue
        if name == "Id":
            state.statement_id = text(child)
        elif name == "Acct":
            for part in child:
                part_name = local(part.tag)
                if part_name == "Id":
                    for choice in part:
                        choice_name = local(choice.tag)
                        if choice_name == "IBAN":
                            state.account = normalize_iban(text(choice)) or ""
                        elif choice_name == "Othr":
                            state.account = child_text(choice, "Id")
                elif part_name == "Ccy":
                    state.currency = text(part)
                elif part_name == "Svcr":
                    for bic in part.iter():
                        if local(bic.tag) in ("BIC", "BICFI"):
                            state.bic = text(bic)
        elif name == "Bal":
            code, amount, when = _balance(child, ctx.file)
            state.balances.setdefault(code, (amount, when))
            if not state.currency:
                for amt in child:
                    if local(amt.tag) == "Amt":
                        state.currency = amt.get("Ccy") or ""
        elif name not in STMT_KNOWN:
            ctx.unknown_element("Stmt", name, child.sourceline or state.line)
    state.header_read = True
    ctx.account = state.account
    ctx.statement_key = state.statement_id or f"stmt{state.number}"


def _finish(state: _StmtState, ctx: EntryContext) -> Statement:
    if not state.account:
        raise IngestError(
            ctx.file,
            state.line,
            "afschrift (Stmt) zonder rekeningnummer (Acct/Id); download het afschrift opnieuw",
        )
    txs = state.transactions
    if any(t.account != state.account for t in txs):  # Acct written after the entries
        txs = [dataclasses.replace(t, account=state.account) for t in txs]
    opening = state.balances.get("OPBD") or state.balances.get("PRCD")
    closing = state.balances.get("CLBD")
    if opening is not None and closing is not None:
        total = opening[0] + sum(t.amount_cents for t in txs)
        if total != closing[0]:
            ctx.warnings.append(
                (
                    state.line,
                    f"beginsaldo {euro(opening[0])} plus de boekingen is {euro(total)}, niet "
                    f"het eindsaldo {euro(closing[0])}; controleer of het afschrift compleet is",
                )
            )
    return Statement(
        account=state.account,
        currency=state.currency or (txs[0].currency if txs else "EUR"),
        transactions=tuple(txs),
        statement_id=state.statement_id or None,
        opening_balance_cents=opening[0] if opening else None,
        opening_date=opening[1] if opening else None,  # type: ignore[arg-type]
        closing_balance_cents=closing[0] if closing else None,
        closing_date=closing[1] if closing else None,  # type: ignore[arg-type]
        line=state.line,
    )


def euro(cents: int) -> str:
    """Dutch notation for a message: ``-1.234,56``."""
    sign = "-" if cents < 0 else ""
    whole = f"{abs(cents) // 100:,}".replace(",", ".")
    return f"{sign}{whole},{abs(cents) % 100:02d}"


def _check_document(element: etree._Element, file: str) -> str:
    """Refuse DTDs and other ISO 20022 messages; return the camt.053 version."""
    info = element.getroottree().docinfo
    if info.internalDTD is not None or info.doctype:
        raise IngestError(
            file,
            1,
            "het XML-bestand bevat een DOCTYPE/entiteiten; dat doet geen bank en wordt om "
            "veiligheidsredenen geweigerd. Download het afschrift opnieuw bij de bank",
        )
    namespace = element.tag.partition("}")[0] if isinstance(element.tag, str) else ""
    found = _VERSION.search(namespace)
    if found is None:
        if "iso:20022" in namespace:
            what = namespace.rpartition(":")[2] or "een ander ISO 20022-bericht"
            raise _not_camt(file, element.sourceline or 1, f"een {what}-bestand")
        return "camt.053"
    if found.group(1) != "053":
        kind = _KINDS.get(found.group(1), f"camt.{found.group(1)}")
        raise _not_camt(file, element.sourceline or 1, f"een {kind}-bestand")
    return f"camt.053.{found.group(2)}"


def read_camt053(data: bytes, file: str) -> CamtDocument:
    """Parse one camt.053 XML document (any version; BOM allowed).

    Only ``end`` events of ``Stmt`` and ``Ntry`` reach Python: the statement header is read
    from the ``Stmt`` element when its first entry completes (the schema puts it first), and the
    root is checked on the first event, before anything from the file is used.
    """
    version = ""
    warnings: list[tuple[int, str]] = []
    ctx = EntryContext(file=file, account="", statement_key="", warnings=warnings)
    statements: list[Statement] = []
    state: _StmtState | None = None
    current: etree._Element | None = None
    bic = ""
    events = etree.iterparse(
        io.BytesIO(data),
        events=("end",),
        tag=("{*}Stmt", "{*}Ntry"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        remove_blank_text=True,  # no mixed content in camt; whitespace nodes cost time
    )
    for _, element in events:
        if not version:
            version = _check_document(element.getroottree().getroot(), file)
        parent = element.getparent()
        if LOCAL[element.tag] == "Ntry":
            if parent is None or LOCAL[parent.tag] != "Stmt":
                raise _not_camt(
                    file, element.sourceline or 1, "geen dagafschrift (Ntry buiten Stmt)"
                )
            if parent is not current:
                current = parent
                state = _StmtState(line=parent.sourceline or 0, number=len(statements) + 1)
                _header(parent, state, ctx)
            assert state is not None
            state.transactions.extend(parse_entry(element, ctx))
        else:
            if parent is None or LOCAL[parent.tag] != "BkToCstmrStmt":
                raise _not_camt(
                    file, element.sourceline or 1, "geen CAMT.053 (Stmt op de verkeerde plek)"
                )
            if element is not current or state is None:
                state = _StmtState(line=element.sourceline or 0, number=len(statements) + 1)
            _header(element, state, ctx)  # what is left: a Stmt without entries, trailing parts
            statements.append(_finish(state, ctx))
            bic = bic or state.bic
            state = current = None
            ctx.count = 0
        element.clear()
        if parent is not None:  # drop what we have read, so memory stays flat
            while element.getprevious() is not None:
                del parent[0]
    root = events.root
    if not version and root is not None:
        version = _check_document(root, file)
    if (
        root is None
        or LOCAL[root.tag] != "Document"
        or (not statements and not _has_stmt_root(root))
    ):
        raise _not_camt(file, 1, "een XML-bestand")
    problems = [Problem(file, line, message) for line, message in warnings]
    return CamtDocument(version=version, statements=statements, problems=problems, bic=bic)


def _has_stmt_root(root: etree._Element) -> bool:
    return any(LOCAL[child.tag] == "BkToCstmrStmt" for child in root)
