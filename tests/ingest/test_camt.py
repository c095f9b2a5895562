"""CAMT.053 reader: the tricky rules on small inline documents (sign, reversal, batch, zip)."""

from __future__ import annotations

import io
import zipfile

import pytest

from ingest.base import detect
from ingest.camt import IMPORTERS
from ingest.camt.importer import Camt053Importer, Camt053ZipImporter
from ingest.errors import IngestError
from ingest.model import ExtractResult, RawTransaction

OWN = "NL69INGB0123456789"
NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


def doc(entries: str, *, ns: str = NS, balances: str = "", prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}<Document xmlns="{ns}"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>M</MsgId></GrpHdr><Stmt><Id>S1</Id><Acct><Id><IBAN>{OWN}</IBAN></Id>"
        f"<Ccy>EUR</Ccy></Acct>{balances}\n{entries}</Stmt></BkToCstmrStmt></Document>"
    ).encode()


def entry(amount: str, side: str, details: str = "", extra: str = "") -> str:
    return (
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{side}</CdtDbtInd>{extra}<Sts>BOOK</Sts>'
        f"<BookgDt><Dt>2024-01-02</Dt></BookgDt><NtryDtls>{details}</NtryDtls></Ntry>\n"
    )


PARTIES = (
    "<RltdPties><Dbtr><Nm>Debiteur</Nm></Dbtr><DbtrAcct><Id><IBAN>NL55RABO0300500700</IBAN>"
    "</Id></DbtrAcct><Cdtr><Nm>Crediteur</Nm></Cdtr><CdtrAcct><Id><IBAN>NL29INGB0112233445"
    "</IBAN></Id></CdtrAcct></RltdPties>"
)


def extract(data: bytes, name: str = "x.xml") -> ExtractResult:
    return Camt053Importer().extract(data, name)


def txs(data: bytes) -> tuple[RawTransaction, ...]:
    return extract(data).statements[0].transactions


def test_importers_are_exported_and_detected() -> None:
    assert [i.name for i in IMPORTERS] == ["camt053-zip", "camt053"]
    assert detect(doc(entry("1.00", "CRDT")), "x.xml").name == "camt053"


def test_debit_is_negative_and_counterparty_is_the_creditor() -> None:
    (tx,) = txs(doc(entry("12.50", "DBIT", f"<TxDtls>{PARTIES}</TxDtls>")))
    assert tx.amount_cents == -1250
    assert (tx.counterparty_name, tx.counterparty_iban) == ("Crediteur", "NL29INGB0112233445")


def test_credit_is_positive_and_counterparty_is_the_debtor() -> None:
    (tx,) = txs(doc(entry("12.5", "CRDT", f"<TxDtls>{PARTIES}</TxDtls>")))
    assert tx.amount_cents == 1250
    assert (tx.counterparty_name, tx.counterparty_iban) == ("Debiteur", "NL55RABO0300500700")


def test_reversal_keeps_the_money_movement_and_the_original_counterparty() -> None:
    rvsl = "<RvslInd>true</RvslInd>"
    (tx,) = txs(doc(entry("30.00", "CRDT", f"<TxDtls>{PARTIES}</TxDtls>", rvsl)))
    assert tx.amount_cents == 3000  # money came back in
    assert tx.is_reversal
    assert tx.counterparty_name == "Crediteur"  # the party of the original direct debit


def test_own_account_on_the_counterparty_side_is_skipped() -> None:
    parties = (
        f"<RltdPties><Cdtr><Nm>Ik</Nm></Cdtr><CdtrAcct><Id><IBAN>{OWN}</IBAN></Id></CdtrAcct>"
        "<Dbtr><Nm>Werkgever</Nm></Dbtr></RltdPties>"
    )
    (tx,) = txs(doc(entry("5.00", "DBIT", f"<TxDtls>{parties}</TxDtls>")))
    assert tx.counterparty_name == "Ik"  # the name stays, the own IBAN does not
    assert tx.counterparty_iban is None


def batch(amounts: list[str], total: str, ref: str = "<NtryRef>B1</NtryRef>") -> bytes:
    details = "".join(
        f"\n<TxDtls><AmtDtls><TxAmt><Amt Ccy='EUR'>{a}</Amt></TxAmt></AmtDtls>"
        f"<RltdPties><Cdtr><Nm>Partij {i}</Nm></Cdtr></RltdPties></TxDtls>"
        for i, a in enumerate(amounts)
    )
    return doc(entry(total, "DBIT", details, ref))


def test_batch_that_adds_up_becomes_one_transaction_per_detail() -> None:
    result = extract(batch(["10.00", "15.00"], "25.00"))
    parts = result.statements[0].transactions
    assert [t.amount_cents for t in parts] == [-1000, -1500]
    assert {t.batch_id for t in parts} == {"B1"}
    assert [t.counterparty_name for t in parts] == ["Partij 0", "Partij 1"]
    assert parts[0].line < parts[1].line
    assert not result.problems


