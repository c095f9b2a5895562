"""The budget lines (rubrieken) a coach sorts a month into, and the small word lists behind the
heuristics of :mod:`budget.classify`.

Why a closed list: the month overview, the signals and the analyst's aggregates all group by
rubriek, so a typo must not create a new line. The list follows how a Huishoudboekje coach talks
about a household's money:

======================== =====================================================================
rubriek                  what goes in it
======================== =====================================================================
inkomen                  salary and wages (employer, uitzendbureau)
uitkering                benefits: UWV (WW, WIA, Ziektewet, TW), SVB (AOW, Anw), bijstand, IIT
toeslag                  Belastingdienst/Toeslagen: zorgtoeslag, huurtoeslag, kindgebonden budget
kinderbijslag            SVB kinderbijslag (quarterly; its own line because it is per child)
studiefinanciering       DUO money in
huur                     rent to a housing corporation or landlord
energie                  gas, electricity, district heating (also the yearly settlement)
water                    drinking water company
zorgverzekering          health insurance premium (and eigen risico)
eigen_bijdrage_zorg      CAK (Wmo, Wlz)
gemeentelijke_belastingen OZB, afvalstoffenheffing, rioolheffing (municipality or tax office)
waterschapsbelasting     water board taxes
belastingen              national taxes: inkomstenbelasting, voorlopige aanslag or teruggaaf
telefoon_internet        telecom
verzekeringen            other insurance (inboedel, aansprakelijkheid)
aflossing_schulden       payment plans with creditors, CJIB, bailiffs, DUO repayments
leefgeld                 money passed on to the participant's own account (weekly leefgeld,
                         refunds passed on); the ketenpartner is "Huishoudboekje"
eigen_rekening           other transfers between the household's own accounts
boodschappen             card payments at supermarkets and drugstores
contant                  cash withdrawals
overig                   everything the classifier does not recognise (a coach may correct it)
======================== =====================================================================
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from ingest.payers import PayerKind


class Rubriek(StrEnum):
    """A budget line. The values are stored in the database (coach rules): never rename one."""

    INKOMEN = "inkomen"
    UITKERING = "uitkering"
    TOESLAG = "toeslag"
    KINDERBIJSLAG = "kinderbijslag"
    STUDIEFINANCIERING = "studiefinanciering"
    HUUR = "huur"
    ENERGIE = "energie"
    WATER = "water"
    ZORGVERZEKERING = "zorgverzekering"
    EIGEN_BIJDRAGE_ZORG = "eigen_bijdrage_zorg"
    GEMEENTELIJKE_BELASTINGEN = "gemeentelijke_belastingen"
    WATERSCHAPSBELASTING = "waterschapsbelasting"
    BELASTINGEN = "belastingen"
    TELEFOON_INTERNET = "telefoon_internet"
    VERZEKERINGEN = "verzekeringen"
    AFLOSSING_SCHULDEN = "aflossing_schulden"
    LEEFGELD = "leefgeld"
    EIGEN_REKENING = "eigen_rekening"
    BOODSCHAPPEN = "boodschappen"
    CONTANT = "contant"
    OVERIG = "overig"


RUBRIEKEN: Final = tuple(r.value for r in Rubriek)

INCOME_RUBRIEKEN: Final = frozenset(
    {
        Rubriek.INKOMEN,
        Rubriek.UITKERING,
        Rubriek.TOESLAG,
        Rubriek.KINDERBIJSLAG,
        Rubriek.STUDIEFINANCIERING,
    }
)
"""Structural income: what "income dropped" adds up and what the dashboard shows as income.
Refunds and transfers from own accounts are money coming in, but not income a budget can lean
on."""

FIXED_COST_RUBRIEKEN: Final = frozenset(
    {
        Rubriek.HUUR,
        Rubriek.ENERGIE,
        Rubriek.WATER,
        Rubriek.ZORGVERZEKERING,
        Rubriek.EIGEN_BIJDRAGE_ZORG,
        Rubriek.GEMEENTELIJKE_BELASTINGEN,
        Rubriek.WATERSCHAPSBELASTING,
        Rubriek.BELASTINGEN,
        Rubriek.TELEFOON_INTERNET,
        Rubriek.VERZEKERINGEN,
        Rubriek.AFLOSSING_SCHULDEN,
    }
)
"""Fixed costs (*vaste lasten*): when one of these series stops, a bill is probably going
unpaid ("fixed cost stopped: possible arrears"). Leefgeld and own transfers are not in it."""

BUDGET_INCOME_RUBRIEKEN: Final = INCOME_RUBRIEKEN | {Rubriek.BELASTINGEN}
"""The budget's income post: structural income plus a tax refund paid in a rhythm (the monthly
*voorlopige teruggaaf*), which a household can budget on as long as it comes."""

BUDGET_COST_RUBRIEKEN: Final = (FIXED_COST_RUBRIEKEN - {Rubriek.AFLOSSING_SCHULDEN}) | {
    Rubriek.OVERIG
}
"""The budget's fixed-cost post: the fixed costs without debt repayments (their own post,
*aflossing*), plus a recurring payment the classification could not name (a series is a fixed
cost whatever its rubriek)."""

LABELS: Final[dict[Rubriek, str]] = {
    Rubriek.INKOMEN: "inkomen uit werk",
    Rubriek.UITKERING: "uitkering",
    Rubriek.TOESLAG: "toeslag",
    Rubriek.KINDERBIJSLAG: "kinderbijslag",
    Rubriek.STUDIEFINANCIERING: "studiefinanciering",
    Rubriek.HUUR: "huur",
    Rubriek.ENERGIE: "energie",
    Rubriek.WATER: "water",
    Rubriek.ZORGVERZEKERING: "zorgverzekering",
    Rubriek.EIGEN_BIJDRAGE_ZORG: "eigen bijdrage zorg (CAK)",
    Rubriek.GEMEENTELIJKE_BELASTINGEN: "gemeentelijke belastingen",
    Rubriek.WATERSCHAPSBELASTING: "waterschapsbelasting",
    Rubriek.BELASTINGEN: "belastingen (Rijk)",
    Rubriek.TELEFOON_INTERNET: "telefoon en internet",
    Rubriek.VERZEKERINGEN: "overige verzekeringen",
    Rubriek.AFLOSSING_SCHULDEN: "aflossing schulden",
    Rubriek.LEEFGELD: "leefgeld",
    Rubriek.EIGEN_REKENING: "overboeking eigen rekening",
    Rubriek.BOODSCHAPPEN: "boodschappen",
    Rubriek.CONTANT: "contant geld",
    Rubriek.OVERIG: "overig",
}
"""How a rubriek is written for a coach (Dutch)."""

# What a payer kind of the registry means as a budget line. Studiefinanciering out (DUO
# collecting a study debt) and kinderbijslag are refined in the classifier.
KIND_RUBRIEK: Final[dict[PayerKind, Rubriek]] = {
    PayerKind.UITKERING: Rubriek.UITKERING,
    PayerKind.TOESLAG: Rubriek.TOESLAG,
    PayerKind.INKOMEN: Rubriek.INKOMEN,
    PayerKind.HUUR: Rubriek.HUUR,
    PayerKind.ENERGIE: Rubriek.ENERGIE,
    PayerKind.WATER: Rubriek.WATER,
    PayerKind.ZORGVERZEKERING: Rubriek.ZORGVERZEKERING,
    PayerKind.GEMEENTELIJKE_BELASTINGEN: Rubriek.GEMEENTELIJKE_BELASTINGEN,
    PayerKind.WATERSCHAPSBELASTING: Rubriek.WATERSCHAPSBELASTING,
    PayerKind.TELEFOON_INTERNET: Rubriek.TELEFOON_INTERNET,
    PayerKind.STUDIEFINANCIERING: Rubriek.STUDIEFINANCIERING,
    PayerKind.EIGEN_BIJDRAGE_ZORG: Rubriek.EIGEN_BIJDRAGE_ZORG,
    PayerKind.BELASTING: Rubriek.BELASTINGEN,
}

# The name a coach uses for a registry payer, where it differs from the registry's name. The
# registry names organisations formally; the coach's overview names them as the presentation
# does ("Zorg & Zekerheid", "gemeente Utrecht"). Generic entries ("Woningcorporatie (overig)")
# are not listed: for those the counterparty's own name is shown instead (GENERIC_PAYERS).
KETENPARTNER_NAMES: Final[dict[str, str]] = {
    "zorg_en_zekerheid": "Zorg & Zekerheid",
    "gemeente_utrecht_werk_en_inkomen": "gemeente Utrecht",
    "gemeente_amersfoort_werk_en_inkomen": "gemeente Amersfoort",
    "ssh": "SSH",
    "bghu": "BghU",
    "asr": "a.s.r.",
}

GENERIC_PAYERS: Final = frozenset(
    {
        "gemeente_werk_en_inkomen",
        "woningcorporatie",
        "overige_zorgverzekeraars",
        "overige_telecom",
        "belastingkantoren",
        "waterschap",
        "gemeente_belastingen",
    }
)

# When the registry's Belastingdienst entry is matched as a national tax (kind "belasting"),
# the coach calls it the Belastingdienst, not Toeslagen.
BELASTINGDIENST = "Belastingdienst"

# Heuristics. Each list is matched on whole words of the upper-cased, normalised counterparty
# name (or, for card payments without a name, the description). Brand -> name for the coach.
SUPERMARKETS: Final[dict[str, str]] = {
    "ALBERT HEIJN": "Albert Heijn",
    "AH TO GO": "Albert Heijn",
    "JUMBO": "Jumbo",
    "LIDL": "Lidl",
    "ALDI": "Aldi",
    "PLUS": "PLUS",
    "DIRK": "Dirk",
    "DIRK VD BROEK": "Dirk",
    "DEKAMARKT": "DekaMarkt",
    "COOP": "Coop",
    "SPAR": "Spar",
    "VOMAR": "Vomar",
    "HOOGVLIET": "Hoogvliet",
    "POIESZ": "Poiesz",
    "JAN LINDERS": "Jan Linders",
    "NETTORAMA": "Nettorama",
    "EKOPLAZA": "Ekoplaza",
    "ACTION": "Action",
    "KRUIDVAT": "Kruidvat",
    "ETOS": "Etos",
    "HEMA": "HEMA",
    "TREKPLEISTER": "Trekpleister",
}
"""Everyday shops whose card payments are boodschappen (a coach counts Action, Kruidvat and
HEMA there too: it is what leefgeld is spent on)."""

CREDITORS: Final[dict[str, str]] = {
    "CJIB": "CJIB",
    "CENTRAAL JUSTITIEEL INCASSOBUREAU": "CJIB",
    "KREDIETBANK": "Kredietbank",
    "GKB": "Kredietbank",
    "INTRUM": "Intrum",
    "FLANDERIJN": "Flanderijn",
    "GGN": "GGN",
    "DEURWAARDER": "",
    "DEURWAARDERS": "",
    "INCASSOBUREAU": "",
    "INCASSO": "",
    "LOWELL": "Lowell",
    "DIRECT PAY": "Direct Pay",
}
"""Debt collectors and public creditors; "" keeps the counterparty's own name."""

