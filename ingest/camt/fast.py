"""Column-wise reading of camt.053 entries: the same rows as :mod:`ingest.camt.entry`, without
walking every entry in Python.

Walking an ``Ntry`` element by element costs about 25 µs in Python; a file of 100 000 entries
spends most of its import there. Bank exports are machine-written, so their entries come in a
few exact shapes. This module reads them as text, in blocks of a few MB:

1. A block is cut after its last ``</Ntry>`` and split at ``<Ntry>`` (``<ns2:Ntry>`` where the
   document gives the camt namespace a prefix, as de Volksbank does): the entries' texts.
2. Each entry text is matched against *templates*: the exact text of an entry seen before, with
   every leaf element's text turned into a regex group (``<Nm>([^<]*)</Nm>``). A match proves the
   entry has exactly that structure, so which group is the counterparty's name, the amount or
   the booking date is known from the template. Templates are learned from the file itself,
   each checked once with lxml and against the rules below (:class:`_Plan`).
3. The rules of :mod:`ingest.camt.entry` (sign, reversal, counterparty side, ABN AMRO texts,
   creditor id, ...) are applied to the groups as columns with polars expressions, on a
   background thread while the next block is matched.
4. lxml still parses the document, with each run of entries replaced by one empty placeholder
   element (the same line numbers): the statement structure, headers, balances, checks and
   their errors are those of :class:`ingest.camt.reader.CamtWalk`, unchanged.

Everything a template cannot read exactly goes to :func:`ingest.camt.entry.parse_entry`, one
entry at a time, parsed from its text with the namespaces in scope and its own line numbers:
batches (several ``TxDtls``), entries that are not booked or lack a booking date, unknown
elements, amounts or dates that are not plain, character references, characters XML forbids,
mixed content, other namespace prefixes, an entry naming the account itself as counterparty.
A file with a DOCTYPE, comments, CDATA or processing instructions, or in another encoding than
UTF-8, is passed to lxml as it is from that point on (every entry walked). If lxml finds the
document malformed, :class:`Inexact` is raised and the caller reads the file again with the
plain walk, so the error a user sees is the plain walk's, word for word.

``tests/ingest/test_camt_fast.py`` holds the two readers equal on generated documents and
their edits. One difference is deliberate: past line 65 535 lxml reports an element's line
one off (libxml2 keeps lines in 16 bits and then takes the line of the next node); entries
read here carry their true line.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import operator
import re
import secrets
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import polars as pl
from lxml import etree

from ingest.camt.entry import NTRY_KNOWN, TXDTLS_KNOWN, EntryContext, parse_entry
from ingest.camt.xmlutil import LOCAL
from ingest.rows import TxRow

BLOCK = 4 << 20
"""Bytes of the file read per block (a block grows to the next ``</Ntry>``)."""
MAX_TEMPLATES = 128
"""Templates kept per file; entries of further shapes are walked."""
MAX_LEARN = 32
"""New shapes tried per block before its remaining unknown entries are walked."""
MIN_ENTRIES = 64
"""Blocks with fewer entries are walked: polars' fixed costs outweigh what it saves."""
MAX_ENTRY = 1 << 20
"""Entries longer than this (bytes of text) are walked (lxml limits the size of a text)."""

_DOCUMENT = re.compile(rb"<(?:([A-Za-z_][A-Za-z0-9_.-]*):)?Document[\s>][^>]*>")


@dataclass(frozen=True)
class Tags:
    """How a document spells an entry: ``<Ntry>``, or ``<ns2:Ntry>`` where the camt namespace
    has a prefix (de Volksbank); ``declare`` binds that prefix in a parsed fragment."""

    prefix: str = ""
    declare: str = ""

    @property
    def open(self) -> str:
        return f"<{self.prefix}Ntry>"

    @property
    def close(self) -> str:
        return f"</{self.prefix}Ntry>"


def tags_of(head: bytes) -> Tags | None:
    """The entry tags of a document from its first bytes (``None``: not read column-wise)."""
    found = _DOCUMENT.search(head)
    if found is None:
        return None
    if found.group(1) is None:
        return Tags()
    prefix = found.group(1).decode("ascii")
    uri = re.search(
        rf"""xmlns:{re.escape(prefix)}\s*=\s*("[^"]*"|'[^']*')""",
        found.group(0).decode("utf-8", "replace"),
    )
    if uri is None:
        return None
    return Tags(prefix + ":", f" xmlns:{prefix}={uri.group(1)}")


_TAG = re.compile(r"(<[^>]*>)")
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_ENTITY = r"&(?:amp|lt|gt|quot|apos);"
_ABN_KEYS = "TRTP|IBAN|BIC|NAME|REMI|EREF|MARF|CSID|ORDP|BENM|ISDT|SWOC|CNTP|ADDR"
# entry.py's lazy "(.*?)(?=/KEY/|$)" with the look-ahead consumed instead (Rust regex has no
# look-ahead): group 1 ends at the same place.
_ABN_NAME = rf"(?s)/NAME/(.*?)(?:/(?:{_ABN_KEYS})/|$)"
_ABN_REMI = rf"(?s)/REMI/(.*?)(?:/(?:{_ABN_KEYS})/|$)"
_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
    "remove_blank_text": True,
}


class Inexact(Exception):
    """lxml found the document (or an entry's text) malformed: read it again with the plain
    walk, whose error message is the one a user must see."""