def test_batch_without_reference_gets_a_stable_positional_id() -> None:
    first = txs(batch(["1.00", "2.00"], "3.00", ref=""))
    again = txs(batch(["1.00", "2.00"], "3.00", ref=""))
    assert first[0].batch_id == again[0].batch_id == "S1/1"


def test_batch_that_does_not_add_up_stays_one_transaction_with_a_warning() -> None:
    result = extract(batch(["10.00", "10.00"], "25.00"))
    (tx,) = result.statements[0].transactions
    assert tx.amount_cents == -2500
    assert tx.batch_id is None
    assert "niet optellen" in result.problems[0].message


def test_dttm_with_time_zone_keeps_the_written_date() -> None:
    data = doc(entry("1.00", "DBIT")).replace(
        b"<Dt>2024-01-02</Dt>", b"<DtTm>2024-03-31T23:45:00+02:00</DtTm>"
    )
    (tx,) = txs(data)
    assert tx.booking_date.isoformat() == "2024-03-31"


def test_balance_mismatch_is_a_warning_and_balances_are_signed() -> None:
    def bal(code: str, amount: str, side: str) -> str:
        return (
            f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy='EUR'>{amount}</Amt>"
            f"<CdtDbtInd>{side}</CdtDbtInd><Dt><Dt>2024-01-02</Dt></Dt></Bal>"
        )

    data = doc(
        entry("1.00", "CRDT"), balances=bal("OPBD", "5.00", "DBIT") + bal("CLBD", "9.00", "CRDT")
    )
    result = extract(data)
    statement = result.statements[0]
    assert (statement.opening_balance_cents, statement.closing_balance_cents) == (-500, 900)
    assert "eindsaldo 9,00" in result.problems[0].message


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (doc(entry("", "DBIT")), "bedrag"),
        (doc(entry("1,00", "DBIT")), "geen geldig bedrag"),
        (doc(entry("1.001", "DBIT")), "twee decimalen"),
        (doc(entry("1.00", "XXX")), "CdtDbtInd"),
        (doc(entry("1.00", "DBIT").replace("<BookgDt><Dt>2024-01-02</Dt></BookgDt>", "")), "datum"),
        (doc(entry("1.00", "DBIT").replace("2024-01-02", "2024-13-02")), "datum"),
        (doc("", ns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"), "pain.001"),
        (doc(entry("1.00", "DBIT"))[:-40], "beschadigd"),
    ],
)
def test_unreadable_input_raises_a_dutch_ingest_error(data: bytes, needle: str) -> None:
    with pytest.raises(IngestError) as caught:
        extract(data, "upload.xml")
    assert caught.value.file == "upload.xml"
    assert needle in caught.value.message


def test_billion_laughs_and_external_entities_are_refused_without_expansion() -> None:
    laughs = (
        '<!DOCTYPE Document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>\n'
    )
    for prolog in (laughs, '<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'):
        with pytest.raises(IngestError, match="DOCTYPE"):
            extract(doc(entry("1.00", "DBIT", extra=""), prolog=prolog))


def test_bom_and_prefixed_namespace_are_accepted() -> None:
    plain = doc(entry("1.00", "CRDT"))
    prefixed = plain.replace(b"<", b"<c:").replace(b"<c:/", b"</c:").replace(b"<c:?", b"<?")
    prefixed = prefixed.replace(b"xmlns=", b"xmlns:c=")
    for data in (b"\xef\xbb\xbf" + plain, prefixed, plain.decode().encode("utf-16")):
        assert Camt053Importer().identify(data)
        assert txs(data)[0].amount_cents == 100


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def test_zip_members_are_read_in_order_and_named_in_problems() -> None:
    bad_batch = batch(["1.00", "1.00"], "5.00")
    data = zipped(
        {"dag1.xml": doc(entry("1.00", "CRDT")), "lees mij.txt": b"hallo", "dag2.xml": bad_batch}
    )
    importer = Camt053ZipImporter()
    assert importer.identify(data)
    assert not Camt053Importer().identify(data)
    result = importer.extract(data, "afschrift.zip")
    assert len(result.statements) == 2
    files = [p.file for p in result.problems]
    assert files == ["afschrift.zip/lees mij.txt", "afschrift.zip/dag2.xml"]


def test_zip_error_names_the_member() -> None:
    data = zipped({"dag1.xml": doc(entry("1.00", "CRDT"))[:-30]})
    with pytest.raises(IngestError) as caught:
        Camt053ZipImporter().extract(data, "a.zip")
    assert caught.value.file == "a.zip/dag1.xml"


def test_zip_without_camt_is_not_claimed_and_not_extracted() -> None:
    data = zipped({"x.txt": b"niets"})
    assert not Camt053ZipImporter().identify(data)
    with pytest.raises(IngestError, match=r"geen CAMT\.053"):
        Camt053ZipImporter().extract(data, "a.zip")
