"""Properties every regeling must keep, whatever the figures: checked on random households."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from entitlement.rules.engine import column, evaluate
from entitlement.rules.inputs import input_schema
from entitlement.rules.model import Band, Parameter
from entitlement.rules.registry import Rules, default_rules

INCOME_TESTED = ("zorgtoeslag", "kindgebonden_budget", "huurtoeslag", "bijstand", "kwijtschelding")


def household(month: dt.date, income_cents: int, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "month": month,
        "toetsingsinkomen_jaar_cents": income_cents,
        "netto_inkomen_maand_cents": income_cents // 14,
        "partner": False,
        "leeftijd": 35,
        "leeftijd_partner": 0,
        "kinderen_leeftijden": [],
        "aantal_personen": 1,
        "kostendelers": 0,
        "kale_huur_cents": 70_000,
        "servicekosten_cents": 2_000,
        "vermogen_cents": 0,
        "gemeente": "GM0344",
        "student": False,
        "inkomen_pct_norm_3j": 100,
        "inkomen_pct_norm_5j": 100,
        "uitzicht_op_beter_inkomen": False,
        "gemeentelijke_belastingen_jaar_cents": 60_000,
    }
    row.update(extra)
    return row


def as_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = input_schema()
    wanted = {k: schema[k] for k in rows[0]}
    return pl.DataFrame(rows, schema=wanted).cast(wanted)  # type: ignore[arg-type]


@settings(max_examples=80, deadline=None)
@given(
    month=st.sampled_from([dt.date(y, m, 1) for y in (2024, 2025, 2026) for m in (1, 6, 7, 12)]),
    low=st.integers(0, 8_000_000),
    extra=st.integers(0, 4_000_000),
    partner=st.booleans(),
    children=st.lists(st.integers(0, 17), max_size=4),
)
def test_more_income_never_gives_more_toeslag(
    month: dt.date, low: int, extra: int, partner: bool, children: list[int]
) -> None:
    people = 1 + int(partner) + len(children)
    rows = [
        household(
            month,
            income,
            partner=partner,
            leeftijd_partner=35 if partner else 0,
            kinderen_leeftijden=children,
            aantal_personen=people,
        )
        for income in (low, low + extra)
    ]
    out = evaluate(as_frame(rows), default_rules(), INCOME_TESTED)
    for name in INCOME_TESTED:
        poorer, richer = out[column(name, "bedrag_maand_cents")].to_list()
        if poorer is not None and richer is not None:
            assert richer <= poorer, name


def _with_parameter(rules: Rules, regeling: str, param: str, when: dt.date, factor: float) -> Rules:
    """A copy of the rules where one parameter version (the one valid on ``when``) is changed."""
    reg = rules[regeling]
    old = reg.parameters[param]
    versions = tuple(
        dataclasses.replace(
            v,
            value=None if v.value is None else v.value * factor,
            bands=tuple(Band(b.low, b.high, b.value * factor, b.text) for b in v.bands),
        )
        if v.covers(when)
        else v
        for v in old.versions
    )
    new_param: Parameter = dataclasses.replace(old, versions=versions)
    new_reg = dataclasses.replace(reg, parameters={**reg.parameters, param: new_param})
    return Rules({**rules.regelingen, regeling: new_reg})


@settings(max_examples=15, deadline=None)
@given(
    incomes=st.lists(st.integers(0, 6_000_000), min_size=1, max_size=4),
    children=st.lists(st.integers(0, 17), min_size=1, max_size=3),
)
def test_a_parameter_change_affects_only_the_months_it_is_valid_for(
    incomes: list[int], children: list[int]
) -> None:
    rules = default_rules()
    months = [dt.date(y, m, 1) for y in (2024, 2025) for m in range(1, 13)]
    rows = [
        household(m, inc, kinderen_leeftijden=children, aantal_personen=1 + len(children))
        for inc in incomes
        for m in months
    ]
    frame = as_frame(rows)
    cases = [
        ("kinderbijslag", "bedrag_per_kind", dt.date(2024, 7, 1)),  # 2024-07 .. 2024-12
        ("zorgtoeslag", "standaardpremie", dt.date(2025, 1, 1)),  # 2025
    ]
    for regeling, param, when in cases:
        before = evaluate(frame, rules, [regeling])
        after = evaluate(frame, _with_parameter(rules, regeling, param, when, 1.5), [regeling])
        version = rules[regeling].parameters[param].version_on(when)
        assert version is not None
        valid = pl.col("month").is_between(version.valid_from, version.valid_to or dt.date.max)
        amount = column(regeling, "bedrag_maand_cents")
        outside_before = before.filter(~valid)[amount]
        outside_after = after.filter(~valid)[amount]
        assert outside_before.equals(outside_after), regeling
        inside_before = before.filter(valid)[amount]
        inside_after = after.filter(valid)[amount]
        changed = (inside_before != inside_after).fill_null(False)
        # a kinderbijslag amount always changes; a zorgtoeslag amount where there is a right
        if regeling == "kinderbijslag":
            assert changed.all()
        else:
            had_right = before.filter(valid)[column(regeling, "status")] == "recht"
            assert (changed | ~had_right).all()
