"""The Nibud minimum the leefgeld is compared with, for the household's composition in a month.

The figures live in ``budget/data/nibud.yaml`` with their source and status; nothing numeric
about the Nibud is written in this module. What is found publicly covers **food only**: the
minimum cost of food per person per day by age (and sex from 14), for a two-person household,
and a correction for the size of the household. The Nibud's other minimum posts that leefgeld
pays for (clothing, personal care, household goods) and the Nibud/NVVK leefgeld guideline
amounts were not found, so every output says ``alleen voeding: overige Nibud-posten niet
gevonden`` (:data:`FOOD_ONLY`) and the minimum is a floor, not the full need.

How the minimum of a month is computed:

1. the members living in the household on the month's first day (the profile of that month,
   :func:`store.profiles.profile_for_month`), each with their age on that day;
2. per member the day amount of their age group; the profile records no sex, so where men and
   women differ the higher amount is taken (a minimum that is too low would make a shortfall
   look like room); children under 1 count for nothing (the Nibud starts at 1 year) and the
   output says so;
3. the sum is corrected for the number of members (1 person +10 %, 2 persons 0, ...);
4. per month = corrected day amount × 365 / 12, per week = × 7, each rounded once to whole
   cents, half to even, in integers.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

import polars as pl
import yaml

from budget.plan_rules import half_even
from ingest.amounts import format_euro
from ingest.profile import HouseholdProfile
from ingest.profile.model import age_of

NORMS_FILE: Final = Path(__file__).with_name("data") / "nibud.yaml"
DAYS_PER_YEAR: Final = 365
"""Per month = per day × 365 / 12 (an average calendar month, leap days aside)."""
OLDEST: Final = 130


class Status(StrEnum):
    GEVERIFIEERD = "geverifieerd"
    TE_VERIFIEREN = "te verifiëren"
    SCHATTING = "schatting"


@dataclass(frozen=True, slots=True)
class FoodCategory:
    code: str
    description: str
    age_from: int
    age_to: int | None
    sex: str
    day_cents: int
    source: str
    status: Status

    def covers(self, age: int) -> bool:
        return self.age_from <= age and (self.age_to is None or age <= self.age_to)


@dataclass(frozen=True, slots=True)
class SizeCorrection:
    persons: int
    and_more: bool
    percent: int
    source: str
    status: Status


@dataclass(frozen=True, slots=True)
class NibudNorms:
    categories: tuple[FoodCategory, ...]
    under_one_cents: int
    under_one_note: str
    corrections: tuple[SizeCorrection, ...]
    food_only: str
    food_only_note: str
    sources: Mapping[str, str]

    def category_for(self, age: int) -> FoodCategory | None:
        """The group of ``age``; where men and women differ, the one with the higher amount."""
        fitting = [c for c in self.categories if c.covers(age)]
        return max(fitting, key=lambda c: c.day_cents, default=None)

    def correction_for(self, persons: int) -> SizeCorrection:
        for c in sorted(self.corrections, key=lambda c: c.persons, reverse=True):
            if persons == c.persons or (c.and_more and persons >= c.persons):
                return c
        raise ValueError(f"geen Nibud-correctie voor {persons} personen")  # pragma: no cover

    def day_cents_by_age(self) -> list[int]:
        """Day amount per age 0..OLDEST (under 1: the under-one amount)."""
        out = []
        for age in range(OLDEST + 1):
            category = self.category_for(age)
            out.append(self.under_one_cents if category is None else category.day_cents)
        return out


def _cents(text: object) -> int:
    return int((Decimal(str(text)) * 100).to_integral_value())


@functools.cache
def load_norms(path: Path = NORMS_FILE) -> NibudNorms:
    """Read the norm file (once per process)."""
    doc: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    food = doc["voeding"]
    categories = tuple(
        FoodCategory(
            code=c["code"],
            description=c["omschrijving"],
            age_from=int(c["van"]),
            age_to=None if c["tot"] is None else int(c["tot"]),
            sex=c["geslacht"],
            day_cents=_cents(c["bedrag"]),
            source=c["bron"],
            status=Status(c["status"]),
        )
        for c in food["categorieen"]
    )
    corrections = tuple(
        SizeCorrection(
            persons=int(c["personen"]),
            and_more=bool(c.get("en_meer", False)),
            percent=int(c["procent"]),
            source=c["bron"],
            status=Status(c["status"]),
        )
        for c in doc["huishoudgrootte"]["correcties"]
    )
    missing = doc["niet_gevonden"]
    return NibudNorms(
        categories=categories,
        under_one_cents=_cents(food["jonger_dan_1"]["bedrag"]),
        under_one_note=" ".join(food["jonger_dan_1"]["toelichting"].split()),
        corrections=corrections,
        food_only=missing["melding"],
        food_only_note=" ".join(missing["toelichting"].split()),
        sources=dict(food["bronnen"]),
    )


FOOD_ONLY: Final = "alleen voeding: overige Nibud-posten niet gevonden"
UNDER_ONE: Final = "jonger dan 1 jaar"


def div_half_even(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half to even (``denominator`` > 0)."""
    quotient, remainder = divmod(numerator, denominator)
    if 2 * remainder > denominator or (2 * remainder == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient


@dataclass(frozen=True, slots=True)
class PersonNorm:
    name: str | None
    role: str
    age: int
    category: str
    day_cents: int
    note: str


@dataclass(frozen=True, slots=True)
class FoodMinimum:
    """The food minimum of one household in one month, with every step."""

    month: dt.date
    persons: tuple[PersonNorm, ...]
    correction: SizeCorrection
    day_cents_sum: int
    month_cents: int
    week_cents: int
    notes: tuple[str, ...]

    @property
    def explanation(self) -> str:
        c = self.correction
        n = len(self.persons)
        size = f"{n} {'persoon' if n == 1 else 'personen'}"
        day = format_euro(self.day_cents_sum)
        factor = f"{100 + c.percent}%"
        return (
            f"som van de dagbedragen {day}; huishouden van {size}: {c.percent:+d}% "
            f"({c.status}); per maand: {day} × {factor} × 365 / 12 = "
            f"{format_euro(self.month_cents)}; per week: {day} × {factor} × 7 = "
            f"{format_euro(self.week_cents)}"
        )


def _month_week(day_cents_sum: int, percent: int) -> tuple[int, int]:
    corrected = day_cents_sum * (100 + percent)  # cents × 100
    month = div_half_even(corrected * DAYS_PER_YEAR, 100 * 12)
    week = div_half_even(corrected * 7, 100)
    return month, week


def food_minimum(
    profile: HouseholdProfile, month: dt.date, norms: NibudNorms | None = None
) -> FoodMinimum:
    """The food minimum for the members living in the household on the month's first day."""
    norms = norms or load_norms()
    day = month.replace(day=1)
    persons: list[PersonNorm] = []
    notes: list[str] = [norms.food_only]
    for member in profile.members_on(day):
        age = age_of(member, day)
        category = norms.category_for(age)
        if category is None:
            persons.append(
                PersonNorm(
                    member.name,
                    str(member.role),
                    age,
                    UNDER_ONE,
                    norms.under_one_cents,
                    norms.under_one_note,
                )
            )
            continue
        other = [c for c in norms.categories if c.covers(age) and c is not category]
        label = category.description
        note = f"{label}: {format_euro(category.day_cents)} per dag ({category.status})"
        if other:
            alt = ", ".join(f"{c.description} {format_euro(c.day_cents)}" for c in other)
            note += f"; geslacht staat niet in het profiel: hoogste bedrag gebruikt ({alt})"
            label = f"{label} (geslacht onbekend, hoogste bedrag)"
        persons.append(
            PersonNorm(member.name, str(member.role), age, label, category.day_cents, note)
        )
    if any(p.category == UNDER_ONE for p in persons):
        notes.append(norms.under_one_note)
    correction = norms.correction_for(max(len(persons), 1))
    total = sum(p.day_cents for p in persons)
    month_cents, week_cents = _month_week(total, correction.percent)
    return FoodMinimum(
        day, tuple(persons), correction, total, month_cents, week_cents, tuple(notes)
    )


MEMBER_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "birth_date": pl.Date,
    "member_from": pl.Date,
    "member_until": pl.Date,
}
"""The members of many households (one row per member, the latest profile of each)."""

