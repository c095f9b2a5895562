"""The cast of the demo world: banks, ketenpartners, municipalities, names.

Organisation names and the wording of their descriptions follow what Dutch bank statements show,
so that the payer registry (``ingest.payers``) and a coach recognise them. Every account number is
invented: own accounts get a bank code and a number that fails the Dutch eleven test, so they
cannot be a real (non-ING) account; counterparty accounts are derived from the organisation's
name and are fictitious too (the payer registry recognises these payers by name and text).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from enum import StrEnum

from ingest.text import iban_from_nl_bban


class Fmt(StrEnum):
    """The file families a bank writes; the dialect name says which variant."""

    MT940 = "mt940"
    CAMT = "camt053"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class Bank:
    """A bank and the exports its customers download, most common first."""

    name: str
    code: str
    weight: int
    exports: tuple[tuple[Fmt, str], ...]

    @property
    def csv_dialect(self) -> str:
        return next(d for f, d in self.exports if f is Fmt.CSV)


BANKS: tuple[Bank, ...] = (
    Bank("ING", "INGB", 34, ((Fmt.CAMT, "001.02"), (Fmt.MT940, "ing-structured"),
                             (Fmt.CSV, "ing-nl"))),
    Bank("Rabobank", "RABO", 20, ((Fmt.CSV, "rabobank"), (Fmt.CAMT, "001.02"),
                                  (Fmt.MT940, "rabobank-structured"))),
    Bank("ABN AMRO", "ABNA", 13, ((Fmt.MT940, "abnamro"), (Fmt.CSV, "abnamro-tab"))),
    Bank("SNS", "SNSB", 9, ((Fmt.CSV, "sns"), (Fmt.MT940, "volksbank"), (Fmt.CAMT, "001.02"))),
    Bank("ASN", "ASNB", 4, ((Fmt.CSV, "asn"), (Fmt.MT940, "volksbank"))),
    Bank("RegioBank", "RBRB", 4, ((Fmt.CSV, "regiobank"), (Fmt.MT940, "volksbank"))),
    Bank("Triodos", "TRIO", 3, ((Fmt.CSV, "triodos"), (Fmt.MT940, "triodos"))),
    Bank("Knab", "KNAB", 5, ((Fmt.CSV, "knab"), (Fmt.MT940, "knab-structured"))),
    Bank("bunq", "BUNQ", 8, ((Fmt.CSV, "bunq"), (Fmt.CSV, "bunq-nl"))),
)  # fmt: skip


def own_iban(rng: random.Random, bank: Bank) -> str:
    """A fictitious account at ``bank``: ten digits that fail the eleven test (so no real
    Dutch account number can come out)."""
    while True:
        digits = f"{rng.randrange(10**8, 10**10):010d}"
        if sum(int(d) * w for d, w in zip(digits, range(10, 0, -1), strict=True)) % 11:
            return iban_from_nl_bban(digits, bank.code)


def org_iban(name: str) -> str:
    """A stable fictitious IBAN for an organisation (same name, same account, every run)."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    number = f"{int.from_bytes(digest, 'big') % 10**9:09d}1"
    return iban_from_nl_bban(number, ("INGB", "RABO", "ABNA", "BNGH")[digest[0] % 4])


@dataclass(frozen=True, slots=True)
class Party:
    """A counterparty as statements show it."""

    name: str
    iban: str
    creditor_id: str | None = None
    registry_id: str = ""  # payer id in ingest/payers/registry.yaml, for benefit files


def party(name: str, *, collects: bool = False, registry_id: str = "") -> Party:
    """Organisations that collect by direct debit get a (fictitious) incassant id."""
    creditor = None
    if collects:
        digest = hashlib.blake2b(name.encode(), digest_size=4).hexdigest().upper()
        creditor = f"NL{int(digest[:2], 16) % 90 + 10}ZZZ3{int(digest, 16) % 10**7:07d}0000"
    return Party(name, org_iban(name), creditor, registry_id)


