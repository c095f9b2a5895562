"""The household profile as the rules see it: who lives there, where, and what they own and pay.

The rules for regelingen need a household *on a date* (a child is born, a partner moves in, a
member turns 18), so members carry an optional membership period and the helpers take a date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """The member's place in the household as the Awir sees it (one aanvrager, one partner)."""

    AANVRAGER = "aanvrager"
    TOESLAGPARTNER = "toeslagpartner"
    KIND = "kind"
    MEDEBEWONER = "medebewoner"


@dataclass(frozen=True, slots=True)
class Period:
    """From ``start`` up to and including ``end``; ``end`` None means still running."""

    start: dt.date
    end: dt.date | None = None

    def contains(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class Member:
    role: Role
    birth_date: dt.date
    name: str | None = None
    student: bool = False
    member_from: dt.date | None = None
    member_until: dt.date | None = None

    def is_member_on(self, day: dt.date) -> bool:
        if day < self.birth_date:
            return False
        if self.member_from is not None and day < self.member_from:
            return False
        return self.member_until is None or day <= self.member_until


@dataclass(frozen=True, slots=True)
class Rent:
    """Monthly rent in cents: kale huur plus the service costs huurtoeslag counts."""

    bare_rent_cents: int
    service_costs_cents: int = 0

    @property
    def total_cents(self) -> int:
        return self.bare_rent_cents + self.service_costs_cents


@dataclass(frozen=True, slots=True)
class Wealth:
    """Vermogen on 1 January of ``year`` (the peildatum of toeslagen and kwijtschelding)."""

    year: int
    amount_cents: int


def age_of(member: Member, day: dt.date) -> int:
    """Age in whole years on ``day``; someone born on 29 February ages on 1 March."""
    years = day.year - member.birth_date.year
    if (day.month, day.day) < (member.birth_date.month, member.birth_date.day):
        years -= 1
    return years


@dataclass(frozen=True, slots=True)
class HouseholdProfile:
    municipality: str
    postcode: str
    members: tuple[Member, ...]
    participation: Period
    coach: str
    wijk: str | None = None
    household_id: str | None = None
    rent: Rent | None = None
    wealth: tuple[Wealth, ...] = ()

    @property
    def applicant(self) -> Member:
        return next(m for m in self.members if m.role is Role.AANVRAGER)

    def members_on(self, day: dt.date) -> tuple[Member, ...]:
        """The members living in the household on ``day`` (born, moved in, not yet left)."""
        return tuple(m for m in self.members if m.is_member_on(day))

    def has_partner(self, day: dt.date | None = None) -> bool:
        """Whether there is a toeslagpartner (on ``day`` if given, else at all)."""
        members = self.members if day is None else self.members_on(day)
        return any(m.role is Role.TOESLAGPARTNER for m in members)

    def children_ages(self, day: dt.date) -> tuple[int, ...]:
        """Ages on ``day`` of the children living at home, youngest first."""
        return tuple(sorted(age_of(m, day) for m in self.members_on(day) if m.role is Role.KIND))

    def wealth_in(self, year: int) -> int | None:
        """Vermogen on 1 January of ``year`` in cents, or None when not recorded."""
        return next((w.amount_cents for w in self.wealth if w.year == year), None)

    def age_of(self, member: Member, day: dt.date) -> int:
        return age_of(member, day)