MINIMUM_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "month": pl.Date,
    "persons": pl.UInt32,
    "day_cents_sum": pl.Int64,
    "correction_percent": pl.Int64,
    "month_cents": pl.Int64,
    "week_cents": pl.Int64,
}


def members_frame(profiles: Iterable[tuple[str, HouseholdProfile]]) -> pl.DataFrame:
    """``(household, profile)`` pairs as :data:`MEMBER_SCHEMA` rows (input building only)."""
    rows = [
        (code, m.birth_date, m.member_from, m.member_until)
        for code, profile in profiles
        for m in profile.members
    ]
    return pl.DataFrame(rows, schema=MEMBER_SCHEMA, orient="row")


def food_minimum_frame(
    members: pl.DataFrame, months: pl.DataFrame, norms: NibudNorms | None = None
) -> pl.DataFrame:
    """:func:`food_minimum` for many households at once (:data:`MINIMUM_SCHEMA`): ``months``
    holds ``household, month``; the same rules, integer arithmetic, no loop per household."""
    norms = norms or load_norms()
    by_age = dict(enumerate(norms.day_cents_by_age()))
    day = pl.col("month").dt.truncate("1mo")
    birth = pl.col("birth_date")
    before_birthday = (day.dt.month() < birth.dt.month()) | (
        (day.dt.month() == birth.dt.month()) & (day.dt.day() < birth.dt.day())
    )
    age = (day.dt.year() - birth.dt.year() - before_birthday.cast(pl.Int32)).clip(0, OLDEST)
    living = (
        (birth <= day)
        & (pl.col("member_from").is_null() | (pl.col("member_from") <= day))
        & (pl.col("member_until").is_null() | (pl.col("member_until") >= day))
    )
    persons = (
        months.select(pl.col("household").cast(pl.String), "month")
        .join(members, on="household", how="left")
        .filter(living)
        .with_columns(day_cents=age.replace_strict(by_age, return_dtype=pl.Int64))
        .group_by("household", "month")
        .agg(persons=pl.len(), day_cents_sum=pl.col("day_cents").sum())
    )
    top = max(c.persons for c in norms.corrections)
    percent = {n: norms.correction_for(n).percent for n in range(1, top + 1)}
    corrected = pl.col("day_cents_sum") * (100 + pl.col("correction_percent"))
    return (
        persons.with_columns(
            correction_percent=pl.col("persons")
            .clip(1, top)
            .cast(pl.Int64)
            .replace_strict(percent, return_dtype=pl.Int64)
        )
        .with_columns(
            month_cents=half_even(corrected, DAYS_PER_YEAR, 100 * 12),
            week_cents=half_even(corrected, 7, 100),
        )
        .select([pl.col(name).cast(dtype) for name, dtype in MINIMUM_SCHEMA.items()])
    )