# ---------------------------------------------------------------------------------------------
# Templates: one exact entry shape, its regex and how its groups become the entry's fields.


class _Unsupported(Exception):
    """A shape the column rules do not cover (its entries are walked)."""


@dataclass
class _Node:
    name: str
    element: etree._Element
    children: list[_Node] = field(default_factory=list)
    group: int | None = None
    """The regex group holding this leaf's text; ``None`` for an element with children or an
    empty element (``<X/>``)."""
    pieces: list[str | int] = field(default_factory=list)
    """Everything between this element's tags in order: whitespace as text, leaves as group
    numbers (for ``itertext``)."""


def _strip(e: pl.Expr) -> pl.Expr:
    return e.str.strip_chars()


def _empty_to_null(e: pl.Expr) -> pl.Expr:
    return pl.when(e == "").then(None).otherwise(e)


_NULL = pl.lit(None, dtype=pl.String)
_EMPTY = pl.lit("", dtype=pl.String)


class _Plan:
    """Builds, for one template, the expressions of the raw entry fields (see :data:`RAW`)."""

    def __init__(self, root: _Node, value: Callable[[int], pl.Expr]) -> None:
        self.value = value
        self.exprs: dict[str, pl.Expr] = {}
        self.unsure: list[pl.Expr] = []
        self.amounts: list[pl.Expr] = []
        self._entry(root)

    # leaf texts ------------------------------------------------------------------------------
    def text(self, node: _Node) -> pl.Expr:
        """``element.text`` as the walk sees it, before stripping."""
        if node.children:
            return _EMPTY  # mixed content is refused, so this is blank or absent
        return self.value(node.group) if node.group is not None else _EMPTY

    def stripped(self, node: _Node) -> pl.Expr:
        return _strip(self.text(node))

    def first_child_text(self, node: _Node, name: str) -> pl.Expr:
        """``xmlutil.child_text``: the first child with that name, stripped; ``""`` if none."""
        for child in node.children:
            if child.name == name:
                return self.stripped(child)
        return _EMPTY

    # entry -----------------------------------------------------------------------------------
    def _entry(self, ntry: _Node) -> None:
        seen: set[str] = set()
        details: list[_Node] = []
        e = self.exprs
        for child in ntry.children:
            name = child.name
            if name in seen and name != "NtryDtls":
                raise _Unsupported(f"{name} twice")
            seen.add(name)
            if name == "Amt":
                if child.group is None:
                    raise _Unsupported("Amt without text")
                e["amt"] = self.text(child)
                e["ccy"] = pl.lit(child.element.get("Ccy") or "EUR", dtype=pl.String)
            elif name == "CdtDbtInd":
                e["side"] = self.text(child)
            elif name == "Sts":
                own = self.stripped(child)
                code = self.first_child_text(child, "Cd")
                e["sts"] = pl.when(own != "").then(own).otherwise(code)
            elif name == "BookgDt":
                e["book"] = self._date(child, required=True)
            elif name == "ValDt":
                e["val"] = self._date(child, required=False)
            elif name == "NtryDtls":
                details += [tx for tx in child.children if tx.name == "TxDtls"]
            elif name == "AcctSvcrRef":
                e["svcr"] = self.text(child)
            elif name == "BkTxCd":
                e["code"] = self._bank_code(child)
            elif name == "RvslInd":
                e["rvsl"] = self.text(child)
            elif name == "AddtlNtryInf":
                e["info"] = self.text(child)
            elif name not in NTRY_KNOWN:
                raise _Unsupported(f"unknown element {name}")
        if "amt" not in e or "book" not in e:
            raise _Unsupported("no amount or booking date")
        if len(details) > 1:
            raise _Unsupported("batch")
        e["has_d"] = pl.lit(bool(details))
        if details:
            self._details(details[0])

    def _date(self, node: _Node, *, required: bool) -> pl.Expr:
        for child in node.children:
            if child.name in ("Dt", "DtTm"):
                if child.group is None:
                    raise _Unsupported("date without text")
                return self.text(child)
        if required:
            raise _Unsupported("booking date without Dt")
        return _NULL

    def _bank_code(self, node: _Node) -> pl.Expr:
        domain = family = sub = _EMPTY
        proprietary = _NULL
        seen: set[str] = set()
        for child in node.children:
            if child.name in seen:
                raise _Unsupported("BkTxCd part twice")
            seen.add(child.name)
            if child.name == "Domn":
                for part in child.children:
                    if part.name == "Cd":
                        domain = self.stripped(part)
                    elif part.name == "Fmly":
                        for code in part.children:
                            if code.name == "Cd":
                                family = self.stripped(code)
                            elif code.name == "SubFmlyCd":
                                sub = self.stripped(code)
            elif child.name == "Prtry":
                proprietary = _empty_to_null(self.first_child_text(child, "Cd"))
        if any(
            len([c for c in n.children if c.name in ("Cd", "Fmly", "SubFmlyCd")])
            != len({c.name for c in n.children if c.name in ("Cd", "Fmly", "SubFmlyCd")})
            for n in _descendants(node)
        ):
            raise _Unsupported("BkTxCd code twice")
        return (
            pl.when((domain != "") & (family != "") & (sub != ""))
            .then(pl.concat_str([domain, family, sub], separator="-"))
            .otherwise(proprietary)
        )

    # transaction details ---------------------------------------------------------------------
    def _details(self, tx: _Node) -> None:
        e = self.exprs
        seen: set[str] = set()
        amount_set = False
        for child in tx.children:
            name = child.name
            if name in seen:
                raise _Unsupported(f"TxDtls/{name} twice")
            seen.add(name)
            if name == "RltdPties":
                self._parties(child)
            elif name == "RmtInf":
                e["remit"] = self._remittance(child)
            elif name == "Refs":
                for ref in child.children:
                    key = _REFS.get(ref.name)
                    if key is not None:
                        if key in e:
                            raise _Unsupported("reference twice")
                        e[key] = self.text(ref)
            elif name == "AmtDtls":
                for kind in child.children:
                    if kind.name == "TxAmt" and not amount_set and kind.children:
                        first = kind.children[0]
                        if first.group is None:
                            raise _Unsupported("TxAmt without text")
                        self.amounts.append(self.text(first))
                        amount_set = True
            elif name == "Amt":
                if child.group is None:
                    raise _Unsupported("TxDtls/Amt without text")
                self.amounts.append(self.text(child))
                amount_set = True
            elif name == "BkTxCd":
                e["tcode"] = self._bank_code(child)
            elif name == "AddtlTxInf":
                e["extra"] = self.text(child)
            elif name not in TXDTLS_KNOWN:
                raise _Unsupported(f"unknown element {name}")

    def _parties(self, node: _Node) -> None:
        e = self.exprs
        seen: set[str] = set()
        for party in node.children:
            role = party.name
            if role in seen:
                raise _Unsupported(f"{role} twice")
            seen.add(role)
            if role in ("Cdtr", "Dbtr", "UltmtDbtr", "UltmtCdtr"):
                e[role] = self._party(party, role)
            elif role in ("CdtrAcct", "DbtrAcct"):
                e[role] = self._account(party)
            elif role == "CdtrSchmeId":
                raise _Unsupported("CdtrSchmeId")

    def _party(self, node: _Node, role: str) -> pl.Expr:
        name = _EMPTY
        for child in node.children:
            if child.name == "Nm":
                name = self.stripped(child)
            elif child.name == "Pty":
                inner = self._party(child, role)
                name = pl.when(inner != "").then(inner).otherwise(name)
            elif child.name == "Id" and role == "Cdtr":
                for kind in child.children:
                    for other in kind.children:
                        if other.name == "Othr":
                            self._creditor_id(other)
        return name

    def _creditor_id(self, other: _Node) -> None:
        ident = self.first_child_text(other, "Id")
        joined = pl.concat_str([self.value(p) for p in other.pieces if isinstance(p, int)])
        spaced = pl.concat_str(
            [self.value(p) if isinstance(p, int) else pl.lit(p) for p in other.pieces]
        )
        if not [p for p in other.pieces if isinstance(p, int)]:
            joined = spaced = _EMPTY
        sepa = joined.str.contains("SEPA", literal=True)
        # blank text between elements may or may not be kept by lxml: unsure if it matters
        self.unsure.append(sepa != spaced.str.contains("SEPA", literal=True))
        self.unsure.append(ident.str.contains(r"[^\x00-\x7F]"))  # Python's \d is Unicode
        matches = ident.str.contains(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{3}")
        previous = self.exprs.get("cid", _NULL)
        self.exprs["cid"] = (
            pl.when((ident != "") & (sepa | matches)).then(ident).otherwise(previous)
        )

    def _account(self, node: _Node) -> pl.Expr:
        for ident in node.children:
            if ident.name != "Id":
                continue
            for choice in ident.children:
                if choice.name == "IBAN":
                    raw = self.text(choice)
                    self.unsure.append(raw.str.contains(r"[^\x00-\x7F]"))  # str.upper()
                    return raw.str.replace_all(r"\s+", "").str.to_uppercase()
                if choice.name == "Othr":
                    return self.first_child_text(choice, "Id")
        return _EMPTY

    def _remittance(self, node: _Node) -> pl.Expr:
        lines = [self.stripped(c) for c in node.children if c.name == "Ustrd"]
        if lines:
            return pl.concat_str(lines, separator=" ")
        refs: list[pl.Expr] = []
        for part in node.children:
            if part.name == "Strd":
                for ref in _descendants(part):
                    if ref.name == "Ref":
                        refs.append(_empty_to_null(self.stripped(ref)))
        return pl.coalesce([*refs, _EMPTY]) if refs else _EMPTY


_REFS = {"EndToEndId": "e2e", "MndtId": "mndt"}


def _descendants(node: _Node) -> list[_Node]:
    out = [node]
    for child in node.children:
        out += _descendants(child)
    return out


RAW = (
    "amt", "ccy", "side", "sts", "book", "val", "svcr", "code", "rvsl", "info", "has_d",
    "e2e", "mndt", "cid", "Cdtr", "Dbtr", "UltmtCdtr", "UltmtDbtr", "CdtrAcct", "DbtrAcct",
    "remit", "tcode", "extra", "ok_parts",
)  # fmt: skip
"""The raw fields every template yields (absent ones as their walk default)."""
_DEFAULTS: dict[str, pl.Expr] = {
    "sts": _EMPTY,
    "val": _NULL,
    "svcr": _EMPTY,
    "code": _NULL,
    "rvsl": _EMPTY,
    "info": _EMPTY,
    "e2e": _EMPTY,
    "mndt": _EMPTY,
    "cid": _NULL,
    "Cdtr": _EMPTY,
    "Dbtr": _EMPTY,
    "UltmtCdtr": _EMPTY,
    "UltmtDbtr": _EMPTY,
    "CdtrAcct": _EMPTY,
    "DbtrAcct": _EMPTY,
    "remit": _EMPTY,
    "tcode": _NULL,
    "extra": _EMPTY,
}
_AMOUNT = r"^[0-9]{1,15}(?:\.[0-9]{1,2}0*)?$"
"""What ``xmlutil.cents`` reads without complaint (after stripping); anything else is walked,
so the walk raises its own error."""


@dataclass
class Template:
    """One exact entry shape."""

    piece: re.Pattern[str]
    """Matches an entry's text with ``</Ntry>`` and only whitespace after it."""
    body: re.Pattern[str]
    """Matches an entry's text alone."""
    groups: int
    plan_of: Callable[[bool, bool], list[pl.Expr]]
    hits: int = 0


def learn(body: str, tags: Tags = Tags()) -> Template | None:
    """The template of one entry's text (between ``<Ntry>`` and ``</Ntry>``), or ``None`` if its
    shape is one the column rules do not cover."""
    fragment = tags.open + body + tags.close
    if fragment.count("<") != fragment.count(">"):
        return None  # '>' in a text or attribute: the tag split below would be ambiguous
    parts = _TAG.split(fragment)  # text, tag, text, tag, ..., text
    try:
        wrapper = etree.fromstring(
            f"<hhbwrap{tags.declare}>{fragment}</hhbwrap>".encode(),
            etree.XMLParser(**_PARSER_OPTIONS),
        )
    except etree.XMLSyntaxError:
        return None
    elements = list(wrapper[0].iter())
    amount = f"<{tags.prefix}Amt "
    regex: list[str] = []
    stack: list[_Node] = []
    root: _Node | None = None
    groups = 0
    index = 0
    for k in range(1, len(parts), 2):
        tag, after = parts[k], parts[k + 1]
        name = tag.split(None, 1)[0].lstrip("</")
        if (":" in name and not name.startswith(tags.prefix or ":")) or (
            "=" in tag and not tag.startswith(amount)
        ):
            return None  # other prefixes and attributes (but Amt's currency) are walked
        inner = 1 < k < len(parts) - 2  # not the entry's own tags
        leaf = False
        if tag.startswith("</"):
            stack.pop()
        else:
            if index >= len(elements):
                return None
            node = _Node(LOCAL[elements[index].tag], elements[index])
            index += 1
            if stack:
                stack[-1].children.append(node)
            else:
                root = node
            if not tag.endswith("/>"):
                stack.append(node)
                leaf = k + 2 < len(parts) and parts[k + 2].startswith("</")
            if leaf:
                groups += 1
                node.group = groups
                for open_node in stack[:-1]:
                    open_node.pieces.append(groups)
        if inner:
            regex.append(re.escape(tag))
        if k + 2 < len(parts) - 1:  # the text after this tag, inside the entry
            if leaf:
                regex.append("([^<]*)")
            else:
                if after.strip():
                    return None  # mixed content
                regex.append(re.escape(after))
                for open_node in stack:
                    open_node.pieces.append(after)
    if root is None or index != len(elements) or groups == 0:
        return None

    def plan_of(unescape: bool, cr: bool = False) -> list[pl.Expr]:
        def value(group: int) -> pl.Expr:
            e = pl.col(str(group))
            if cr:  # XML reads a line end as "\n" (lines are counted by "\n" alone)
                e = e.str.replace_all("\r\n", "\n", literal=True).str.replace_all(
                    "\r", "\n", literal=True
                )
            return _unescape(e) if unescape else e

        plan = _Plan(root, value)
        exprs = dict(_DEFAULTS)
        exprs.update(plan.exprs)
        checks = [a.str.strip_chars().str.contains(_AMOUNT) for a in plan.amounts]
        checks += [~u for u in plan.unsure]
        exprs["ok_parts"] = pl.all_horizontal(checks) if checks else pl.lit(True)
        return [exprs[name].alias(name) for name in RAW]

    try:
        plan_of(False)
    except _Unsupported:
        return None
    body = "".join(regex)
    return Template(
        re.compile(body + re.escape(tags.close) + r"\s*\Z"),
        re.compile(body + r"\Z"),
        groups,
        plan_of,
    )


def _unescape(e: pl.Expr) -> pl.Expr:
    return (
        e.str.replace_all("&lt;", "<", literal=True)
        .str.replace_all("&gt;", ">", literal=True)
        .str.replace_all("&quot;", '"', literal=True)
        .str.replace_all("&apos;", "'", literal=True)
        .str.replace_all("&amp;", "&", literal=True)
    )


# ---------------------------------------------------------------------------------------------
# The rules of entry.py on columns.


def _values(raw: pl.DataFrame) -> pl.DataFrame:
    """Rows (in :data:`OUT` order, plus ``risk`` and ``ok``) from the raw fields."""
    amt = pl.col("amt").str.strip_chars()
    side = pl.col("side").str.strip_chars()
    book = pl.col("book").str.strip_chars().str.slice(0, 10)
    val = pl.col("val").str.strip_chars().str.slice(0, 10)
    day = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
    whole = amt.str.split_exact(".", 1).struct.field("field_0")
    frac = amt.str.split_exact(".", 1).struct.field("field_1").fill_null("")
    cents = whole.cast(pl.Int64, strict=False) * 100 + (frac + "00").str.slice(0, 2).cast(
        pl.Int64, strict=False
    )
    first = raw.with_columns(
        ok=(
            pl.col("ok_parts")
            & amt.str.contains(_AMOUNT)
            & side.is_in(["CRDT", "DBIT"])
            & pl.col("sts").str.strip_chars().is_in(["", "BOOK"])
            & book.str.contains(day)
            & ~book.str.starts_with("0000")
            & (pl.col("val").is_null() | (val.str.contains(day) & ~val.str.starts_with("0000")))
        ),
        booking=book,
        value=val,
        amount=pl.when(side == "DBIT").then(-cents).otherwise(cents),
        rev=pl.col("rvsl").str.strip_chars().str.to_lowercase().is_in(["true", "1"]),
        cdtr=pl.when(pl.col("Cdtr") != "").then(pl.col("Cdtr")).otherwise(pl.col("UltmtCdtr")),
        dbtr=pl.when(pl.col("Dbtr") != "").then(pl.col("Dbtr")).otherwise(pl.col("UltmtDbtr")),
        info_s=pl.col("info").str.strip_chars(),
    )
    first = first.with_columns(
        ok=pl.col("ok")
        & pl.col("booking").str.to_date("%Y-%m-%d", strict=False).is_not_null()
        & (
            pl.col("val").is_null()
            | pl.col("value").str.to_date("%Y-%m-%d", strict=False).is_not_null()
        ),
    )
    pref_cdtr = (pl.col("amount") < 0) != pl.col("rev")
    pref_iban = pl.when(pref_cdtr).then(pl.col("CdtrAcct")).otherwise(pl.col("DbtrAcct"))
    pref_name = pl.when(pref_cdtr).then(pl.col("cdtr")).otherwise(pl.col("dbtr"))
    other_iban = pl.when(pref_cdtr).then(pl.col("DbtrAcct")).otherwise(pl.col("CdtrAcct"))
    other_name = pl.when(pref_cdtr).then(pl.col("dbtr")).otherwise(pl.col("cdtr"))
    pref_set = (pref_name != "") | (pref_iban != "")
    d = pl.col("has_d")
    second = first.with_columns(
        iban=pl.when(~d).then(_NULL).when(pref_set).then(pref_iban).otherwise(other_iban),
        name=pl.when(~d).then(_NULL).when(pref_set).then(pref_name).otherwise(other_name),
        risk=pl.when(~d)
        .then(_NULL)
        .when(pref_iban != "")
        .then(pref_iban)
        .when(pref_name == "")
        .then(_empty_to_null(other_iban))
        .otherwise(_NULL),
        remit=pl.when(d).then(pl.col("remit")).otherwise(_EMPTY),
        extra=pl.col("extra").str.strip_chars(),
    ).with_columns(iban=_empty_to_null(pl.col("iban")), name=_empty_to_null(pl.col("name")))
    info = pl.col("info_s")
    full = info.str.extract(_ABN_NAME, 1)
    remi = info.str.extract(_ABN_REMI, 1)
    has_info = info != ""
    name = pl.col("name")
    third = second.with_columns(
        name=pl.when(
            has_info
            & full.is_not_null()
            & (name.is_null() | full.str.strip_chars().str.starts_with(name.fill_null("")))
        )
        .then(full)
        .otherwise(name),
        remit=pl.when(has_info & (pl.col("remit") == ""))
        .then(
            pl.when(remi.is_not_null())
            .then(remi)
            .when(d & (pl.col("extra") != ""))
            .then(pl.col("extra"))
            .when(info.str.starts_with("/"))
            .then(_EMPTY)
            .otherwise(info)
        )
        .when(~has_info & (pl.col("remit") == "") & d)
        .then(pl.col("extra"))
        .otherwise(pl.col("remit")),
    )
    e2e = pl.col("e2e").str.strip_chars()
    return third.select(
        "booking",
        "amount",
        "ccy",
        "value",
        "iban",
        _empty_to_null(_squeeze(pl.col("name"))).alias("cname"),
        _squeeze(pl.col("remit")).alias("description"),
        pl.when(d & (e2e != "") & (e2e != "NOTPROVIDED")).then(e2e).otherwise(_NULL).alias("e2e"),
        pl.when(d).then(_empty_to_null(pl.col("mndt").str.strip_chars())).alias("mndt"),
        pl.when(d).then(pl.col("cid")).alias("cid"),
        _empty_to_null(pl.col("svcr").str.strip_chars()).alias("svcr"),
        pl.when(d & pl.col("tcode").is_not_null())
        .then(pl.col("tcode"))
        .otherwise(pl.col("code"))
        .alias("code"),
        "rev",
        "risk",
        "ok",
    )


_REPEATING = frozenset(
    ["booking", "ccy", "value", "iban", "cname", "description", "mndt", "cid", "code"]
)
"""Columns whose values repeat (dates, counterparties): one string object per distinct value,
so the rows pickle to the storing process as references (a third of the bytes) and take less
memory."""


def _shared(values: list[Any]) -> list[Any]:
    seen: dict[Any, Any] = {}
    return [seen.setdefault(v, v) for v in values]


def _squeeze(e: pl.Expr) -> pl.Expr:
    """``" ".join(text.split())``."""
    return e.str.replace_all(r"\s+", " ").str.strip_chars()


# ---------------------------------------------------------------------------------------------
# Blocks: the entries of a stretch of the file, their rows and their runs.


def _finish(parts: list[pl.DataFrame], n: int) -> pl.DataFrame:
    """The rows of a block's matched entries (see :meth:`ReducedStream._read_block`)."""
    raw = pl.concat(parts).sort("i")
    values = _values(raw.drop("i")).with_columns(raw["i"])
    return pl.DataFrame({"i": pl.arange(0, n, eager=True, dtype=pl.UInt32)}).join(
        values, on="i", how="left"
    )


def _columns(block: _Block, full: pl.DataFrame) -> None:
    """The rows of a block as Python lists (in the reading thread: this needs the GIL)."""
    block.columns = [
        _shared(full[name].to_list()) if name in _REPEATING else full[name].to_list()
        for name in OUT
    ]
    block.risk = full["risk"].to_list()
    block.ok = full["ok"].fill_null(False).to_list()


_POOL: list[ThreadPoolExecutor] = []


def _pool() -> ThreadPoolExecutor:
    if not _POOL:
        _POOL.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="camt-rules"))
    return _POOL[0]


