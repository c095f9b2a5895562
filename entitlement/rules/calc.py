"""The quick check a coach does during a conversation: one made-up household, one regeling, a year.

The household is not in the database; it is turned into twelve household-months (one per month of
the year, since parameters change within a year) and run through the same engine as everyone
else. What the coach did not say is filled with a stated assumption (age 35, no partner, no
children), and every assumption is listed with the outcome, never silently used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from entitlement.rules.engine import Outcome, column, evaluate
from entitlement.rules.explain import Derivation, explain
from entitlement.rules.frames import used_inputs
from entitlement.rules.inputs import INPUTS, MONTH_COLUMN, input_schema
from entitlement.rules.model import Regeling
from entitlement.rules.registry import Rules
from entitlement.rules.scenarios import derived_defaults

ASSUMED_AGE = 35

# What each input is called on the command line, for "geef --income op".
OPTION_OF = {
    "toetsingsinkomen_jaar": "--income",
    "netto_inkomen_maand": "--net-income",
    "kale_huur": "--rent",
    "servicekosten": "--service-costs",
    "vermogen": "--vermogen",
    "leeftijd": "--age",
    "leeftijd_partner": "--partner-age",
    "kinderen": "--children",
    "aantal_personen": "--persons",
    "kostendelers": "--kostendelers",
    "gemeente": "--municipality",
    "inkomen_pct_norm_3j": "--low-income-pct",
    "inkomen_pct_norm_5j": "--low-income-pct",
    "gemeentelijke_belastingen_jaar": "--taxes",
    "student": "--student",
    "partner": "--partner",
}


class CalcError(ValueError):
    """Something the coach has to add or correct; said in Dutch, naming the option."""


@dataclass(frozen=True)
class MonthLine:
    month: dt.date
    status: Outcome
    month_cents: int | None


@dataclass(frozen=True)
class CalcResult:
    regeling: Regeling
    year: int
    months: tuple[MonthLine, ...]
    derivation: Derivation
    assumptions: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "regeling": self.regeling.name,
            "jaar": self.year,
            "aannames": list(self.assumptions),
            "maanden": [
                {
                    "maand": f"{m.month:%Y-%m}",
                    "status": m.status.value,
                    "bedrag_maand_cents": m.month_cents,
                }
                for m in self.months
            ],
            "afleiding": self.derivation.as_dict(),
        }


def calculate(
    rules: Rules, regeling: str, year: int, given: dict[str, Any], month: int = 1
) -> CalcResult:
    """Run ``regeling`` for the household ``given`` (input names, money in cents) over ``year``."""
    if regeling not in rules:
        raise CalcError(f"onbekende regeling '{regeling}'; zie hhb calc --list")
    reg = rules[regeling]
    needed = used_inputs(rules[regeling])  # dependencies may lack theirs (see engine)
    values = dict(given)
    assumptions: list[str] = []
    if "leeftijd" in needed and values.get("leeftijd") is None:
        values["leeftijd"] = ASSUMED_AGE
        assumptions.append(f"leeftijd aanvrager {ASSUMED_AGE} jaar (geef --age op)")
    if values.get("partner") and values.get("leeftijd_partner") is None:
        values["leeftijd_partner"] = values["leeftijd"]
        if "leeftijd_partner" in needed:
            assumptions.append("partner even oud als de aanvrager (geef --partner-age op)")
    if "gemeente" in needed and values.get("gemeente") is None and reg.municipality:
        values["gemeente"] = reg.municipality
        assumptions.append(f"woont in gemeente {reg.municipality}")
    for name, spec in INPUTS.items():
        if values.get(name) is None and spec.default is not None:
            values[name] = list(spec.default) if isinstance(spec.default, tuple) else spec.default
    values = derived_defaults(values)
    lacking = sorted(n for n in needed if values.get(n) is None)
    if lacking:
        wanted = ", ".join(f"{OPTION_OF.get(n, n)} ({INPUTS[n].label})" for n in lacking)
        raise CalcError(f"voor {reg.title} is nodig: {wanted}")
    row = {INPUTS[n].column: v for n, v in values.items() if v is not None}
    rows = [{MONTH_COLUMN: dt.date(year, m, 1), **row} for m in range(1, 13)]
    schema = input_schema()
    frame = pl.DataFrame(rows, schema={c: schema[c] for c in rows[0]})
    out = evaluate(frame, rules, [regeling])
    lines = tuple(
        MonthLine(
            r[MONTH_COLUMN],
            Outcome(r[column(regeling, "status")]),
            r[column(regeling, "bedrag_maand_cents")],
        )
        for r in out.iter_rows(named=True)
    )
    derivation = explain(rules, out.row(month - 1, named=True), regeling)
    return CalcResult(reg, year, lines, derivation, tuple(assumptions))


def listing(rules: Rules) -> list[dict[str, Any]]:
    """One line per regeling for ``hhb calc --list``."""
    out = []
    for name, reg in sorted(rules.items()):
        first = min(v.valid_from for v in reg.versions)
        ends = [v.valid_to for v in reg.versions]
        last = None if None in ends else max(e for e in ends if e is not None)
        out.append(
            {
                "regeling": name,
                "naam": reg.title,
                "niveau": reg.level.value,
                "gemeente": reg.municipality,
                "betaling": reg.payment.value,
                "geldig_van": first.isoformat(),
                "geldig_tot": last.isoformat() if last else None,
                "bron": reg.source.title,
            }
        )
    return out
