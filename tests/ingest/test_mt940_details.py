"""The per-bank ``:86:`` splitters on small inline inputs."""

from __future__ import annotations

from ingest.mt940.details import (
    Details,
    abnamro,
    account,
    generic,
    ing_old,
    ing_structured,
    join_wrapped,
    knab,
    rabobank_old,
    rabobank_structured,
    triodos,
    volksbank,
)

PORTAAL = "NL93RABO0987654321"


def test_account_normalises_giro_and_keeps_unknown_bban() -> None:
    assert account("P2445588") == "NL86INGB0002445588"
    assert account("0002445588") == "NL86INGB0002445588"
    assert account("0987654321") == "987654321"  # bank unknown: not guessed
    assert account("nl93 rabo 0987 6543 21") == PORTAAL
    assert account("NONREF") is None
    assert account("0000000000") is None


def test_ing_structured_joins_wrapped_tokens_without_separator() -> None:
    text = (
        f"/EREF/E2E-1//MARF/M-1//CSID/NL12ZZZ300000000000//CNTP/{PORTAAL}/RABONL2U/"
        "WONINGSTICHTING PORTAAL/UTRECHT//REMI/USTD//Huur januari 2024 Kerkstraat 12 bis/"
    )
    lines = [text[i : i + 65] for i in range(0, len(text), 65)]
    d = ing_structured(lines, "EREF", None)
    assert d == Details(
        counterparty_iban=PORTAAL,
        counterparty_name="WONINGSTICHTING PORTAAL",
        description="Huur januari 2024 Kerkstraat 12 bis",
        end_to_end_id="E2E-1",
        mandate_id="M-1",
        creditor_id="NL12ZZZ300000000000",
    )


def test_ing_structured_keeps_space_at_a_cut() -> None:
    lines = ["/CNTP/NL86INGB0002445588/INGBNL2A/J. JANSEN///REMI/USTD//twee ", "woorden/"]
    assert ing_structured(lines, None, None).description == "twee woorden"


def test_ing_empty_city_return_reason_batch_and_creditor_reference() -> None:
    d = ing_structured(
        ["/RTRN/MS03//PREF/BATCH-7//CNTP/NL86INGB0002445588/INGBNL2A/ING BANK NV///REMI/USTD//x/"],
        None,
        None,
    )
    assert (d.counterparty_name, d.description, d.batch_id) == (
        "ING BANK NV",
        "x (retour MS03)",
        "BATCH-7",
    )
    assert ing_structured(["/REMI/STRD/CUR/1234567890123456/"], None, None).description == (
        "1234567890123456"
    )


def test_ing_structured_free_text_is_reported_unknown() -> None:
    d = ing_structured(["Rente januari"], None, None)
    assert d.description == "Rente januari" and not d.known


def test_ing_old_account_name_and_text() -> None:
    d = ing_old(["0987654321 WONINGSTICHTING PORTAAL", "HUUR JANUARI"], None, None)
    assert (d.counterparty_iban, d.counterparty_name, d.description) == (
        "987654321",
        "WONINGSTICHTING PORTAAL",
        "HUUR JANUARI",
    )
    assert ing_old(["ALBERT HEIJN 1234 PAS 123"], None, None).counterparty_name is None


def test_rabobank_structured_debit_and_credit() -> None:
    debit = rabobank_structured(
        ["/EREF/E1/BENM//NAME/Portaal/REMI/Huur/ISDT/2024-01-02"], "EREF", PORTAAL
    )
    assert (debit.counterparty_iban, debit.counterparty_name, debit.description) == (
        PORTAAL,
        "Portaal",
        "Huur",
    )
    credit = rabobank_structured(
        ["/ORDP//NAME/UWV/ADDR/Amsterdam/REMI/WW uitkering/ISDT/2024-01-02"], "NONREF", None
    )
    assert (credit.counterparty_name, credit.description, credit.end_to_end_id) == (
        "UWV",
        "WW uitkering",
        None,
    )