@dataclass
class _Block:
    """The entries of one block: lines, the columns of those read column-wise and the texts
    of those to walk."""

    entries: list[str]
    """The text after each ``<Ntry>`` (the entry, ``</Ntry>`` and what follows)."""
    lines: list[int]
    ok: list[bool]
    """Whether the entry was read column-wise (else it is walked)."""
    columns: list[list[Any]]
    """:data:`OUT` columns (valid where ``ok``)."""
    risk: list[str | None]
    """The counterparty account that, if it is the statement's own account, makes the walk
    choose another side: such an entry is walked."""
    ends: dict[int, str]
    """Entries followed by more than whitespace (the end of a statement): what follows."""
    runs_left: int = 0
    pending: Future[pl.DataFrame] | None = None
    """The column-wise rules still running for this block (see :func:`_finish`)."""

    def ready(self) -> None:
        if self.pending is not None:
            _columns(self, self.pending.result())
            self.pending = None


class ReducedStream:
    """A binary stream of the document with its entries replaced by run placeholders.

    lxml reads this instead of the file; :meth:`rows` gives the rows of the entries a
    placeholder stands for (or of a real ``Ntry`` element: one this reader left in place).
    """

    def __init__(self, raw: BinaryIO, *, columns: bool = False) -> None:
        self.raw = raw
        self.columns = columns
        """Hand on runs read wholly column-wise as :class:`Columns` (else rows)."""
        self.nonce = secrets.token_hex(8)
        self.tags = Tags()
        self._close = self.tags.close.encode()
        self.templates: list[Template] = []
        self.fast = 0
        """Entries read column-wise."""
        self._pending = b""
        self._ahead: collections.deque[bytes] = collections.deque()
        self._out = b""
        self._pos = 0
        self._eof = False
        self._literal = False
        self._first = True
        self._line = 1
        self._runs: dict[int, tuple[_Block, int, int]] = {}
        self._next_run = 0
        self._expected_run = 0
        self._parser = etree.XMLParser(**_PARSER_OPTIONS)

    # the stream lxml reads -------------------------------------------------------------------
    def read(self, size: int = -1) -> bytes:
        while self._pos >= len(self._out):
            # one stretch ahead: its entries are matched while the rules of the one lxml
            # reads now run in the background (see _finish)
            while len(self._ahead) < 2 and not self._eof:
                self._ahead.append(self._produce())
            if not self._ahead:
                return b""
            self._out, self._pos = self._ahead.popleft(), 0
        end = len(self._out) if size < 0 else self._pos + size
        data = self._out[self._pos : end]
        self._pos += len(data)
        return data

    def _produce(self) -> bytes:
        """The next stretch of the reduced document."""
        if self._literal:
            data, self._pending = self._pending + self.raw.read(BLOCK), b""
            self._eof = not data
            return data
        buffer = self._pending
        while True:
            data = self.raw.read(BLOCK)
            if not data:
                self._eof = True
                chunk, self._pending = buffer, b""
                break
            buffer += data
            if self._first:
                self._check_head(buffer)
                if self._literal:
                    self._pending = b""
                    return buffer
            if len(data) < BLOCK:  # probably the end: then the rest goes too, as one piece
                more = self.raw.read(BLOCK)
                if not more:
                    self._eof = True
                    chunk, self._pending = buffer, b""
                    break
                buffer += more
            cut = buffer.rfind(self._close)
            if cut >= 0:
                cut += len(self._close)
                chunk, self._pending = buffer[:cut], buffer[cut:]
                break
            if len(buffer) > 8 * BLOCK:  # no entry ends here: lxml alone, from here on
                self._literal = True
                self._pending = b""
                return buffer
        if self._first and chunk:
            self._check_head(chunk)
        start = 0
        if self._first and chunk and not self._literal:
            head = chunk.lstrip(b"\xef\xbb\xbf")
            if head.startswith(b"<?xml"):
                start = len(chunk) - len(head) + head.find(b"?>") + 2
        self._first = False
        if self._literal or not chunk:
            return chunk
        # (one-byte searches first: a search for "<!" in XML stops at every "<")
        if (b"!" in chunk and b"<!" in chunk) or (
            chunk.find(b"?", start) >= 0 and chunk.find(b"<?", start) >= 0
        ):
            self._literal = True  # comments, CDATA, a DTD: lxml alone, from here on
            return chunk
        return self._reduce(chunk)

    def _check_head(self, buffer: bytes) -> None:
        if buffer.startswith((b"\xff\xfe", b"\xfe\xff")):
            self._literal = True
            return
        tags = tags_of(buffer[:65536])
        if tags is None:
            self._literal = True  # no Document yet, or a prefix without its declaration
            return
        self.tags = tags
        self._close = tags.close.encode()
        found = _ENCODING.match(buffer.lstrip(b"\xef\xbb\xbf"))
        if found and found.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
            self._literal = True

    def _reduce(self, chunk: bytes) -> bytes:
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError:
            self._literal = True  # lxml says what is wrong
            return chunk
        pieces = text.split(self.tags.open)
        head = pieces[0]
        entries = pieces[1:]
        n = len(entries)
        newlines = list(map(str.count, entries, itertools.repeat("\n")))
        first = self._line + head.count("\n")
        self._line = first + sum(newlines)
        if n < MIN_ENTRIES:
            return text.encode("utf-8")
        lines = list(itertools.accumulate(newlines[:-1], initial=first))
        suspect = (
            bool(chunk.translate(None, _ALLOWED))
            or (b"\xef" in chunk and (b"\xef\xbf\xbe" in chunk or b"\xef\xbf\xbf" in chunk))
            or (b"]" in chunk and b"]]>" in chunk)
        )
        block = self._read_block(entries, lines, suspect=suspect, amp="&" in text, cr="\r" in text)
        if block is None:
            return text.encode("utf-8")  # an entry nested in another or unterminated
        out = [head]
        start = 0
        ends = block.ends
        for i in range(n):
            if i in ends or i == n - 1:
                between = ends.get(i)
                if between is None:
                    between = entries[i].partition(self.tags.close)[2]
                run = self._next_run
                self._next_run += 1
                self._runs[run] = (block, start, i + 1)
                block.runs_left += 1
                count = sum(newlines[start : i + 1]) - between.count("\n")
                out.append(f'<{self.tags.prefix}Ntry hhb="{self.nonce}:{run}"/>')
                out.append("\n" * count)
                out.append(between)
                start = i + 1
        return "".join(out).encode("utf-8")

    # column-wise reading ---------------------------------------------------------------------
    def _read_block(
        self, entries: list[str], lines: list[int], *, suspect: bool, amp: bool, cr: bool
    ) -> _Block | None:
        """Match the entries of a block to templates and compute their rows column-wise.

        ``entries`` are the texts after each ``<Ntry>``: the entry, ``</Ntry>`` and what
        follows up to the next entry (whitespace, or the end of a statement and the head of the
        next). ``None`` if an entry is nested in another or not closed in the block.
        """
        n = len(entries)
        close = self.tags.close
        templates = self.templates
        found: list[list[tuple[list[int], list[tuple[Any, ...]]]]] = [[] for _ in templates]
        bodies: dict[int, str] = {}
        ends: dict[int, str] = {}
        todo = list(range(n))
        pieces = entries
        if suspect or amp:
            clean = [_clean(piece, suspect) for piece in entries]
            for i in itertools.compress(todo, map(operator.not_, clean)):
                body, closed, between = entries[i].partition(close)
                if not closed or close in between:
                    return None
                bodies[i] = body
                if between.strip():
                    ends[i] = between
            todo = list(itertools.compress(todo, clean))
            pieces = list(itertools.compress(entries, clean))
        # one template at a time over all entries left (the loops run in C: map, compress)
        for template, chunks in zip(templates, found, strict=True):
            if not todo:
                break
            matches = list(map(template.piece.match, pieces))
            hits = list(itertools.compress(todo, matches))
            if hits:
                chunks.append((hits, list(map(_GROUPS, filter(None, matches)))))
                missed = list(map(operator.not_, matches))
                todo = list(itertools.compress(todo, missed))
                pieces = list(itertools.compress(pieces, missed))
        rest = todo
        unmatched: list[int] = []
        for i in rest:
            body, closed, between = entries[i].partition(close)
            if not closed or close in between:
                return None
            if between.strip():
                ends[i] = between
            for k, template in enumerate(templates):
                m = template.body.match(body)
                if m is not None:
                    found[k].append(([i], [m.groups()]))
                    break
            else:
                bodies[i] = body
                unmatched.append(i)
        learned = 0
        while unmatched and learned < MAX_LEARN and len(templates) < MAX_TEMPLATES:
            learned += 1
            new = learn(bodies[unmatched[0]], self.tags)
            if new is None:
                unmatched = unmatched[1:]
                continue
            template = new
            templates.append(template)
            found.append([])
            left = []
            for i in unmatched:
                m = template.body.match(bodies[i])
                if m is None:
                    left.append(i)
                else:
                    found[-1].append(([i], [m.groups()]))
                    del bodies[i]
            if len(left) == len(unmatched):  # not even the entry it was learned from
                templates.pop()
                found.pop()
                left = left[1:]
            unmatched = left
        parts = []
        for template, chunks in zip(templates, found, strict=True):
            if chunks:
                at = list(itertools.chain.from_iterable(c[0] for c in chunks))
                values = list(itertools.chain.from_iterable(c[1] for c in chunks))
                template.hits += len(at)
                frame = pl.DataFrame(
                    [pl.Series("i", at, dtype=pl.UInt32)]
                    + [
                        pl.Series(str(g), column, dtype=pl.String)
                        for g, column in enumerate(zip(*values, strict=True), start=1)
                    ]
                )
                parts.append(frame.select("i", *template.plan_of(amp, cr)))
        templates.sort(key=lambda t: -t.hits)
        block = _Block(entries, lines, [False] * n, [], [None] * n, ends)
        if parts:
            # polars works without the GIL: this block's rules run while lxml and the
            # matching go on with the next (the rows are taken when lxml reaches its runs)
            block.pending = _pool().submit(_finish, parts, n)
        return block

    # the rows of a placeholder ---------------------------------------------------------------
    def rows(self, element: etree._Element, ctx: EntryContext) -> list[TxRow] | Columns:
        """Rows of an ``Ntry`` element of the reduced document: as :class:`Columns` when the
        stream hands on columns and every entry of the run was read column-wise."""
        mark = element.get("hhb")
        if mark is None or not mark.startswith(self.nonce + ":") or len(element):
            return parse_entry(element, ctx)  # an entry this reader left in place
        run = int(mark.rpartition(":")[2])
        if run != self._expected_run or run not in self._runs:
            raise Inexact("placeholders out of order")
        self._expected_run += 1
        block, start, end = self._runs.pop(run)
        block.runs_left -= 1
        try:
            return self._rows(block, start, end, element, ctx)
        finally:
            if not block.runs_left:
                block.entries = []
                block.columns = []

    def _rows(
        self, block: _Block, start: int, end: int, element: etree._Element, ctx: EntryContext
    ) -> list[TxRow] | Columns:
        block.ready()
        own = ctx.account
        ok, risk = block.ok, block.risk
        whole = all(ok[start:end]) and own not in risk[start:end]
        if whole and self.columns:
            count = end - start
            ctx.count += count
            self.fast += count
            nothing = [None] * count
            return Columns(
                [[own] * count]
                + [c[start:end] for c in block.columns]
                + [nothing, nothing, block.lines[start:end]]
            )
        out: list[TxRow] = []
        columns, lines = block.columns, block.lines
        for i in range(start, end):
            if ok[i] and risk[i] != own:
                ctx.count += 1
                self.fast += 1
                booking, amount, currency, value, *rest = (c[i] for c in columns)
                out.append(
                    (own, _day(booking), amount, currency, _day(value), *rest, None, None, lines[i])
                )
            else:
                out += self._walk(block, i, element, ctx)
        return out

    def _walk(
        self, block: _Block, i: int, element: etree._Element, ctx: EntryContext
    ) -> list[TxRow]:
        """One entry through :func:`parse_entry`, parsed from its text in its namespaces."""
        declarations = "".join(
            f' xmlns="{_attr(uri)}"' if prefix is None else f' xmlns:{prefix}="{_attr(uri)}"'
            for prefix, uri in element.nsmap.items()
        )
        tags = self.tags
        body = block.entries[i].partition(tags.close)[0]
        text = f"<hhbwrap{declarations}>{tags.open}{body}{tags.close}</hhbwrap>"
        try:
            wrapper = etree.fromstring(text.encode("utf-8"), self._parser)
        except etree.XMLSyntaxError:
            raise Inexact("entry text malformed") from None
        ctx.offset = block.lines[i] - 1
        try:
            return parse_entry(wrapper[0], ctx)
        finally:
            ctx.offset = 0


