"""The participant from the Huishoudboekje presentation (``seeds/002_*``), to the cent.

"Dagelijks leven van een deelnemer" shows three months of one participant's account: UWV
income, Eneco (with a yearly settlement refunded in month 2 and passed on), Vitens, leefgeld,
Portaal and Zorg & Zekerheid, opening at -85,36 and closing at -281,17 / -279,77 / +273,72.
Months 1-3 of the window reproduce that table exactly; the amounts are the presentation's, the
dates within each month, the references and the person are invented. After month 3 the coach
lowers the leefgeld to what the regular income leaves (290,56), so the balance stops falling.
"""

from __future__ import annotations

import datetime as dt

from hhb.demo import catalog as cat
from hhb.demo import formats
from hhb.demo.dates import add_months, day_in, month_end, working_day_after, working_day_before
from hhb.demo.model import Book, DemoAccount, Household, Kind, Pattern
from hhb.demo.toeslagen import Situation, entitled
from ingest.benefits import BenefitPayment
from ingest.profile import HouseholdProfile, Member, Period, Rent, Role, Wealth
from ingest.text import iban_from_nl_bban

SEED_CODE = "DEMO-SEED"
OPENING = -85_36
WGA, WW = 457_34, 637_68
LEEFGELD, LEEFGELD_LATER = 460_16, 290_56
RENT, PREMIUM, ENERGY, WATER, REFUND = 424_10, 183_15, 171_00, 26_21, 737_50
BACK_PAYMENTS = ((8, 223_28, "NABETALING WGA"), (15, 205_60, "TOESLAGENWET TW"),
                 (22, 268_00, "NABETALING WW"))  # fmt: skip

UWV = cat.UWV
ENECO = cat.party("Eneco", collects=True)
VITENS = cat.VITENS
PORTAAL = cat.party("Portaal")
ZORG = cat.party("Zorg & Zekerheid, afdeling relaties", collects=True)
_REF = "4417302"


def seed_household(first: dt.date, months: int) -> Household:
    bank = next(b for b in cat.BANKS if b.name == "ING")
    fmt, dialect = formats.resolve(bank, 0)
    holder = "E. Bakker"
    account = DemoAccount(iban_from_nl_bban("0751963427", "INGB"), bank, "beheer", fmt,
                          dialect, False, OPENING, holder)  # fmt: skip
    own = cat.Party(holder, iban_from_nl_bban("0663258914", "INGB"))
    book = Book({account.iban: account})
    payments: list[BenefitPayment] = []

    def add(month: dt.date, day: int, cents: int, who: cat.Party, text: str, kind: Kind,
            mandate: str | None = None) -> dt.date:  # fmt: skip
        booked = (working_day_before if cents > 0 or kind is Kind.OUT else working_day_after)(
            day_in(month, day)
        )
        book.add(account, booked, cents, who, text, kind, mandate=mandate)
        return booked

    def uwv(month: dt.date, day: int, cents: int, label: str) -> None:
        period = add_months(month, -1)
        end = month_end(period)
        text = f"{label} {period:%d-%m-%Y} T/M {end:%d-%m-%Y} {_REF}"
        pay = add(month, day, cents, UWV, text, Kind.IN)
        gross = round(cents * 1.22)
        regeling = "wia" if "WGA" in label else "ww" if "WW" in label else "toeslagenwet"
        payments.append(BenefitPayment("uwv", regeling, period, end, pay, gross, gross - cents,
                                       cents, text))  # fmt: skip

    for i in range(months):
        month = add_months(first, i)
        name = f"{cat.MONTHS_NL[month.month - 1]} {month.year}"
        add(month, 1, -RENT, PORTAAL, f"Huur {name} contract {_REF}", Kind.OUT)
        leefgeld = LEEFGELD if i < 3 else LEEFGELD_LATER
        add(month, 3, -leefgeld, own, f"Leefgeld {name} Huishoudboekje", Kind.OUT)
        uwv(month, 5, WGA, "WGA-UITKERING")
        if i == 0:
            add(month, 10, -WATER, VITENS, f"Voorschot drinkwater klantnr {_REF}", Kind.DEBIT,
                f"VIT{_REF}")  # fmt: skip
        if i != 2:
            add(month, 24, -WATER, VITENS, f"Voorschot drinkwater {name} klantnr {_REF}",
                Kind.DEBIT, f"VIT{_REF}")  # fmt: skip
        if i == 1:
            add(month, 12, REFUND, ENECO, f"Jaarafrekening {month.year} klantnummer {_REF} "
                "teruggave", Kind.IN)  # fmt: skip
            add(month, 14, -REFUND, own, "Teruggave energie doorgestort", Kind.OUT)
        else:
            add(month, 18, -ENERGY, ENECO, f"Termijnbedrag {name} klantnummer {_REF}",
                Kind.DEBIT, f"ENE{_REF}")  # fmt: skip
        if i == 2:
            for day, cents, label in BACK_PAYMENTS:
                uwv(month, day, cents, label)
        uwv(month, 24, WW, "WW-UITKERING")
        add(month, 27, -PREMIUM, ZORG, f"Premie zorgverzekering {name} relatienr {_REF}",
            Kind.DEBIT, f"ZV{_REF}")  # fmt: skip

    patterns = {Pattern.SEED, Pattern.WW, Pattern.WIA, Pattern.ENERGY_REFUND}
    if entitled(first.year, (WGA + WW) * 12 * 122 // 100 // 100, Situation(False, RENT, ())):
        patterns.add(Pattern.MISSING_TOESLAG)
    profile = HouseholdProfile(
        municipality="GM0344",
        postcode="3531 KX",
        members=(Member(Role.AANVRAGER, dt.date(1969, 3, 14), "Ellen Bakker"),),
        participation=Period(add_months(first, -7)),
        coach="jdevries",
        wijk="WK034403",
        household_id=SEED_CODE,
        rent=Rent(390_60, 33_50),
        wealth=(Wealth(first.year, 0),),
    )
    return Household(SEED_CODE, 0, profile, (account,), book.sorted_rows(), tuple(payments), (),
                     frozenset(patterns), first, months)  # fmt: skip
