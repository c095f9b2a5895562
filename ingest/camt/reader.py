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

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from lxml import etree

from ingest.camt.entry import EntryContext, parse_entry
from ingest.camt.fast import Columns, Inexact, ReducedStream
from ingest.camt.xmlutil import LOCAL, cents, child_text, date_of, local, text
from ingest.errors import IngestError
from ingest.model import Problem, Statement
from ingest.rows import TxRow, transactions_of
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
ROWS = 1000
"""Rows of a statement handed on at once (to the statement totals and the batcher): handing
on every entry's rows cost a few per cent of reading the file."""
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
    fast_entries: int = 0
    """Entries read column-wise (see :mod:`ingest.camt.fast`)."""


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
    rows: list[TxRow] = field(default_factory=list)
    total: int = 0
    count: int = 0
    first_currency: str = ""
    streamed: tuple[str, str, int | None, int | None] | None = None
    """(account, currency, opening, closing) its rows were streamed with, if they were."""

    def add_columns(self, block: Columns) -> None:
        if not self.count:
            self.first_currency = block.first_currency
        self.count += len(block)
        self.total += block.total

    def add(self, rows: list[TxRow], keep: bool) -> None:
        if not rows:
            return
        if not self.count:
            self.first_currency = rows[0][3]
        self.count += len(rows)
        self.total += sum(row[2] for row in rows)
        if keep:
            self.rows.extend(rows)

    def balance(self, *codes: str) -> tuple[int, object] | None:
        for code in codes:
            found = self.balances.get(code)
            if found:
                return found
        return None


@dataclass(frozen=True, slots=True)
class Finished:
    """A statement as read to its end (its rows went elsewhere when streaming)."""

    account: str
    currency: str
    statement_id: str | None
    opening: tuple[int, object] | None
    closing: tuple[int, object] | None
    count: int
    line: int


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


def _finish(state: _StmtState, ctx: EntryContext) -> Finished:
    if not state.account:
        raise IngestError(
            ctx.file,
            state.line,
            "afschrift (Stmt) zonder rekeningnummer (Acct/Id); download het afschrift opnieuw",
        )
    opening = state.balance("OPBD", "PRCD")
    closing = state.balance("CLBD")
    if opening is not None and closing is not None:
        total = opening[0] + state.total
        if total != closing[0]:
            ctx.warnings.append(
                (
                    state.line,
                    f"beginsaldo {euro(opening[0])} plus de boekingen is {euro(total)}, niet "
                    f"het eindsaldo {euro(closing[0])}; controleer of het afschrift compleet is",
                )
            )
    return Finished(
        account=state.account,
        currency=state.currency or state.first_currency or "EUR",
        statement_id=state.statement_id or None,
        opening=opening,
        closing=closing,
        count=state.count,
        line=state.line,
    )


