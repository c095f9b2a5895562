"""Wage-tax parameters per year, read from ``entitlement/data/tax/<year>.yaml``.

Why data and not code: the figures change every January (and sometimes by a late amendment), a
municipal team must be able to check and complete them without a programmer, and every number
the gross estimate uses must be shown with its source and status. A value that was not found in
a primary source is recorded as ``niet gevonden`` without a value; the estimate then refuses
exactly where that value is needed (see :meth:`TaxYear.missing`), instead of guessing.

Units: amounts are read as euros and kept as integer cents; percentages are kept as integer
*pcm* (thousandths of a percent, 36,97% = 36 970), so every rate of the Belastingdienst (at most
three decimals) is exact and the tax arithmetic stays in integers.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, Generic, TypeVar

import yaml

DATA_DIR: Final = Path(__file__).parent / "data" / "tax"
PCM: Final = 100_000
"""Rates are integer thousandths of a percent: ``amount * rate // PCM``."""

T = TypeVar("T")


class Status(StrEnum):
    """How sure a parameter value is (the same words as the regelingen files)."""

    GEVERIFIEERD = "geverifieerd"
    TE_VERIFIEREN = "te verifiëren"
    SCHATTING = "schatting"
    NIET_GEVONDEN = "niet gevonden"


class TaxDataError(ValueError):
    """A tax parameter file is malformed; the message names the file, the key and the cause."""


class TaxParameterMissing(ValueError):
    """A parameter the estimate needs was not found in a primary source (message in Dutch)."""


@dataclass(frozen=True, slots=True)
class Param(Generic[T]):
    """One parameter: its value (None when not found), status, sources and a note."""

    key: str
    label: str
    value: T | None
    status: Status
    sources: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class Bracket:
    """A box 1 bracket up to and including ``upper_cents`` (None: the top bracket)."""

    upper_cents: int | None
    rate_pcm: int


@dataclass(frozen=True, slots=True)
class TaperedCredit:
    """A credit of ``maximum_cents`` reduced by ``rate_pcm`` of the income above ``start_cents``
    (algemene heffingskorting, ouderenkorting)."""

    maximum_cents: int
    start_cents: int
    rate_pcm: int


@dataclass(frozen=True, slots=True)
class Segment:
    """From ``from_cents`` on: ``amount_cents + rate_pcm * (income - from_cents)``."""

    from_cents: int
    amount_cents: int
    rate_pcm: int


@dataclass(frozen=True, slots=True)
class PiecewiseCredit:
    """A credit built up and phased out in linear pieces (arbeidskorting)."""

    segments: tuple[Segment, ...]


LABELS: Final[dict[str, str]] = {
    "aow_leeftijd": "AOW-leeftijd",
    "schijven_onder_aow": "tarieven box 1 (onder de AOW-leeftijd)",
    "schijven_aow": "tarieven box 1 (AOW-leeftijd)",
    "algemene_heffingskorting_onder_aow": "algemene heffingskorting (onder de AOW-leeftijd)",
    "algemene_heffingskorting_aow": "algemene heffingskorting (AOW-leeftijd)",
    "arbeidskorting_onder_aow": "arbeidskorting (onder de AOW-leeftijd)",
    "arbeidskorting_aow": "arbeidskorting (AOW-leeftijd)",
    "ouderenkorting": "ouderenkorting",
}


