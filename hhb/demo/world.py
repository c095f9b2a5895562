"""Generate one demo household and its money over a window of months (fictitious data).

Every household draws from its own random stream, seeded by ``(seed, index)``: households can be
generated in any order, in parallel, or one at a time, and the same seed gives the same world.
Household 0 is always the participant from the Huishoudboekje presentation (``DEMO-SEED``, see
:mod:`hhb.demo.seed`); the others mix the patterns of :class:`hhb.demo.model.Pattern` with
weights chosen so that a world of ~50 households shows each of them.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from hhb.demo import catalog as cat
from hhb.demo import formats
from hhb.demo.costs import Costs, CostWriter, LeefgeldWriter
from hhb.demo.dates import add_months
from hhb.demo.income import IncomeWriter, Stream, gross_level, monthly_net, net_level
from hhb.demo.model import Book, DemoAccount, Household, Pattern
from hhb.demo.seed import SEED_CODE, seed_household
from hhb.demo.toeslagen import Situation, ToeslagWriter, entitled
from ingest.profile import HouseholdProfile, Member, Period, Rent, Role, Wealth

DEFAULT_START = dt.date(2024, 1, 1)


@dataclass(frozen=True, slots=True)
class Scenario:
    """Forced choices for the first households, so that even a small world shows every pattern
    (the rest of the world is drawn at random)."""

    kind: Pattern | None = None
    change: bool = False
    report_change: bool | None = None
    missing: bool | None = None
    composition: str | None = None
    second_account: bool | None = None


SCENARIOS = (
    Scenario(Pattern.BIJSTAND, composition="parent", missing=False),
    Scenario(Pattern.SALARY_4W, missing=False),
    Scenario(
        Pattern.BIJSTAND, change=True, report_change=False, missing=False, composition="single"
    ),
    Scenario(Pattern.SALARY_MONTHLY, change=True, second_account=True),
    Scenario(Pattern.WW, composition="single", missing=True),
    Scenario(Pattern.PARTTIME_TOPUP, second_account=True),
    Scenario(Pattern.FLEX),
    Scenario(Pattern.WIA, composition="family"),
)


def household_code(index: int) -> str:
    return SEED_CODE if index == 0 else f"DEMO-{index:06d}"


def generate_world(seed: int, households: int, first: dt.date = DEFAULT_START,
                   months: int = 12) -> Iterator[Household]:  # fmt: skip
    for index in range(households):
        yield generate_household(seed, index, first, months)


def generate_household(seed: int, index: int, first: dt.date = DEFAULT_START,
                       months: int = 12) -> Household:  # fmt: skip
    if index == 0:
        return seed_household(first, months)
    scenario = SCENARIOS[index - 1] if index <= len(SCENARIOS) else Scenario()
    rng = random.Random(f"hhb-demo:{seed}:{index}")
    return _Generator(rng, index, first, months, scenario).run()


class _Generator:
    def __init__(self, rng: random.Random, index: int, first: dt.date, months: int,
                 scenario: Scenario) -> None:  # fmt: skip
        self.rng, self.index, self.first, self.months = rng, index, first, months
        self.sc = scenario
        self.patterns: set[Pattern] = {Pattern.LEEFGELD_WEEKLY}
        self.ref = f"{rng.randrange(10**6, 10**7)}"

    def run(self) -> Household:
        rng, first = self.rng, self.first
        muni = rng.choices(cat.MUNICIPALITIES, weights=(6, 4))[0]
        members, partner, births = self._members()
        holder = members[0].name or "Deelnemer"
        bank = cat.weighted_bank(rng)
        fmt, dialect = formats.resolve(bank, 0 if rng.random() < 0.55 else rng.randrange(1, 3))
        quarterly = rng.random() < 0.6
        beheer = DemoAccount(cat.own_iban(rng, bank), bank, "beheer", fmt, dialect, quarterly,
                             rng.randrange(-150_00, 450_00), holder)  # fmt: skip
        accounts = [beheer]
        own_iban = cat.own_iban(rng, bank)
        own_account = None
        if _pick(self.sc.second_account, rng.random() < 0.2):
            own_account = DemoAccount(own_iban, bank, "eigen", fmt, dialect, quarterly,
                                      rng.randrange(0, 120_00), holder)  # fmt: skip
            accounts.append(own_account)
            self.patterns.add(Pattern.SECOND_ACCOUNT)
        book = Book({a.iban: a for a in accounts})

        streams, change = self._income(muni, partner)
        rent = rng.randrange(480_00, 760_00) // 100 * 100 + rng.choice((0, 15, 35, 50)) * 100
        service = rng.choice((0, 2500, 3800, 4850))
        costs = self._costs(muni, rent + service, len(members), partner)
        if costs.tax_term_cents:
            self.patterns.add(Pattern.MUNICIPAL_TAX)
        if costs.debt is not None:
            self.patterns.add(Pattern.DEBT)
        self.patterns.add(Pattern.ENERGY_REFUND if costs.settle_cents > 0 else
                          Pattern.ENERGY_EXTRA)  # fmt: skip

        sit = Situation(partner, rent + service, births)
        income_now = gross_level(streams, first, 0)
        rights = entitled(first.year, income_now, sit)
        received = rights
        if rights and _pick(self.sc.missing, rng.random() < 0.2):
            missing = rights if rng.random() < 0.5 else rights[-1:]
            received = tuple(r for r in rights if r not in missing)
            self.patterns.add(Pattern.MISSING_TOESLAG)
        reported = Pattern.INCOME_DROP in self.patterns or rng.random() < 0.3
        adjust = change if change is not None and _pick(self.sc.report_change, reported) else None
        if received:
            self.patterns.add(Pattern.TOESLAGEN)
            if change is not None and adjust is None:
                self.patterns.add(Pattern.CLAWBACK_RISK)

        incomes = IncomeWriter(book, beheer, rng, first)
        toeslagen = ToeslagWriter(book, beheer, first, self.months, streams, sit, received,
                                  adjust, "9" + self.ref[:6] + "12")  # fmt: skip
        fixed = CostWriter(book, beheer, costs, first)
        leefgeld = LeefgeldWriter(book, beheer, cat.Party(holder, own_iban), own_account,
                                  rng.randrange(0, 5), rng, first)  # fmt: skip
        if births:
            self.patterns.add(Pattern.KINDERBIJSLAG)
        for i in range(self.months):
            incomes.month(streams, i)
            if births:
                quarter = add_months(first, i - 3)
                incomes.kinderbijslag(list(sit.ages(quarter)), i, f"KLANTNR {self.ref}")
            toeslagen.month(i)
            planned = net_level(streams, first, i - 1)
            planned += toeslagen.expected(i - 1) + (sum(28_000 for _ in births) // 3)
            weekly = (planned - fixed.expected(i) - 40_00) * 12 // 52 // 100 * 100
            refund = fixed.month(i)
            leefgeld.month(i, max(weekly, 35_00), refund)

        profile = HouseholdProfile(
            municipality=muni.code,
            postcode=f"{rng.randrange(*muni.postcodes)} {rng.choice('ABCDEGHJKLMNPRSTVWXZ')}"
            f"{rng.choice('ABCDEGHJKLMNPRSTVWXZ')}",
            members=tuple(members),
            participation=Period(add_months(first, -rng.randrange(1, 30))),
            coach=rng.choice(cat.COACHES),
            wijk=f"WK{muni.code[2:]}{rng.randrange(1, muni.wijken + 1):02d}",
            household_id=household_code(self.index),
            rent=Rent(rent, service),
            wealth=tuple(Wealth(y, rng.randrange(0, 3000_00))
                         for y in range(first.year, add_months(first, self.months).year + 1)),
        )  # fmt: skip
        return Household(household_code(self.index), self.index, profile, tuple(accounts),
                         book.sorted_rows(), tuple(incomes.payments + toeslagen.payments),
                         tuple(toeslagen.decisions), frozenset(self.patterns), first,
                         self.months)  # fmt: skip

    def _members(self) -> tuple[list[Member], bool, tuple[dt.date, ...]]:
        rng, year = self.rng, self.first.year
        kind = (
            self.sc.composition
            or rng.choices(("single", "parent", "couple", "family"), weights=(40, 27, 12, 21))[0]
        )

        def born(lo: int, hi: int) -> dt.date:
            return dt.date(year - rng.randrange(lo, hi), rng.randrange(1, 13), rng.randrange(1, 29))

        surname = rng.choice(cat.SURNAMES)
        members = [Member(Role.AANVRAGER, born(22, 64), f"{rng.choice(cat.FIRST_NAMES)} {surname}")]
        partner = kind in ("couple", "family")
        if partner:
            members.append(Member(Role.TOESLAGPARTNER, born(22, 64), rng.choice(cat.FIRST_NAMES)))
        births: list[dt.date] = []
        for _ in range(rng.randrange(1, 4) if kind in ("parent", "family") else 0):
            births.append(born(0, 17))
            members.append(Member(Role.KIND, births[-1], rng.choice(cat.FIRST_NAMES)))
        return members, partner, tuple(sorted(births))

    def _income(self, muni: cat.Municipality, partner: bool) -> tuple[list[Stream], int | None]:
        rng, ref = self.rng, self.ref
        kind = self.sc.kind or rng.choices(
            (Pattern.BIJSTAND, Pattern.WW, Pattern.WIA, Pattern.SALARY_4W,
             Pattern.SALARY_MONTHLY, Pattern.PARTTIME_TOPUP, Pattern.FLEX),
            weights=(30, 11, 10, 14, 10, 14, 11))[0]  # fmt: skip
        self.patterns.add(kind)
        change = rng.randrange(2, self.months - 1) if self.months >= 4 else None
        if change is not None and not self.sc.change and rng.random() > 0.3:
            change = None
        employer = cat.party(rng.choice(cat.EMPLOYERS))
        w_en_i = muni.werk_en_inkomen
        streams: list[Stream] = []
        if kind is Pattern.BIJSTAND:
            end = change if change is not None else 1200
            streams.append(Stream(kind, w_en_i, 0, end=end, couple=partner, ref=ref))
            if change is not None:
                self.patterns.add(Pattern.INCOME_RISE)
                streams.append(
                    Stream(
                        Pattern.SALARY_MONTHLY,
                        employer,
                        rng.randrange(1900_00, 2500_00),
                        start=change,
                        ref=ref,
                    )
                )
        elif kind in (Pattern.WW, Pattern.WIA):
            change = None  # a benefit that stays put; changes are modelled on work and bijstand
            streams.append(Stream(kind, cat.UWV, rng.randrange(900_00, 1700_00), ref=ref))
        elif kind is Pattern.PARTTIME_TOPUP:
            change = None
            salary = Pattern.SALARY_4W if rng.random() < 0.5 else Pattern.SALARY_MONTHLY
            self.patterns.add(Pattern.BIJSTAND)
            streams.append(
                Stream(
                    salary,
                    employer,
                    rng.randrange(450_00, 850_00),
                    ref="parttime",
                    first_pay=self._thursday(),
                )
            )
            streams.append(Stream(kind, w_en_i, 0, couple=partner, ref=ref))
        else:
            net = rng.randrange(1650_00, 2600_00) if kind is not Pattern.FLEX else rng.randrange(
                220_00, 420_00)  # fmt: skip
            payer = employer if kind is not Pattern.FLEX else cat.party(
                rng.choice(cat.FLEX_AGENCIES))  # fmt: skip
            end = change if change is not None else 1200
            if kind is Pattern.SALARY_4W:
                net = net * 12 // 13
            first_pay = self._thursday()
            streams.append(Stream(kind, payer, net, end=end, ref=ref, first_pay=first_pay))
            if change is not None:
                self.patterns.add(Pattern.INCOME_DROP)
                self.patterns.add(Pattern.WW)
                streams.append(Stream(Pattern.WW, cat.UWV, monthly_net(streams[0], self.first, 0)
                                      * 70 // 100, start=change + 1, ref=ref))  # fmt: skip
        if partner and kind not in (Pattern.BIJSTAND, Pattern.WIA) and rng.random() < 0.4:
            self.patterns.add(Pattern.WIA)
            streams.append(Stream(Pattern.WIA, cat.UWV, rng.randrange(500_00, 1100_00), ref=ref))
        return streams, change

    def _thursday(self) -> dt.date:
        """A payday of a 4-weekly series: employers pay on a fixed weekday, here Thursday."""
        day = self.first + dt.timedelta(days=self.rng.randrange(7, 35))
        return day + dt.timedelta(days=(3 - day.weekday()) % 7)

    def _costs(self, muni: cat.Municipality, rent: int, persons: int, partner: bool) -> Costs:
        rng = self.rng
        settle = rng.randrange(40_00, 780_00)
        debt = cat.party(rng.choice(cat.CREDITORS)) if rng.random() < 0.35 else None
        return Costs(
            corporation=cat.party(rng.choice(muni.corporations)),
            rent_cents=rent,
            energy=cat.party(rng.choice(cat.ENERGY), collects=True),
            energy_cents=(90_00 + persons * 25_00 + rng.randrange(0, 60) * 100),
            settle_month=rng.randrange(1, 13),
            settle_cents=settle if rng.random() < 0.55 else -settle,
            insurer=cat.party(rng.choice(cat.INSURERS), collects=True),
            premium_cents=(2 if partner else 1) * rng.randrange(138_00, 162_00),
            water_cents=1200 + persons * 450 + rng.randrange(0, 500),
            telecom=cat.party(rng.choice(cat.TELECOM), collects=True),
            telecom_cents=rng.randrange(15_00, 65_00),
            tax_term_cents=0 if rng.random() < 0.4 else rng.randrange(35_00, 80_00),
            debt=debt,
            debt_cents=rng.randrange(25_00, 150_00) if debt else 0,
            debt_terms=rng.randrange(6, 36) if debt else 0,
            ref=self.ref,
        )


def _pick(forced: bool | None, drawn: bool) -> bool:
    """A scenario's forced choice, else the random one (drawn anyway, to keep streams aligned)."""
    return drawn if forced is None else forced
