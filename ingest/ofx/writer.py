"""Write OFX files the way converters (and the odd bank) produce them.

Version 1 is SGML (``OFXHEADER:100``, leaf elements without end tags, ``CHARSET:1252`` by
default); version 2 is XML (``<?OFX OFXHEADER="200"?>``, UTF-8). The value date goes into
``DTAVAIL`` (the OFX spec calls it the value date) and the counterparty account into
``BANKACCTTO``, so a round trip keeps them. OFX states no opening balance, only ``LEDGERBAL``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ingest.model import RawTransaction, Statement

_SGML_HEADER = (
    "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:{encoding}\r\n"
    "CHARSET:{charset}\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n"
)
_XML_HEADER = (
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\r\n'
    '<?OFX OFXHEADER="200" VERSION="211" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>\r\n'
)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _amount(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


class _Out:
    def __init__(self, version: int) -> None:
        self.xml = version == 2
        self.parts: list[str] = []

    def leaf(self, tag: str, value: str) -> None:
        end = f"</{tag}>" if self.xml else ""
        self.parts.append(f"<{tag}>{_esc(value)}{end}\r\n")

    def open(self, tag: str) -> None:
        self.parts.append(f"<{tag}>\r\n")

    def close(self, tag: str) -> None:
        self.parts.append(f"</{tag}>\r\n")


def _bank_id(account: str) -> str:
    return account[4:8] if len(account) > 8 and account[:2].isalpha() else "NONE"


def _transaction(out: _Out, tx: RawTransaction, number: int) -> None:
    out.open("STMTTRN")
    out.leaf("TRNTYPE", tx.bank_transaction_code or ("DEBIT" if tx.amount_cents < 0 else "CREDIT"))
    out.leaf("DTPOSTED", f"{tx.booking_date:%Y%m%d}")
    if tx.value_date is not None:
        out.leaf("DTAVAIL", f"{tx.value_date:%Y%m%d}")
    out.leaf("TRNAMT", _amount(tx.amount_cents))
    out.leaf("FITID", tx.bank_reference or f"{tx.booking_date:%Y%m%d}{number:06d}")
    if tx.counterparty_name:
        out.leaf("NAME", tx.counterparty_name)
    if tx.counterparty_iban:
        out.open("BANKACCTTO")
        out.leaf("BANKID", _bank_id(tx.counterparty_iban))
        out.leaf("ACCTID", tx.counterparty_iban)
        out.leaf("ACCTTYPE", "CHECKING")
        out.close("BANKACCTTO")
    if tx.description:
        out.leaf("MEMO", tx.description)
    out.close("STMTTRN")


def _statement(out: _Out, st: Statement, number: int) -> None:
    dates = [t.booking_date for t in st.transactions]
    start = st.opening_date or (min(dates) if dates else dt.date(2024, 1, 1))
    end = st.closing_date or (max(dates) if dates else start)
    out.open("STMTTRNRS")
    out.leaf("TRNUID", str(number))
    out.open("STATUS")
    out.leaf("CODE", "0")
    out.leaf("SEVERITY", "INFO")
    out.close("STATUS")
    out.open("STMTRS")
    out.leaf("CURDEF", st.currency)
    out.open("BANKACCTFROM")
    out.leaf("BANKID", _bank_id(st.account))
    out.leaf("ACCTID", st.account)
    out.leaf("ACCTTYPE", "CHECKING")
    out.close("BANKACCTFROM")
    out.open("BANKTRANLIST")
    out.leaf("DTSTART", f"{start:%Y%m%d}")
    out.leaf("DTEND", f"{end:%Y%m%d}")
    for i, tx in enumerate(st.transactions, start=1):
        _transaction(out, tx, i)
    out.close("BANKTRANLIST")
    if st.closing_balance_cents is not None:
        out.open("LEDGERBAL")
        out.leaf("BALAMT", _amount(st.closing_balance_cents))
        out.leaf("DTASOF", f"{end:%Y%m%d}")
        out.close("LEDGERBAL")
    out.close("STMTRS")
    out.close("STMTTRNRS")


def write_ofx(
    statements: Iterable[Statement],
    version: int = 1,
    charset: str = "1252",
    *,
    server_time: dt.datetime | None = None,
) -> bytes:
    """An OFX file with one ``STMTTRNRS`` per statement.

    ``charset`` applies to version 1: ``"1252"`` (cp1252, the common case), ``"NONE"`` or
    ``"UTF-8"`` (both written as UTF-8). Version 2 is always UTF-8.
    """
    if version not in (1, 2):
        raise ValueError("OFX version must be 1 (SGML) or 2 (XML)")
    out = _Out(version)
    stamp = f"{server_time or dt.datetime(2024, 1, 1, 12, 0):%Y%m%d%H%M%S}"
    out.open("OFX")
    out.open("SIGNONMSGSRSV1")
    out.open("SONRS")
    out.open("STATUS")
    out.leaf("CODE", "0")
    out.leaf("SEVERITY", "INFO")
    out.close("STATUS")
    out.leaf("DTSERVER", stamp)
    out.leaf("LANGUAGE", "DUT")
    out.close("SONRS")
    out.close("SIGNONMSGSRSV1")
    out.open("BANKMSGSRSV1")
    for number, statement in enumerate(statements, start=1):
        _statement(out, statement, number)
    out.close("BANKMSGSRSV1")
    out.close("OFX")
    body = "".join(out.parts)
    if version == 2:
        return (_XML_HEADER + body).encode("utf-8")
    upper = charset.upper()
    if upper in ("1252", "CP1252", "WINDOWS-1252"):
        header = _SGML_HEADER.format(encoding="USASCII", charset="1252")
        return (header + body).encode("cp1252", errors="xmlcharrefreplace")
    encoding = "UTF-8" if upper in ("UTF-8", "UTF8") else "USASCII"
    header = _SGML_HEADER.format(encoding=encoding, charset="NONE" if upper != "1252" else upper)
    return (header + body).encode("utf-8")
