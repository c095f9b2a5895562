"""JSON Schema errors said in Dutch, with the field path a coach can find in the file.

jsonschema reports in English and as a JSON pointer; a coach needs ``leden[1].geboortedatum:
'1985-13-01' is geen geldige datum (jjjj-mm-dd)``. Used by the profile and benefit loaders.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from ingest.errors import IngestError

Path = tuple[str | int, ...]

# What a pattern in our schemas means, in the words used in the error message.
PATTERN_REASONS: dict[str, str] = {
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "is geen geldige datum (jjjj-mm-dd)",
    "^GM[0-9]{4}$": "is geen CBS-gemeentecode (GM en 4 cijfers, bv. GM0344 voor Utrecht)",
    "^[1-9][0-9]{3} ?[A-Z]{2}$": "is geen geldige postcode (4 cijfers, 2 hoofdletters: 3511 AB)",
    "^WK[0-9]{6}$": "is geen CBS-wijkcode (WK en 6 cijfers, bv. WK034401)",
    "^[0-9]+(\\.[0-9]{1,2})?$": "is geen bedrag in euro's (bv. 612.50, punt als decimaalteken)",
    "^-?[0-9]+(\\.[0-9]{1,2})?$": "is geen bedrag in euro's (bv. -12.50, punt als decimaalteken)",
    "^[A-Za-z0-9._@-]{2,64}$": "is geen geldige gebruikersnaam",
}

_TYPES = {
    "string": "tekst",
    "integer": "geheel getal",
    "number": "getal",
    "boolean": "true of false",
    "object": "een blok met velden",
    "array": "een lijst",
    "null": "leeg",
}


def cents_text(cents: int) -> str:
    """``61250`` -> ``"612.50"``: the exact decimal text our formats use for money."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"


def format_path(path: Iterable[str | int]) -> str:
    """``('leden', 1, 'geboortedatum')`` -> ``leden[1].geboortedatum``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(bestand)"


def _reason(error: ValidationError) -> tuple[Path, str]:
    path: Path = tuple(error.absolute_path)
    v, value = error.validator, error.instance
    if v == "required":
        missing = [k for k in error.validator_value if k not in (value or {})]
        return (*path, missing[0]), "ontbreekt (verplicht veld)"
    if v == "additionalProperties":
        extra = sorted(set(value) - set(error.schema.get("properties", {})))
        return (*path, extra[0]), "onbekend veld; controleer de spelling"
    if v == "enum":
        allowed = ", ".join(str(x) for x in error.validator_value)
        return path, f"{value!r} is geen toegestane waarde (kies uit: {allowed})"
    if v == "const":
        return path, f"{value!r} moet {error.validator_value!r} zijn"
    if v == "pattern":
        reason = PATTERN_REASONS.get(str(error.validator_value), "heeft niet de juiste vorm")
        return path, f"{value!r} {reason}"
    if v == "type":
        wanted = error.validator_value
        names = [
            _TYPES.get(str(t), str(t)) for t in (wanted if isinstance(wanted, list) else [wanted])
        ]
        hint = ""
        if isinstance(value, float):
            hint = '; schrijf een bedrag als tekst met een punt, bv. "612.50"'
        return path, f"{value!r} moet {' of '.join(names)} zijn{hint}"
    if v == "oneOf":
        sub = [e for e in error.context or () if e.validator == "pattern"]
        if sub:
            return _reason(sub[0])
        return path, f"{value!r} heeft niet de juiste vorm"
    if v in ("minItems", "minLength"):
        return path, "mag niet leeg zijn"
    if v in ("minimum", "maximum"):
        return path, f"{value!r} ligt buiten het toegestane bereik"
    return path, str(error.message)


def first_error(validator: Draft202012Validator, doc: Any) -> tuple[Path, str] | None:
    """The first schema error in document order, as (field path, Dutch reason)."""
    errors = sorted(
        validator.iter_errors(doc), key=lambda e: [str(p).zfill(6) for p in e.absolute_path]
    )
    return _reason(errors[0]) if errors else None


def line_of(lines: Mapping[Path, int], path: Sequence[str | int]) -> int:
    """The line of a field, or of the nearest enclosing field that has one (missing fields)."""
    p: Path = tuple(path)
    while p:
        if p in lines:
            return lines[p]
        p = p[:-1]
    return lines.get((), 1)


class Fields:
    """Turns schema-checked raw values into typed ones; every failure names path and line."""

    def __init__(self, filename: str, lines: dict[Path, int]) -> None:
        self.filename = filename
        self.lines = lines

    def fail(self, path: Path, reason: str) -> IngestError:
        return IngestError(
            self.filename, line_of(self.lines, path), f"{format_path(path)}: {reason}"
        )

    def line(self, path: Path) -> int:
        return line_of(self.lines, path)

    def date(self, raw: Any, path: Path) -> dt.date:
        try:
            return dt.date.fromisoformat(str(raw))
        except ValueError:
            raise self.fail(path, f"{raw!r} is geen geldige datum (jjjj-mm-dd)") from None

    def opt_date(self, raw: Any, path: Path) -> dt.date | None:
        return None if raw is None else self.date(raw, path)

    def cents(self, raw: Any, path: Path) -> int:
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            raise self.fail(path, f"{raw!r} is geen bedrag in euro's") from None
        cents = value * 100
        if cents != cents.to_integral_value():
            raise self.fail(path, f"{raw!r} heeft meer dan twee decimalen")
        return int(cents)

    def date_range(
        self, start_raw: Any, end_raw: Any, start_path: Path, end_path: Path
    ) -> tuple[dt.date, dt.date | None]:
        """Start and optional end, refusing an end before the start (a typo in a year)."""
        start = self.date(start_raw, start_path)
        end = self.opt_date(end_raw, end_path)
        if end is not None and end < start:
            raise self.fail(end_path, f"'{end}' ligt voor de begindatum '{start}'")
        return start, end