DEBT_TEXTS: Final = ("BETALINGSREGELING", "AFLOSSING", "SCHULDREGELING")

INSURERS: Final[dict[str, str]] = {
    "INTERPOLIS": "Interpolis",
    "CENTRAAL BEHEER": "Centraal Beheer",
    "NATIONALE NEDERLANDEN": "Nationale-Nederlanden",
    "ALLIANZ": "Allianz",
    "ASR SCHADEVERZEKERING": "a.s.r.",
    "UNIVE SCHADE": "Univé",
    "ANWB VERZEKEREN": "ANWB",
    "INSHARED": "InShared",
    "REAAL": "Reaal",
}

SALARY_TEXTS: Final = ("SALARIS", "LOON", "LOONSTROOK", "VAKANTIEGELD", "SALARY")
LEEFGELD_TEXTS: Final = ("LEEFGELD",)
ATM_TEXTS: Final = ("GELDMAAT", "GELDAUTOMAAT", "GEA ", "CASH WITHDRAWAL")
CARD_TEXTS: Final = ("BEA ", "PASNR", "BETAALPAS", "POS ", "APPLE PAY", "GOOGLE PAY")

# Bank transaction codes of the formats we import (see hhb.demo.model and the importers).
ATM_CODES: Final = frozenset({"PMNT-CCRD-CWDL", "GM", "ga", "GEA", "Geldautomaat", "GA"})
CARD_CODES: Final = frozenset({"PMNT-CCRD-POSD", "BA", "bc", "BEA", "Betaalautomaat"})

HUISHOUDBOEKJE = "Huishoudboekje"
EIGEN_REKENING = "eigen rekening"
GELDAUTOMAAT = "Geldautomaat"
ONBEKEND = "onbekend"
