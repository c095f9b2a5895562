"""One camt ``Ntry`` to RawTransactions: sign, reversal, counterparty, references, batches.

This is where CAMT imports go wrong in other trackers (sign, missing counterparty names,
batches), so every rule is explicit here:

- the sign comes from ``CdtDbtInd`` only; ``RvslInd=true`` sets ``is_reversal`` and keeps it;
- the counterparty is the creditor of money going out and the debtor of money coming in (a
  reversal turns the original direction around); if that side is empty or is the account
  itself, the other side is used;
- an entry with several ``TxDtls`` is a batch: one transaction per ``TxDtls`` when their amounts
  add up to the entry, otherwise the entry stays one transaction and a warning says why.

The walk visits each element once with plain loops (no XPath, no ``find``): this code runs for
every entry of files with a million of them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from lxml import etree

from ingest.camt.xmlutil import LOCAL, cents, child_text, date_of
from ingest.errors import IngestError
from ingest.rows import TxRow

# Children the camt.053 schemas (001.02 to 001.08) allow; anything else is reported once.
NTRY_KNOWN = frozenset(
    [
        "NtryRef",
        "Amt",
        "CdtDbtInd",
        "RvslInd",
        "Sts",
        "BookgDt",
        "ValDt",
        "AcctSvcrRef",
        "Avlbty",
        "BkTxCd",
        "ComssnWvrInd",
        "AddtlInfInd",
        "AmtDtls",
        "Chrgs",
        "TechInptChanl",
        "Intrst",
        "CardTx",
        "NtryDtls",
        "AddtlNtryInf",
    ]
)
TXDTLS_KNOWN = frozenset(
    [
        "Refs",
        "Amt",
        "CdtDbtInd",
        "AmtDtls",
        "Avlbty",
        "BkTxCd",
        "Chrgs",
        "Intrst",
        "RltdPties",
        "RltdAgts",
        "LclInstrm",
        "Purp",
        "RltdRmtInf",
        "RmtInf",
        "RltdDts",
        "RltdPric",
        "RltdQties",
        "FinInstrmId",
        "Tax",
        "RtrInf",
        "CorpActn",
        "SfkpgAcct",
        "CshDpst",
        "CardTx",
        "AddtlTxInf",
        "SplmtryData",
    ]
)
_ABN_KEYS = "TRTP|IBAN|BIC|NAME|REMI|EREF|MARF|CSID|ORDP|BENM|ISDT|SWOC|CNTP|ADDR"
_ABN_NAME = re.compile(rf"/NAME/(.*?)(?=/(?:{_ABN_KEYS})/|$)", re.S)
_ABN_REMI = re.compile(rf"/REMI/(.*?)(?=/(?:{_ABN_KEYS})/|$)", re.S)
_CREDITOR_ID = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{3}")


@dataclass(slots=True)
class EntryContext:
    """What an entry needs from its statement, plus the sink for warnings."""

    file: str
    account: str
    statement_key: str
    warnings: list[tuple[int, str]]
    unknown: set[tuple[str, str]] = field(default_factory=set)
    count: int = 0
    offset: int = 0
    """Added to every line: an entry parsed from its own text starts at line 1 (lxml cannot
    store lines above 65 535 on an element, so they are not moved there)."""

    def unknown_element(self, where: str, name: str, line: int) -> None:
        if name and (where, name) not in self.unknown:
            self.unknown.add((where, name))
            self.warnings.append((line, f"onbekend element {name} in {where} overgeslagen"))


class _Details:
    """What one TxDtls says; every field optional.

    A plain class with class-level defaults: only the fields a TxDtls has are set on the
    instance, which costs a fraction of a 16-field dataclass ``__init__`` per entry.
    """

    amount: int | None = None
    side = ""
    end_to_end: str | None = None
    mandate: str | None = None
    creditor_id: str | None = None
    reference: str | None = None
    bank_code: str | None = None
    dbtr_name = ""
    cdtr_name = ""
    ultimate_dbtr = ""
    ultimate_cdtr = ""
    dbtr_account: etree._Element | None = None
    cdtr_account: etree._Element | None = None
    """The ``DbtrAcct``/``CdtrAcct`` elements, read only if that side is the counterparty
    (usually one of the two is the account itself): a third of the walk of an entry."""
    remittance = ""
    extra = ""

    def __init__(self, line: int) -> None:
        self.line = line


def _at(element: etree._Element, ctx: EntryContext) -> int:
    """The line of an element in the file (0 if unknown)."""
    line = element.sourceline
    return line + ctx.offset if line else 0


def bank_code(element: etree._Element) -> str | None:
    """``BkTxCd`` as ``PMNT-RCDT-ESCT`` (ISO domain) or, failing that, the proprietary code."""
    domain = family = sub = ""
    proprietary = None
    for child in element:
        name = LOCAL[child.tag]
        if name == "Domn":
            for part in child:
                part_name = LOCAL[part.tag]
                if part_name == "Cd":
                    domain = (part.text or "").strip()
                elif part_name == "Fmly":
                    for code in part:
                        code_name = LOCAL[code.tag]
                        if code_name == "Cd":
                            family = (code.text or "").strip()
                        elif code_name == "SubFmlyCd":
                            sub = (code.text or "").strip()
        elif name == "Prtry":
            proprietary = child_text(child, "Cd") or None
    if domain and family and sub:
        return f"{domain}-{family}-{sub}"
    return proprietary


def _account_id(element: etree._Element) -> str:
    """``.../Id/IBAN`` (normalised) or ``.../Id/Othr/Id`` (a BBAN or other number)."""
    for ident in element:
        if LOCAL[ident.tag] == "Id":
            for choice in ident:
                name = LOCAL[choice.tag]
                if name == "IBAN":
                    return "".join((choice.text or "").split()).upper()
                if name == "Othr":
                    return child_text(choice, "Id")
    return ""


def _party(element: etree._Element, d: _Details, role: str) -> str:
    """The party's name (``Nm`` or, from 001.08, ``Pty/Nm``); records a creditor's scheme id."""
    name = ""
    for child in element:
        tag = LOCAL[child.tag]
        if tag == "Nm":
            name = (child.text or "").strip()
        elif tag == "Pty":
            name = _party(child, d, role) or name
        elif tag == "Id" and role == "Cdtr":  # the incassant-ID of a direct debit
            for kind in child:
                for other in kind:
                    if LOCAL[other.tag] != "Othr":
                        continue
                    ident = child_text(other, "Id")
                    if ident and ("SEPA" in "".join(other.itertext()) or _CREDITOR_ID.match(ident)):
                        d.creditor_id = ident
    return name


def _related_parties(element: etree._Element, d: _Details) -> None:
    for party in element:
        role = LOCAL[party.tag]
        if role == "Cdtr":
            d.cdtr_name = _party(party, d, role)
        elif role == "CdtrAcct":
            d.cdtr_account = party
        elif role == "DbtrAcct":
            d.dbtr_account = party
        elif role == "Dbtr":
            d.dbtr_name = _party(party, d, role)
        elif role == "UltmtDbtr":
            d.ultimate_dbtr = _party(party, d, role)
        elif role == "UltmtCdtr":
            d.ultimate_cdtr = _party(party, d, role)
        elif role == "CdtrSchmeId":
            d.creditor_id = "".join(party.itertext()).strip() or None


def _remittance(element: etree._Element) -> str:
    """Unstructured lines joined, else the structured creditor reference (betalingskenmerk)."""
    lines = []
    reference = ""
    for part in element:
        name = LOCAL[part.tag]
        if name == "Ustrd":
            lines.append((part.text or "").strip())
        elif name == "Strd" and not reference:
            for ref in part.iter():
                if LOCAL[ref.tag] == "Ref" and (ref.text or "").strip():
                    reference = (ref.text or "").strip()
                    break
    return " ".join(lines) if lines else reference


def _details(element: etree._Element, ctx: EntryContext) -> _Details:
    line = _at(element, ctx)
    d = _Details(line)
    for child in element:
        name = LOCAL[child.tag]
        if name == "RltdPties":
            _related_parties(child, d)
        elif name == "RmtInf":
            d.remittance = _remittance(child)
        elif name == "Refs":
            for ref in child:
                ref_name = LOCAL[ref.tag]
                value = (ref.text or "").strip() or None
                if ref_name == "EndToEndId":
                    d.end_to_end = value if value != "NOTPROVIDED" else None
                elif ref_name == "MndtId":
                    d.mandate = value
                elif ref_name == "AcctSvcrRef":
                    d.reference = value
        elif name == "AmtDtls":
            for kind in child:
                if LOCAL[kind.tag] == "TxAmt" and d.amount is None:
                    for x in kind:
                        d.amount = cents(x.text, ctx.file, _at(x, ctx) or line)
                        break
        elif name == "Amt":
            d.amount = cents(child.text, ctx.file, _at(child, ctx) or line)
        elif name == "CdtDbtInd":
            d.side = (child.text or "").strip()
        elif name == "BkTxCd":
            d.bank_code = bank_code(child)
        elif name == "AddtlTxInf":
            d.extra = (child.text or "").strip()
        elif name not in TXDTLS_KNOWN:
            ctx.unknown_element("TxDtls", name, _at(child, ctx) or line)
    return d


def _transaction(
    entry: tuple[int, str, dt.date, dt.date | None, bool, str | None, str | None, str],
    d: _Details | None,
    amount: int,
    batch: str | None,
    ctx: EntryContext,
) -> TxRow:
    """One transaction as a :data:`ingest.rows.TxRow` (the fields of ``RawTransaction``)."""
    line, currency, booking, value, reversal, svcr_ref, code, info = entry
    name = iban = None
    remittance = ""
    if d is not None:
        # the counterparty: creditor of money going out, debtor of money coming in (a reversal
        # turns that around); the other side when that one is empty or the account itself
        own = ctx.account
        creditor = (d.cdtr_account, d.cdtr_name or d.ultimate_cdtr)
        debtor = (d.dbtr_account, d.dbtr_name or d.ultimate_dbtr)
        for side_account, side_name in (
            (creditor, debtor) if (amount < 0) != reversal else (debtor, creditor)
        ):
            side_iban = _account_id(side_account) if side_account is not None else ""
            if side_iban == own:  # some banks also show the account holder on its own side
                side_iban = ""
            if side_name or side_iban:
                iban, name = side_iban or None, side_name or None
                break
        remittance = d.remittance
    if batch is None and info:  # entry-level text describes a single payment only
        full = _ABN_NAME.search(info) if "/NAME/" in info else None
        if full and (not name or full.group(1).strip().startswith(name)):
            name = full.group(1)  # ABN AMRO cuts Nm to 24 characters
        if not remittance:
            remi = _ABN_REMI.search(info) if "/REMI/" in info else None
            # ABN AMRO's structured "/TRTP/.../REMI/..." text: only REMI is the description.
            plain = "" if info.startswith("/") else info
            remittance = remi.group(1) if remi else (d.extra if d and d.extra else plain)
    elif not remittance and d is not None:
        remittance = d.extra
    cname = (" ".join(name.split()) or None) if name else None
    description = " ".join(remittance.split()) if remittance else ""
    if d is None:
        return (
            ctx.account, booking, amount, currency, value, iban, cname, description, None, None,
            None, svcr_ref, code, reversal, batch, None, line,
        )  # fmt: skip
    return (
        ctx.account, booking, amount, currency, value, iban, cname, description, d.end_to_end,
        d.mandate, d.creditor_id, (d.reference if batch else None) or svcr_ref,
        d.bank_code or code, reversal, batch, None, d.line if batch else line,
    )  # fmt: skip


def parse_entry(ntry: etree._Element, ctx: EntryContext) -> list[TxRow]:
    """The transactions of one booked entry (none for an entry that is not booked), as rows
    in :data:`ingest.rows.TX_FIELDS` order."""
    file = ctx.file
    line = _at(ntry, ctx)
    ctx.count += 1
    amount_text: str | None = None
    currency = "EUR"
    side = status = ""
    reversal = False
    booking: dt.date | None = None
    value: dt.date | None = None
    entry_ref = svcr_ref = code = None
    details: list[etree._Element] = []
    info = ""
    for child in ntry:
        name = LOCAL[child.tag]
        if name == "Amt":
            amount_text = child.text
            currency = child.get("Ccy") or "EUR"
        elif name == "CdtDbtInd":
            side = (child.text or "").strip()
        elif name == "Sts":
            status = (child.text or "").strip() or child_text(child, "Cd")
        elif name == "BookgDt":
            booking = date_of(child, file, ctx.offset)
        elif name == "ValDt":
            value = date_of(child, file, ctx.offset)
        elif name == "NtryDtls":
            for tx in child:
                if LOCAL[tx.tag] == "TxDtls":
                    details.append(tx)
        elif name == "AcctSvcrRef":
            svcr_ref = (child.text or "").strip() or None
        elif name == "BkTxCd":
            code = bank_code(child)
        elif name == "RvslInd":
            reversal = (child.text or "").strip().lower() in ("true", "1")
        elif name == "NtryRef":
            entry_ref = (child.text or "").strip() or None
        elif name == "AddtlNtryInf":
            info = (child.text or "").strip()
        elif name not in NTRY_KNOWN:
            ctx.unknown_element("Ntry", name, _at(child, ctx) or line)
    if amount_text is None:
        raise IngestError(
            file, line, "boeking (Ntry) zonder bedrag; download het afschrift opnieuw"
        )
    amount = cents(amount_text, file, line)
    if side != "CRDT" and side != "DBIT":
        raise IngestError(
            file,
            line,
            f"boeking zonder geldige CdtDbtInd ({side!r}): niet te zien of het geld "
            "bij of af ging; download het afschrift opnieuw",
        )
    if booking is None:
        if value is None:
            raise IngestError(file, line, "boeking zonder datum; download het afschrift opnieuw")
        booking = value
        ctx.warnings.append((line, "boeking zonder boekdatum; de valutadatum is gebruikt"))
    if status and status != "BOOK":
        ctx.warnings.append((line, f"boeking met status {status} (niet geboekt) overgeslagen"))
        return []
    sign = -1 if side == "DBIT" else 1
    entry = (line, currency, booking, value, reversal, svcr_ref, code, info)
    if len(details) <= 1:
        parsed = _details(details[0], ctx) if details else None
        return [_transaction(entry, parsed, sign * amount, None, ctx)]
    parts = [_details(d, ctx) for d in details]
    signed = [
        None if d.amount is None else (-d.amount if (d.side or side) == "DBIT" else d.amount)
        for d in parts
    ]
    if None not in signed and sum(s or 0 for s in signed) == sign * amount:
        batch = entry_ref or svcr_ref or f"{ctx.statement_key}/{ctx.count}"
        return [
            _transaction(entry, d, s or 0, batch, ctx) for d, s in zip(parts, signed, strict=True)
        ]
    ctx.warnings.append(
        (
            line,
            f"verzamelboeking met {len(parts)} deelbetalingen waarvan de bedragen ontbreken of "
            "niet optellen tot het totaal; als één transactie ingelezen",
        )
    )
    return [_transaction(entry, None, sign * amount, None, ctx)]