@dataclass(frozen=True, slots=True)
class TaxYear:
    year: int
    aow_age: Param[int]
    brackets: Param[tuple[Bracket, ...]]
    brackets_aow: Param[tuple[Bracket, ...]]
    general_credit: Param[TaperedCredit]
    general_credit_aow: Param[TaperedCredit]
    labour_credit: Param[PiecewiseCredit]
    labour_credit_aow: Param[PiecewiseCredit]
    elderly_credit: Param[TaperedCredit]

    def needed(self, *, aow: bool, labour: bool, credits: bool) -> tuple[Param[Any], ...]:
        """The parameters the wage tax of one kind of income needs."""
        if not aow:
            found: list[Param[Any]] = [self.brackets]
            if credits:
                found.append(self.general_credit)
                if labour:
                    found.append(self.labour_credit)
            return tuple(found)
        found = [self.aow_age, self.brackets_aow]
        if credits:
            found += [self.general_credit_aow, self.elderly_credit]
            if labour:
                found.append(self.labour_credit_aow)
        return tuple(found)

    def missing(self, *, aow: bool, labour: bool, credits: bool) -> str | None:
        """Why the gross of this kind of income cannot be estimated, or None when it can."""
        gone = [
            p.label for p in self.needed(aow=aow, labour=labour, credits=credits) if p.value is None
        ]
        if not gone:
            return None
        return (
            f"bruto niet te schatten voor {self.year}: {', '.join(gone)} {self.year} niet "
            f"gevonden in een primaire bron (vul entitlement/data/tax/{self.year}.yaml aan)"
        )


def _euros(value: object, where: str) -> int:
    try:
        cents = Decimal(str(value)) * 100
    except InvalidOperation:
        raise TaxDataError(f"{where}: {value!r} is geen bedrag in euro's") from None
    if cents != cents.to_integral_value():
        raise TaxDataError(f"{where}: {value!r} heeft meer dan twee decimalen")
    return int(cents)


def _pcm(value: object, where: str) -> int:
    try:
        pcm = Decimal(str(value)) * 1000
    except InvalidOperation:
        raise TaxDataError(f"{where}: {value!r} is geen percentage") from None
    if pcm != pcm.to_integral_value() or not -100_000 <= pcm <= 100_000:
        raise TaxDataError(f"{where}: {value!r} is geen percentage met hoogstens 3 decimalen")
    return int(pcm)


def _brackets(value: object, where: str) -> tuple[Bracket, ...]:
    if not isinstance(value, list) or not value:
        raise TaxDataError(f"{where}: verwacht een lijst schijven met 'tot' en 'tarief'")
    out: list[Bracket] = []
    for i, item in enumerate(value):
        at = f"{where}[{i}]"
        if not isinstance(item, dict) or set(item) != {"tot", "tarief"}:
            raise TaxDataError(f"{at}: verwacht precies 'tot' en 'tarief'")
        upper = None if item["tot"] is None else _euros(item["tot"], f"{at}.tot")
        out.append(Bracket(upper, _pcm(item["tarief"], f"{at}.tarief")))
    inner = [b.upper_cents for b in out[:-1] if b.upper_cents is not None]
    if out[-1].upper_cents is not None or len(inner) != len(out) - 1 or inner != sorted(inner):
        raise TaxDataError(f"{where}: schijven oplopend, alleen de laatste met 'tot: null'")
    return tuple(out)


def _tapered(value: object, where: str) -> TaperedCredit:
    keys = {"maximum", "afbouw_vanaf", "afbouwpercentage"}
    if not isinstance(value, dict) or set(value) != keys:
        raise TaxDataError(f"{where}: verwacht precies {', '.join(sorted(keys))}")
    return TaperedCredit(
        _euros(value["maximum"], f"{where}.maximum"),
        _euros(value["afbouw_vanaf"], f"{where}.afbouw_vanaf"),
        _pcm(value["afbouwpercentage"], f"{where}.afbouwpercentage"),
    )


def _piecewise(value: object, where: str) -> PiecewiseCredit:
    if not isinstance(value, list) or not value:
        raise TaxDataError(f"{where}: verwacht een lijst met 'vanaf', 'bedrag', 'percentage'")
    segments = []
    for i, item in enumerate(value):
        at = f"{where}[{i}]"
        if not isinstance(item, dict) or set(item) != {"vanaf", "bedrag", "percentage"}:
            raise TaxDataError(f"{at}: verwacht precies 'vanaf', 'bedrag' en 'percentage'")
        segments.append(
            Segment(
                _euros(item["vanaf"], f"{at}.vanaf"),
                _euros(item["bedrag"], f"{at}.bedrag"),
                _pcm(item["percentage"], f"{at}.percentage"),
            )
        )
    starts = [s.from_cents for s in segments]
    if starts[0] != 0 or starts != sorted(set(starts)):
        raise TaxDataError(f"{where}: 'vanaf' begint bij 0 en loopt op")
    return PiecewiseCredit(tuple(segments))


