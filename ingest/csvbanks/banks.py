"""Each bank's CSV export as a declaration (DOMAIN.md section 3 has the exact headers).

Order matters only for recognition: header dialects cannot overlap (their header rows differ),
headerless ones are told apart by column count, delimiter and value shapes, and the three
Volksbank brands by the bank code in the account holder's own IBAN.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ingest.csvbanks.details import abn_details, ing_en_details, ing_nl_details
from ingest.csvbanks.dialect import Balance, DateStyle, Dialect
from ingest.model import ACCOUNT_NOT_STATED

_ING_NL = ("Datum", "Naam / Omschrijving", "Rekening", "Tegenrekening", "Code", "Af Bij",
           "Bedrag (EUR)", "Mutatiesoort", "Mededelingen", "Saldo na mutatie", "Tag")  # fmt: skip
_ING_EN = ("Date", "Name / Description", "Account", "Counterparty", "Code", "Debit/credit",
           "Amount (EUR)", "Transaction type", "Notifications", "Resulting balance",
           "Tag")  # fmt: skip


def _ing(name: str, columns: tuple[str, ...], *, delimiter: str = ";", english: bool = False,
         balance: bool = True) -> Dialect:  # fmt: skip
    return Dialect(
        name=name, bank="ING", columns=columns, delimiter=delimiter,
        date_style=DateStyle.YMD8, account=columns[2], account_bank_code="INGB",
        booking_date=columns[0], counterparty_name=columns[1], counterparty_iban=columns[3],
        code=columns[4], sign=columns[5], amount=columns[6], details=columns[8],
        debit=("Debit",) if english else ("Af",), credit=("Credit",) if english else ("Bij",),
        details_parser=ing_en_details if english else ing_nl_details,
        balance=columns[9] if balance else None, newest_first=True,
    )  # fmt: skip


ING_NL = _ing("ing-nl", _ING_NL)
ING_EN = _ing("ing-en", _ING_EN, english=True)
ING_OLD = _ing("ing-old", (*_ING_NL[:7], "MutatieSoort", "Mededelingen"), delimiter=",",
               balance=False)  # fmt: skip
ING_SAVINGS = Dialect(
    name="ing-savings", bank="ING", delimiter=";", date_style=DateStyle.ISO,
    columns=("Datum", "Omschrijving", "Rekening", "Rekening naam", "Tegenrekening", "Af Bij",
             "Bedrag", "Valuta", "Mutatiesoort", "Mededelingen", "Saldo na mutatie"),
    booking_date="Datum", description=("Omschrijving",), account="Rekening",
    counterparty_iban="Tegenrekening", sign="Af Bij", debit=("Af",), credit=("Bij",),
    amount="Bedrag", currency="Valuta", code="Mutatiesoort", details="Mededelingen",
    details_parser=ing_nl_details, balance="Saldo na mutatie", newest_first=True,
)  # fmt: skip

RABOBANK = Dialect(
    name="rabobank", bank="Rabobank", date_style=DateStyle.ISO, account_bank_code="RABO",
    columns=("IBAN/BBAN", "Munt", "BIC", "Volgnr", "Datum", "Rentedatum", "Bedrag",
             "Saldo na trn", "Tegenrekening IBAN/BBAN", "Naam tegenpartij",
             "Naam uiteindelijke partij", "Naam initiërende partij", "BIC tegenpartij", "Code",
             "Batch ID", "Transactiereferentie", "Machtigingskenmerk", "Incassant ID",
             "Betalingskenmerk", "Omschrijving-1", "Omschrijving-2", "Omschrijving-3",
             "Reden retour", "Oorspr bedrag", "Oorspr munt", "Koers"),
    account="IBAN/BBAN", currency="Munt", bank_reference="Volgnr", booking_date="Datum",
    value_date="Rentedatum", amount="Bedrag", balance="Saldo na trn",
    counterparty_iban="Tegenrekening IBAN/BBAN", counterparty_name="Naam tegenpartij",
    code="Code", batch_id="Batch ID", end_to_end_id="Transactiereferentie",
    mandate_id="Machtigingskenmerk", creditor_id="Incassant ID",
    payment_reference="Betalingskenmerk", reversal_reason="Reden retour",
    description=("Omschrijving-1", "Omschrijving-2", "Omschrijving-3"),
)  # fmt: skip

_AMOUNT = re.compile(r"-?\d+(?:,\d{1,2})?")
_DATE_LIKE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")
_ACCOUNT = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}|\d{1,10}")


def _abn_shape(row: Sequence[str]) -> bool:
    return (
        len(row) == 8
        and bool(_ACCOUNT.fullmatch(row[0].strip()))
        and len(row[1]) == 3
        and row[1].isalpha()
        and row[1].isupper()
        and bool(_AMOUNT.fullmatch(row[6].strip()) or "." in row[6])
    )


ABN_AMRO = Dialect(
    name="abnamro-tab", bank="ABN AMRO", has_header=False, delimiter="\t",
    date_style=DateStyle.YMD8, account_bank_code="ABNA", shape=_abn_shape,
    columns=("rekeningnummer", "muntsoort", "transactiedatum", "beginsaldo", "eindsaldo",
             "rentedatum", "transactiebedrag", "omschrijving"),
    account="rekeningnummer", currency="muntsoort", booking_date="transactiedatum",
    start_balance="beginsaldo", balance="eindsaldo", value_date="rentedatum",
    amount="transactiebedrag", details="omschrijving", details_parser=abn_details,
)  # fmt: skip


def _volksbank_shape(bank_code: str) -> Callable[[Sequence[str]], bool]:
    def shape(row: Sequence[str]) -> bool:
        return (
            len(row) >= 17  # claim a damaged row too, so extract can say what is wrong
            and row[1][4:8] == bank_code
            and bool(_ACCOUNT.fullmatch(row[1]))
            and bool(_DATE_LIKE.fullmatch(row[0]))
            and len(row[7]) == 3
            and len(row[9]) == 3
        )

    return shape


def _volksbank(name: str, bank: str, bank_code: str) -> Dialect:
    return Dialect(
        name=name, bank=bank, has_header=False, quotechar="'", decimal=".",
        date_style=DateStyle.DMY, shape=_volksbank_shape(bank_code),
        columns=("boekingsdatum", "opdrachtgeversrekening", "tegenrekeningnummer",
                 "naam tegenrekening", "adres", "postcode", "plaats", "valutasoort rekening",
                 "saldo rekening voor mutatie", "valutasoort mutatie", "transactiebedrag",
                 "journaaldatum", "valutadatum", "interne transactiecode",
                 "globale transactiecode", "volgnummer transactie", "betalingskenmerk",
                 "omschrijving", "afschriftnummer"),
        booking_date="boekingsdatum", account="opdrachtgeversrekening",
        counterparty_iban="tegenrekeningnummer", counterparty_name="naam tegenrekening",
        currency="valutasoort mutatie", balance="saldo rekening voor mutatie",
        balance_kind=Balance.BEFORE, amount="transactiebedrag", value_date="valutadatum",
        code="globale transactiecode", bank_reference="volgnummer transactie",
        payment_reference="betalingskenmerk", description=("omschrijving",),
    )  # fmt: skip


ASN = _volksbank("asn", "ASN", "ASNB")
SNS = _volksbank("sns", "SNS", "SNSB")
REGIOBANK = _volksbank("regiobank", "RegioBank", "RBRB")

KNAB = Dialect(
    name="knab", bank="Knab", preamble="KNAB EXPORT", delimiter=";", date_style=DateStyle.DMY,
    columns=("Rekeningnummer", "Transactiedatum", "Valutacode", "CreditDebet", "Bedrag",
             "Tegenrekeningnummer", "Tegenrekeninghouder", "Valutadatum", "Betaalwijze",
             "Omschrijving", "Type betaling", "Machtigingsnummer", "Incassant ID", "Adres",
             "Referentie", "Boekdatum"),
    account="Rekeningnummer", booking_date="Boekdatum", currency="Valutacode",
    sign="CreditDebet", debit=("D",), credit=("C",), amount="Bedrag",
    counterparty_iban="Tegenrekeningnummer", counterparty_name="Tegenrekeninghouder",
    value_date="Valutadatum", code="Betaalwijze", description=("Omschrijving",),
    mandate_id="Machtigingsnummer", creditor_id="Incassant ID", bank_reference="Referentie",
)  # fmt: skip

_BUNQ = ("Date", "Interest Date", "Amount", "Account", "Counterparty", "Name", "Description")
_BUNQ_OLD = tuple(c for c in _BUNQ if c != "Account")
_NO_ACCOUNT = ACCOUNT_NOT_STATED


def _bunq(name: str, columns: tuple[str, ...], delimiter: str) -> Dialect:
    has_account = "Account" in columns
    return Dialect(
        name=name, bank="bunq", columns=columns, delimiter=delimiter, decimal="",
        booking_date="Date", value_date="Interest Date", amount="Amount",
        account="Account" if has_account else None, counterparty_iban="Counterparty",
        counterparty_name="Name", description=("Description",),
        problems_note=None if has_account else _NO_ACCOUNT,
    )  # fmt: skip


BUNQ = _bunq("bunq", _BUNQ, ",")
BUNQ_NL = _bunq("bunq-nl", _BUNQ, ";")
BUNQ_OLD = _bunq("bunq-old", _BUNQ_OLD, ",")
BUNQ_OLD_NL = _bunq("bunq-old-nl", _BUNQ_OLD, ";")


def _triodos_shape(row: Sequence[str]) -> bool:
    return (
        len(row) == 9
        and row[3] in ("Credit", "Debet")
        and bool(_DATE_LIKE.fullmatch(row[0]))
        and bool(_ACCOUNT.fullmatch(row[1].replace(" ", "")))
    )


TRIODOS = Dialect(
    name="triodos", bank="Triodos", has_header=False, fallback_encoding="iso-8859-15",
    date_style=DateStyle.DMY, thousands=".", shape=_triodos_shape,
    columns=("datum", "rekeningnummer", "bedrag", "credit/debet", "naam tegenpartij",
             "tegenrekening", "code", "omschrijving", "saldo na boeking"),
    booking_date="datum", account="rekeningnummer", amount="bedrag", sign="credit/debet",
    debit=("Debet",), credit=("Credit",), counterparty_name="naam tegenpartij",
    counterparty_iban="tegenrekening", code="code", description=("omschrijving",),
    balance="saldo na boeking",
)  # fmt: skip

DIALECTS: tuple[Dialect, ...] = (
    ING_NL, ING_EN, ING_OLD, ING_SAVINGS, RABOBANK, KNAB, BUNQ, BUNQ_NL, BUNQ_OLD, BUNQ_OLD_NL,
    ASN, SNS, REGIOBANK, TRIODOS, ABN_AMRO,
)  # fmt: skip
