"""A regeling as the engine sees it after loading: parameters, logic versions, steps, conditions.

Everything here is frozen and already checked (schema, dates, expressions, references), so the
vectorised compiler, the per-case evaluator and the derivation all read the same objects and can
trust them. A regeling holds several *logic versions* because the law changes its formula on a
date (huurtoeslag 2026), while parameters change their *values* on dates of their own (bijstand in
January and July, kinderbijslag per quarter); both are picked per month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from entitlement.rules.expr import Expr


class Level(StrEnum):
    LANDELIJK = "landelijk"
    GEMEENTELIJK = "gemeentelijk"


class Status(StrEnum):
    """How sure we are of a parameter value (shown beside every value in a derivation)."""

    GEVERIFIEERD = "geverifieerd"
    TE_VERIFIEREN = "te verifiëren"
    SCHATTING = "schatting"
    NIET_GEVONDEN = "niet gevonden"


class Unit(StrEnum):
    """The unit of a parameter or step; decides how a value is shown (and % is stored /100)."""

    EURO = "euro"
    EURO_JAAR = "euro/jaar"
    EURO_MAAND = "euro/maand"
    EURO_KWARTAAL = "euro/kwartaal"
    PROCENT = "procent"
    JAREN = "jaren"
    AANTAL = "aantal"
    GETAL = "getal"
    JA_NEE = "ja/nee"

    @property
    def is_money(self) -> bool:
        return self.value.startswith("euro")


class Payment(StrEnum):
    """How the right is paid; the outcomes step uses it to find the expected payment window."""

    JAARRECHT_PER_MAAND = "jaarrecht per maand"  # toeslagen: a yearly right, monthly advances
    PER_MAAND = "per maand"  # bijstand
    PER_KWARTAAL = "per kwartaal"  # kinderbijslag, paid after each quarter
    EENMALIG_PER_JAAR = "eenmalig per jaar"  # IIT, kwijtschelding


@dataclass(frozen=True, slots=True)
class Source:
    """Where a value or rule comes from: a title a coach can read and, if known, a URL."""

    title: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Band:
    """One row of an age-banded table: ages ``low`` to ``high`` inclusive get ``value``."""

    low: int
    high: int
    value: float
    text: str  # the value as written in the file (exact decimal)


@dataclass(frozen=True, slots=True)
class ParamVersion:
    """A parameter's value from ``valid_from`` up to and including ``valid_to`` (None: open).

    ``value`` is None (and ``bands`` empty) when the status is *niet gevonden*: the period is
    known to need a value that we could not find in a primary source, so the engine reports
    "parameter niet gevonden" instead of a number. Percentages are stored as fractions.
    """

    valid_from: dt.date
    valid_to: dt.date | None
    value: float | None
    text: str | None
    bands: tuple[Band, ...]
    source: Source
    status: Status
    note: str | None = None
    line: int = 0

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @property
    def found(self) -> bool:
        return self.status is not Status.NIET_GEVONDEN


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    label: str
    unit: Unit
    versions: tuple[ParamVersion, ...]
    is_table: bool = False
    basis: str | None = None

    def version_on(self, day: dt.date) -> ParamVersion | None:
        """The version valid on ``day``; None when no version covers it (also "not found")."""
        for version in self.versions:
            if version.covers(day):
                return version
        return None


@dataclass(frozen=True, slots=True)
class Step:
    """A named intermediate result: kept as a column per household-month."""

    name: str
    label: str
    formula: str
    expr: Expr
    unit: Unit
    explanation: str | None = None
    basis: str | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class Condition:
    """A requirement that must hold for the right; when it fails ``code`` is the reason."""

    code: str
    label: str
    formula: str
    expr: Expr
    basis: str
    explanation: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class LogicVersion:
    """The steps, conditions and outcome in force from ``valid_from`` (a new law, a new formula)."""

    valid_from: dt.date
    valid_to: dt.date | None
    steps: tuple[Step, ...]  # in evaluation (dependency) order
    conditions: tuple[Condition, ...]
    outcome_month: str
    outcome_year: str | None = None
    note: str | None = None
    line: int = 0

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)


@dataclass(frozen=True, slots=True)
class Regeling:
    name: str
    title: str
    level: Level
    municipality: str | None
    source: Source
    payment: Payment
    description: str
    parameters: dict[str, Parameter]
    versions: tuple[LogicVersion, ...]
    file: str = ""
    reason_codes: tuple[str, ...] = field(default=())  # condition codes, bit i = code i

    def version_on(self, day: dt.date) -> LogicVersion | None:
        return next((v for v in self.versions if v.covers(day)), None)

    @property
    def step_names(self) -> tuple[str, ...]:
        """Every step name over all versions, first appearance first (the output columns)."""
        seen: dict[str, None] = {}
        for version in self.versions:
            for step in version.steps:
                seen.setdefault(step.name, None)
        return tuple(seen)

    @property
    def has_year_outcome(self) -> bool:
        return any(v.outcome_year is not None for v in self.versions)