OUT = (
    "booking", "amount", "ccy", "value", "iban", "cname", "description", "e2e", "mndt", "cid",
    "svcr", "code", "rev",
)  # fmt: skip
"""The columns of a fast row between the account and (batch, balance, line); see
:data:`ingest.rows.TX_FIELDS`."""


_GROUPS = re.Match.groups
_ENTITY_PY = re.compile(_ENTITY)
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|\\]\\]>")
_ALLOWED = bytes(b for b in range(256) if b >= 0x20 or b in b"\t\n\r")
"""Bytes XML allows everywhere; deleting them from a block leaves the forbidden ones."""


def _clean(piece: str, suspect: bool) -> bool:
    """Whether an entry's text has only what the column rules read exactly: no character XML
    forbids, no ``]]>``, and every ``&`` one of the five predefined entities."""
    if suspect and _FORBIDDEN.search(piece):
        return False
    return "&" not in piece or piece.count("&") == len(_ENTITY_PY.findall(piece))


@dataclass(slots=True)
class Columns:
    """Rows as columns in :data:`ingest.rows.TX_FIELDS` order, the two dates as ISO text (what
    :meth:`ingest.rows.Batcher.add_columns` takes)."""

    columns: list[list[Any]]

    def __len__(self) -> int:
        return len(self.columns[1])

    @property
    def first_currency(self) -> str:
        return str(self.columns[3][0])

    @property
    def total(self) -> int:
        return sum(self.columns[2])


_DAYS: dict[str | None, dt.date | None] = {None: None}


def _day(iso: str | None) -> dt.date | None:
    """An ISO date (already checked) as a date; each distinct one is converted once."""
    found = _DAYS.get(iso)
    if found is None and iso is not None:
        if len(_DAYS) > 100_000:
            _DAYS.clear()
            _DAYS[None] = None
        found = _DAYS[iso] = dt.date.fromisoformat(iso)
    return found


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
