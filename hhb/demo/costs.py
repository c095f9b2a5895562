"""Fixed costs paid from the beheer account, weekly leefgeld, and the participant's own spending.

The Huishoudboekje pays the vaste lasten and passes the rest on as weekly leefgeld; an energy
refund from the yearly settlement is passed on too (as in the presentation: +737,50 received and
-737,50 passed on), while an extra charge is paid from the beheer account. Leefgeld follows the
*planned* income of the month before, so a sudden drop shows up as a negative balance first.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from hhb.demo.catalog import BGHU, MONTHS_NL, SHOPS, VITENS, Party
from hhb.demo.dates import add_months, day_in, weekdays_in, working_day_after, working_day_before
from hhb.demo.model import Book, DemoAccount, Kind


@dataclass(frozen=True, slots=True)
class Costs:
    """A household's fixed costs; amounts in cents per month unless named otherwise."""

    corporation: Party
    rent_cents: int
    energy: Party
    energy_cents: int
    settle_month: int
    settle_cents: int  # positive: refund, negative: extra charge
    insurer: Party
    premium_cents: int
    water_cents: int
    telecom: Party
    telecom_cents: int
    tax_term_cents: int  # 0: kwijtschelding granted, nothing to pay
    debt: Party | None
    debt_cents: int
    debt_terms: int
    ref: str


class CostWriter:
    def __init__(self, book: Book, account: DemoAccount, costs: Costs, first: dt.date) -> None:
        self.book, self.account, self.c, self.first = book, account, costs, first
        self.energy_cents = costs.energy_cents
        self.passed_on = 0

    def month(self, i: int) -> int:
        """Book month ``i``; returns an energy refund to pass on to the participant (cents)."""
        c, month, add, acc = self.c, add_months(self.first, i), self.book.add, self.account
        name = f"{MONTHS_NL[month.month - 1]} {month.year}"
        add(acc, working_day_before(day_in(month, 1)), -c.rent_cents, c.corporation,
            f"Huur {name} contract {c.ref}", Kind.OUT)  # fmt: skip
        mandate = f"{c.ref}-{c.energy.name[:3].upper()}"
        add(acc, working_day_after(day_in(month, 18)), -self.energy_cents, c.energy,
            f"Termijnbedrag {name} klantnummer {c.ref}", Kind.DEBIT, mandate=mandate)  # fmt: skip
        refund = 0
        if month.month == c.settle_month:
            day = working_day_after(day_in(month, 11))
            text = f"Jaarafrekening {month.year - 1}/{month.year} klantnummer {c.ref}"
            if c.settle_cents > 0:
                add(acc, day, c.settle_cents, c.energy, text + " teruggave", Kind.IN)
                refund = c.settle_cents
                self.energy_cents = self.energy_cents * 9 // 1000 * 100
            else:
                add(acc, day, c.settle_cents, c.energy, text, Kind.DEBIT, mandate=mandate)
                self.energy_cents = self.energy_cents * 115 // 10000 * 100
        add(acc, working_day_after(day_in(month, 24)), -c.water_cents, VITENS,
            f"Voorschot drinkwater {name} klantnr {c.ref}", Kind.DEBIT,
            mandate=f"VIT{c.ref}")  # fmt: skip
        add(acc, working_day_after(day_in(month, 27)), -c.premium_cents, c.insurer,
            f"Premie zorgverzekering {name} relatienr {c.ref}", Kind.DEBIT,
            mandate=f"ZV{c.ref}")  # fmt: skip
        add(acc, working_day_after(day_in(month, 21)), -c.telecom_cents, c.telecom,
            f"Factuur {name} klant {c.ref}", Kind.DEBIT, mandate=f"TEL{c.ref}")  # fmt: skip
        if c.tax_term_cents and 3 <= month.month <= 12:
            add(acc, working_day_after(day_in(month, 28)), -c.tax_term_cents, BGHU,
                f"Aanslag {month.year} termijn {month.month - 2}/10 aanslagnr {c.ref}",
                Kind.DEBIT, mandate=f"BGHU{c.ref}")  # fmt: skip
        if c.debt is not None and 0 <= i < c.debt_terms:
            add(acc, working_day_before(day_in(month, 5)), -c.debt_cents, c.debt,
                f"BETALINGSREGELING {c.ref} TERMIJN {i + 1}/{c.debt_terms}", Kind.OUT)  # fmt: skip
        return refund

    def expected(self, i: int) -> int:
        c, month = self.c, add_months(self.first, i)
        tax = c.tax_term_cents if 3 <= month.month <= 12 else 0
        debt = c.debt_cents if c.debt is not None and i < c.debt_terms else 0
        return (c.rent_cents + self.energy_cents + c.water_cents + c.premium_cents
                + c.telecom_cents + tax + debt)  # fmt: skip


class LeefgeldWriter:
    """Weekly leefgeld to the participant; with a second account, its side of it and spending."""

    def __init__(self, book: Book, beheer: DemoAccount, own: Party, own_account: DemoAccount |
                 None, weekday: int, rng: random.Random, first: dt.date) -> None:  # fmt: skip
        self.book, self.beheer, self.own, self.own_account = book, beheer, own, own_account
        self.weekday, self.rng, self.first = weekday, rng, first
        self.payer = Party("Huishoudboekje " + beheer.holder, beheer.iban)

    def month(self, i: int, weekly_cents: int, refund: int) -> None:
        month = add_months(self.first, i)
        for day in weekdays_in(month, self.weekday):
            week = day.isocalendar().week
            self._transfer(day, weekly_cents, f"Leefgeld week {week} {day.year}")
            self._spend(day, weekly_cents)
        if refund:
            day = working_day_after(day_in(month, 14))
            self._transfer(day, refund, "Teruggave energie doorgestort")

    def _transfer(self, day: dt.date, cents: int, text: str) -> None:
        self.book.add(self.beheer, day, -cents, self.own, text, Kind.OUT)
        if self.own_account is not None:
            self.book.add(self.own_account, day, cents, self.payer, text, Kind.IN)

    def _spend(self, week_start: dt.date, budget: int) -> None:
        acc = self.own_account
        if acc is None:
            return
        rng = self.rng
        left = budget * rng.randrange(80, 100) // 100
        n = rng.randrange(1, 4)
        for k in range(n):
            amount = left if k == n - 1 else rng.randrange(0, left // 2 + 1)
            left -= amount
            day = week_start + dt.timedelta(days=rng.randrange(0, 7))
            if day.month != week_start.month or amount <= 0:
                continue
            if rng.random() < 0.12:
                amount = max(1000, amount // 1000 * 1000)
                self.book.add(acc, day, -amount, None, self._card("GEA", "GELDMAAT", day), Kind.ATM)
                continue
            shop = rng.choices(SHOPS, weights=[w for _, w in SHOPS])[0][0]
            self.book.add(acc, day, -amount, Party(shop, ""), self._card("BEA", shop, day),
                          Kind.CARD)  # fmt: skip

    def _card(self, code: str, merchant: str, day: dt.date) -> str:
        """Card text as ABN AMRO writes it (other banks show the merchant and the pas number)."""
        if self.own_account is not None and self.own_account.dialect == "abnamro-tab":
            return f"{code}   NR:XXX1234 {day:%d.%m.%y}/12.{day.day:02d} {merchant},PAS123"
        return f"{merchant} Pasnr 123 {day:%d-%m-%Y}"