def test_rabobank_old_several_lines_and_bban() -> None:
    d = rabobank_old(["J JANSEN", "TERUGBETALING", "LENING"], "0001234567", None)
    assert (d.counterparty_iban, d.counterparty_name, d.description) == (
        "NL20INGB0001234567",
        "J JANSEN",
        "TERUGBETALING LENING",
    )
    no_account = rabobank_old(["BEA ALBERT HEIJN"], "NONREF", None)
    assert (no_account.counterparty_name, no_account.description) == (None, "BEA ALBERT HEIJN")


def test_abnamro_sepa_card_atm_and_giro() -> None:
    text = (
        f"/TRTP/SEPA OVERBOEKING/IBAN/{PORTAAL}/BIC/RABONL2U/NAME/PORTAAL/REMI/HUUR"
        "/EREF/NOTPROVIDED"
    )
    sepa = abnamro([text[:65], text[65:]], None, None)
    assert (
        sepa.counterparty_iban,
        sepa.counterparty_name,
        sepa.description,
        sepa.end_to_end_id,
    ) == (
        PORTAAL,
        "PORTAAL",
        "HUUR",
        None,
    )
    card = abnamro(["BEA   NR:XXX1234 21.05.11/12.54 ALBERT HEIJN 1234 AMSTERD,PAS999"], None, None)
    assert card.counterparty_name == "ALBERT HEIJN 1234 AMSTERD"
    atm = abnamro(["GEA   NR:XXX1234 21.05.11/17.03 ING BANK UTRECHT,PAS999"], None, None)
    assert atm.counterparty_name == "ING BANK UTRECHT"
    giro = abnamro(["GIRO   428428 KPN - DIGITENNE    BETALINGSKENM.  0000000421"], None, None)
    assert (giro.counterparty_iban, giro.counterparty_name, giro.description) == (
        "NL40INGB0000428428",
        "KPN - DIGITENNE",
        "BETALINGSKENM. 0000000421",
    )


def test_knab_old_and_new() -> None:
    old = knab([f"REK: {PORTAAL}/NAAM: PORTAAL", "OMSCHRIJVING: HUUR JANUARI"], None, None)
    assert (old.counterparty_iban, old.counterparty_name, old.description) == (
        PORTAAL,
        "PORTAAL",
        "HUUR JANUARI",
    )
    new = knab(
        [f"/TRTP/SEPA OVERBOEKING/IBAN/{PORTAAL}/BIC/RABONL2U/NAME/P/REMI/H/EREF/E"], None, None
    )
    assert (new.counterparty_name, new.description, new.end_to_end_id) == ("P", "H", "E")


def test_volksbank_fixed_columns() -> None:
    party = f"{PORTAAL} WONINGSTICHTING PORTAAL".ljust(65)
    text = "HUUR JANUARI 2024 KERKSTRAAT 12 BIS BETALINGSKENMERK 0000 1234 5678 9012"
    lines = [party, text[:65], text[65:].ljust(65)]
    d = volksbank(lines, f"{PORTAAL}//A01", None)
    assert (d.counterparty_iban, d.counterparty_name, d.description, d.bank_reference) == (
        PORTAAL,
        "WONINGSTICHTING PORTAAL",
        text,
        "A01",
    )
    blank = volksbank([" " * 65, "KOSTEN".ljust(65)], None, None)
    assert (blank.counterparty_iban, blank.counterparty_name, blank.description) == (
        None,
        None,
        "KOSTEN",
    )


def test_triodos_subfields() -> None:
    d = triodos(
        [
            "000>100000012345",
            ">20Huur januari 2024 Kerkstr",
            ">21aat 12",
            f">31{PORTAAL}",
            ">32Portaal",
        ],
        None,
        None,
    )
    assert (d.counterparty_iban, d.counterparty_name, d.description, d.bank_reference) == (
        PORTAAL,
        "Portaal",
        "Huur januari 2024 Kerkstraat 12",
        "0000012345",
    )


def test_generic_borrows_markers_and_free_text() -> None:
    assert generic(["/TRTP/X/NAME/A/REMI/B"], None, None).counterparty_name == "A"
    assert (
        generic(["Betaling aan", "Albert Heijn"], None, None).description
        == "Betaling aan Albert Heijn"
    )


def test_join_wrapped_uses_line_length() -> None:
    assert join_wrapped(["a" * 65, "b", "c"]) == "a" * 65 + "b c"