def _statement(state: _StmtState, done: Finished) -> Statement:
    rows = state.rows
    if any(row[0] != done.account for row in rows):  # Acct written after the entries
        rows = [(done.account, *row[1:]) for row in rows]
    return Statement(
        account=done.account,
        currency=done.currency,
        transactions=transactions_of(rows),
        statement_id=done.statement_id,
        opening_balance_cents=done.opening[0] if done.opening else None,
        opening_date=done.opening[1] if done.opening else None,  # type: ignore[arg-type]
        closing_balance_cents=done.closing[0] if done.closing else None,
        closing_date=done.closing[1] if done.closing else None,  # type: ignore[arg-type]
        line=done.line,
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


class CamtWalk:
    """One pass over a camt.053 document, shared by the whole-file and the streaming reader.

    Only ``end`` events of ``Stmt`` and ``Ntry`` reach Python: the statement header is read
    from the ``Stmt`` element when its first entry completes (the schema puts it first), and
    the root is checked on the first event, before anything from the file is used.
    :meth:`events` yields ``(state, rows)`` for every :data:`ROWS` rows of a statement, the
    rest of them and then ``(state, finished)`` at its end; ``keep`` keeps the rows on the
    state for the whole-file reader. With ``fast``, lxml reads the document with its runs of
    entries replaced by placeholders and their rows come column-wise (:mod:`ingest.camt.fast`);
    a document lxml finds malformed then raises :class:`ingest.camt.fast.Inexact`.
    """

    def __init__(
        self, stream: BinaryIO, file: str, *, keep: bool, rows: int = ROWS, fast: bool = False
    ) -> None:
        self.reduced = ReducedStream(stream, columns=not keep) if fast else None
        self.stream: BinaryIO = self.reduced if self.reduced is not None else stream  # type: ignore[assignment]
        self.rows = rows
        """Rows handed on at once (see :data:`ROWS`); a stream hands on at most a batch."""
        self.file = file
        self.keep = keep
        self.version = ""
        self.bic = ""
        self.warnings: list[tuple[int, str]] = []
        self.ctx = EntryContext(file=file, account="", statement_key="", warnings=self.warnings)
        self.statements = 0

    @property
    def fast_entries(self) -> int:
        return self.reduced.fast if self.reduced is not None else 0

    def events(self) -> Iterator[tuple[_StmtState, list[TxRow] | Columns | Finished]]:
        if self.reduced is None:
            yield from self._events(parse_entry)
            return
        try:
            yield from self._events(self.reduced.rows)
        except etree.XMLSyntaxError:
            raise Inexact("the document is malformed") from None

    def _events(
        self, entry: Callable[[etree._Element, EntryContext], list[TxRow] | Columns]
    ) -> Iterator[tuple[_StmtState, list[TxRow] | Columns | Finished]]:
        file, ctx, keep = self.file, self.ctx, self.keep
        state: _StmtState | None = None
        current: etree._Element | None = None
        events = etree.iterparse(
            self.stream,
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
        rows: list[TxRow] = []  # of the current statement, handed on every ROWS rows
        check = self.reduced is not None
        for _, element in events:
            if not self.version:
                self.version = _check_document(element.getroottree().getroot(), file)
            parent = element.getparent()
            if LOCAL[element.tag] == "Ntry":
                if parent is None or LOCAL[parent.tag] != "Stmt":
                    raise _not_camt(
                        file, element.sourceline or 1, "geen dagafschrift (Ntry buiten Stmt)"
                    )
                if parent is not current:
                    current = parent
                    state = _StmtState(line=parent.sourceline or 0, number=self.statements + 1)
                    _header(parent, state, ctx)
                assert state is not None
                if check and _late_header(parent, element):
                    raise Inexact("a statement header after its entries")
                got = entry(element, ctx)
                if type(got) is Columns:  # a run of entries read column-wise (streaming)
                    if rows:
                        state.add(rows, keep)
                        yield state, rows
                        rows = []
                    state.add_columns(got)
                    yield state, got
                else:
                    rows += got  # type: ignore[arg-type]
                if len(rows) >= self.rows:
                    state.add(rows, keep)
                    yield state, rows
                    rows = []
            else:
                if parent is None or LOCAL[parent.tag] != "BkToCstmrStmt":
                    raise _not_camt(
                        file, element.sourceline or 1, "geen CAMT.053 (Stmt op de verkeerde plek)"
                    )
                if rows and state is not None:
                    state.add(rows, keep)
                    yield state, rows
                    rows = []
                if check and _late_header(element, None):
                    raise Inexact("a statement header after its entries")
                if element is not current or state is None:
                    state = _StmtState(line=element.sourceline or 0, number=self.statements + 1)
                _header(element, state, ctx)  # what is left: a Stmt without entries, trailing parts
                done = _finish(state, ctx)
                self.statements += 1
                self.bic = self.bic or state.bic
                yield state, done
                state = current = None
                ctx.count = 0
            element.clear()
            if parent is not None:  # drop what we have read, so memory stays flat
                while element.getprevious() is not None:
                    del parent[0]
        root = events.root
        if not self.version and root is not None:
            self.version = _check_document(root, file)
        if (
            root is None
            or LOCAL[root.tag] != "Document"
            or (not self.statements and not _has_stmt_root(root))
        ):
            raise _not_camt(file, 1, "een XML-bestand")

    @property
    def problems(self) -> list[Problem]:
        return [Problem(self.file, line, message) for line, message in self.warnings]


def read_camt053(data: bytes, file: str, *, fast: bool = True) -> CamtDocument:
    """Parse one camt.053 XML document (any version; BOM allowed) whole.

    ``fast`` reads entries column-wise where that is exact (:mod:`ingest.camt.fast`); a
    document lxml finds malformed is read again by the plain walk, for its error message.
    """
    if fast:
        try:
            return _read(data, file, fast=True)
        except Inexact:
            pass
    return _read(data, file, fast=False)


def _read(data: bytes, file: str, *, fast: bool) -> CamtDocument:
    walk = CamtWalk(io.BytesIO(data), file, keep=True, fast=fast)
    statements = [
        _statement(state, event) for state, event in walk.events() if isinstance(event, Finished)
    ]
    return CamtDocument(
        version=walk.version,
        statements=statements,
        problems=walk.problems,
        bic=walk.bic,
        fast_entries=walk.fast_entries,
    )


def _late_header(stmt: etree._Element, upto: etree._Element | None) -> bool:
    """Whether the statement names its id or account after an entry (before ``upto``).

    The walk reads the header when its first entry is complete, so what it sees of a header
    written later depends on how far lxml had read ahead (no bank writes one). The fast
    reader reads further ahead, so such a statement is read by the plain walk.
    """
    entry = False
    for child in stmt:
        if child is upto:
            break
        name = LOCAL[child.tag]
        if name == "Ntry":
            entry = True
        elif entry and (name == "Id" or name == "Acct"):
            return True
    return False


def _has_stmt_root(root: etree._Element) -> bool:
    return any(LOCAL[child.tag] == "BkToCstmrStmt" for child in root)