def _param(doc: dict[str, Any], key: str, parse: Any, where: str) -> Param[Any]:
    raw = doc.get(key)
    at = f"{where}: {key}"
    if not isinstance(raw, dict):
        raise TaxDataError(f"{at}: ontbreekt (zet 'status: niet gevonden' als hij onbekend is)")
    try:
        status = Status(str(raw.get("status")))
    except ValueError:
        raise TaxDataError(f"{at}.status: kies uit {', '.join(s.value for s in Status)}") from None
    sources = raw.get("bron", [])
    sources = [sources] if isinstance(sources, str) else list(sources)
    note = str(raw.get("toelichting", "")).strip()
    if status is Status.NIET_GEVONDEN:
        if "waarde" in raw:
            raise TaxDataError(f"{at}: een waarde die niet gevonden is heeft geen 'waarde'")
        return Param(key, LABELS[key], None, status, tuple(sources), note)
    if "waarde" not in raw or not sources:
        raise TaxDataError(f"{at}: 'waarde' en 'bron' zijn verplicht bij status {status}")
    return Param(key, LABELS[key], parse(raw["waarde"], f"{at}.waarde"), status,
                 tuple(sources), note)  # fmt: skip


def _age(value: object, where: str) -> int:
    if not isinstance(value, int) or not 60 <= value <= 75:
        raise TaxDataError(f"{where}: {value!r} is geen AOW-leeftijd in jaren")
    return value


def parse_tax_year(text: str, where: str) -> TaxYear:
    """Parse one year's file; ``where`` names it in error messages."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TaxDataError(f"{where}: geen geldige YAML ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("jaar"), int):
        raise TaxDataError(f"{where}: 'jaar' ontbreekt")
    unknown = set(doc) - {"jaar", *LABELS}
    if unknown:
        raise TaxDataError(f"{where}: onbekende sleutel(s) {', '.join(sorted(unknown))}")
    return TaxYear(
        year=doc["jaar"],
        aow_age=_param(doc, "aow_leeftijd", _age, where),
        brackets=_param(doc, "schijven_onder_aow", _brackets, where),
        brackets_aow=_param(doc, "schijven_aow", _brackets, where),
        general_credit=_param(doc, "algemene_heffingskorting_onder_aow", _tapered, where),
        general_credit_aow=_param(doc, "algemene_heffingskorting_aow", _tapered, where),
        labour_credit=_param(doc, "arbeidskorting_onder_aow", _piecewise, where),
        labour_credit_aow=_param(doc, "arbeidskorting_aow", _piecewise, where),
        elderly_credit=_param(doc, "ouderenkorting", _tapered, where),
    )


@functools.cache
def load_tax_year(year: int) -> TaxYear:
    """The parameters of ``year``; :class:`TaxParameterMissing` when there is no file at all."""
    path = DATA_DIR / f"{year}.yaml"
    if not path.exists():
        raise TaxParameterMissing(
            f"bruto niet te schatten voor {year}: er zijn geen loonheffingsgegevens voor "
            f"{year} (entitlement/data/tax/{year}.yaml ontbreekt)"
        )
    parsed = parse_tax_year(path.read_text(encoding="utf-8"), str(path.name))
    if parsed.year != year:
        raise TaxDataError(f"{path.name}: 'jaar' is {parsed.year}, verwacht {year}")
    return parsed


def available_years() -> tuple[int, ...]:
    return tuple(sorted(int(p.stem) for p in DATA_DIR.glob("*.yaml") if p.stem.isdigit()))