UWV = party("UWV", registry_id="uwv")
SVB = party("SVB", registry_id="svb")
TOESLAGEN = party("BELASTINGDIENST/TOESLAGEN", registry_id="belastingdienst_toeslagen")
CJIB = party("CJIB")
BGHU = party("BghU", collects=True)
VITENS = party("Vitens", collects=True)


@dataclass(frozen=True, slots=True)
class Municipality:
    code: str
    name: str
    werk_en_inkomen: Party
    postcodes: tuple[int, int]
    wijken: int
    corporations: tuple[str, ...]


MUNICIPALITIES: tuple[Municipality, ...] = (
    Municipality("GM0344", "Utrecht", party("GEMEENTE UTRECHT",
                 registry_id="gemeente_utrecht_werk_en_inkomen"), (3511, 3585), 10,
                 ("Portaal", "Mitros", "Bo-Ex", "Woonin", "SSH Student Housing")),
    Municipality("GM0307", "Amersfoort", party("GEMEENTE AMERSFOORT",
                 registry_id="gemeente_amersfoort_werk_en_inkomen"), (3811, 3829), 8,
                 ("Portaal", "De Alliantie", "Omnia Wonen")),
)  # fmt: skip

ENERGY = ("Eneco", "Vattenfall", "Essent", "Greenchoice", "Budget Energie")
INSURERS = ("Zorg en Zekerheid", "CZ Zorgverzekeringen", "Cooperatie VGZ", "Menzis",
            "Zilveren Kruis Achmea")  # fmt: skip
TELECOM = ("KPN", "Odido", "VodafoneZiggo", "Simpel")
CREDITORS = ("CJIB", "Kredietbank Nederland", "Intrum Nederland", "Flanderijn Deurwaarders")
EMPLOYERS = ("Schoonmaakbedrijf Domstad BV", "Zorggroep Eemvallei", "Bouwbedrijf Van Lier BV",
             "Distributiecentrum Nieuwegein BV", "Horeca Groep Oudegracht BV",
             "Thuiszorg De Linde")  # fmt: skip
FLEX_AGENCIES = ("Flexwerk Uitzendbureau BV", "Randstad Groep Nederland", "Tempo-Team")
SHOPS = (("ALBERT HEIJN 1432", 2), ("JUMBO UTRECHT", 2), ("LIDL", 2), ("ALDI", 1),
         ("DIRK VD BROEK", 1), ("ACTION", 1), ("KRUIDVAT", 1), ("HEMA", 1))  # fmt: skip
COACHES = ("jdevries", "abakker", "mjansen", "sbouali", "pvisser", "kyilmaz", "lhendriks")
FIRST_NAMES = ("Fatima", "Mohamed", "Sanne", "Kevin", "Linda", "Ahmed", "Priya", "Jeroen",
               "Anouk", "Yusuf", "Samira", "Dennis", "Naima", "Bas", "Ilse", "Tarik",
               "Esra", "Ruud", "Aylin", "Marco", "Senna", "Daan", "Noor", "Milan", "Lina",
               "Sem", "Amira", "Finn", "Zoë", "Adam")  # fmt: skip
SURNAMES = (
    "de Vries",
    "Jansen",
    "El Amrani",
    "Bakker",
    "Yilmaz",
    "Visser",
    "Smit",
    "Bouzid",
    "Mulder",
    "de Boer",
    "Ramdin",
    "Kaya",
    "Meijer",
    "Hoekstra",
    "Tahiri",
)

MONTHS_NL = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
             "september", "oktober", "november", "december")  # fmt: skip
MONTHS_SHORT = ("JAN", "FEB", "MRT", "APR", "MEI", "JUN", "JUL", "AUG", "SEP", "OKT", "NOV",
                "DEC")  # fmt: skip


def weighted_bank(rng: random.Random) -> Bank:
    return rng.choices(BANKS, weights=[b.weight for b in BANKS])[0]
