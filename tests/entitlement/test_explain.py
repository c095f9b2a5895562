"""A derivation reads one output row and says every step, condition and parameter in Dutch."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl

from entitlement.rules.engine import Outcome, evaluate
from entitlement.rules.explain import explain
from entitlement.rules.inputs import input_schema
from entitlement.rules.registry import default_rules
from entitlement.rules.render import render_text

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "entitlement"


def row(month: str, regeling: str, **values: Any) -> dict[str, Any]:
    data = {"month": dt.date.fromisoformat(month + "-01"), **values}
    schema = input_schema()
    frame = pl.DataFrame([data], schema={k: schema[k] for k in data})
    return evaluate(frame, default_rules(), [regeling]).row(0, named=True)


def zorgtoeslag_row() -> dict[str, Any]:
    return row(
        "2025-03",
        "zorgtoeslag",
        toetsingsinkomen_jaar_cents=2_400_000,
        partner=False,
        leeftijd=35,
        vermogen_cents=0,
    )


def test_zorgtoeslag_derivation_reads_the_row() -> None:
    d = explain(default_rules(), zorgtoeslag_row(), "zorgtoeslag")
    assert d.status is Outcome.RECHT and d.recht is True
    assert (d.month_cents, d.year_cents) == (13108, 157300)
    names = [s.name for s in d.steps]
    assert names.index("inkomen_boven_drempel") < names.index("normpremie")
    normpremie = next(s for s in d.steps if s.name == "normpremie")
    assert normpremie.text == "€ 538,58 per jaar"
    assert normpremie.formula.startswith("pct_drempel * drempelinkomen")
    assert normpremie.parameters == ("drempelinkomen", "afbouw")
    assert normpremie.explanation == (
        "1,896% van het drempelinkomen plus 13,7% van het inkomen boven het drempelinkomen: "
        "€ 538,58."
    )
    premie = next(p for p in d.parameters if p.name == "standaardpremie")
    assert premie.value == "€ 2.112,00 per jaar" and premie.status == "geverifieerd"
    assert premie.period == "vanaf 01-01-2025 t/m 31-12-2025"
    assert all(c.satisfied for c in d.conditions)
    assert json.loads(json.dumps(d.as_dict()))["status"] == "recht"


def test_rendered_derivation_matches_the_golden_file(regen_golden: bool) -> None:
    text = "\n".join(render_text(explain(default_rules(), zorgtoeslag_row(), "zorgtoeslag")))
    path = GOLDEN / "zorgtoeslag_2025_03.txt"
    if regen_golden:
        path.write_text(text + "\n", encoding="utf-8")
    assert text + "\n" == path.read_text(encoding="utf-8")


def test_failed_condition_is_explained_with_the_values() -> None:
    r = row(
        "2025-03",
        "zorgtoeslag",
        toetsingsinkomen_jaar_cents=4_500_000,
        partner=False,
        leeftijd=35,
        vermogen_cents=0,
    )
    d = explain(default_rules(), r, "zorgtoeslag")
    assert d.status is Outcome.GEEN_RECHT
    assert [c for c, _ in d.reasons] == ["inkomen_te_hoog"]
    assert "onder € 24,00 per jaar wordt niets toegekend" in d.reasons[0][1]
    failed = [c.code for c in d.conditions if c.satisfied is False]
    assert failed == ["inkomen_te_hoog"]


def test_missing_parameter_is_named() -> None:
    r = row("2025-08", "kinderbijslag", kinderen_leeftijden=[4])
    d = explain(default_rules(), r, "kinderbijslag")
    assert d.status is Outcome.NIET_BEREKEND and d.month_cents is None
    assert d.reasons[0][0] == "niet_berekend"
    assert "parameter niet gevonden: kinderbijslag per kind per kwartaal" in d.reasons[0][1]
    table = next(p for p in d.parameters if p.name == "bedrag_per_kind")
    assert table.found is False and "SVB" in (table.note or "")
    text = "\n".join(render_text(d))
    assert "status: niet gevonden" in text


def test_municipal_scheme_elsewhere_says_where_it_applies() -> None:
    r = row(
        "2024-05",
        "iit_gm0344",
        gemeente="GM0307",
        leeftijd=40,
        partner=False,
        leeftijd_partner=0,
        kinderen_leeftijden=[],
        student=False,
        uitzicht_op_beter_inkomen=False,
        vermogen_cents=0,
        inkomen_pct_norm_3j=100,
    )
    d = explain(default_rules(), r, "iit_gm0344")
    assert d.status is Outcome.NIET_VAN_TOEPASSING and d.steps == ()
    assert d.reasons == (("andere_gemeente", "Deze regeling geldt alleen in gemeente GM0344."),)


def bijstand_row(month: str, **values: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "leeftijd": 55, "partner": False, "leeftijd_partner": 0, "kostendelers": 0,
        "netto_inkomen_maand_cents": 0, "vermogen_cents": 1_000_00, "kinderen_leeftijden": [],
    }  # fmt: skip
    return row(month, "bijstand", **{**facts, **values})


def test_niet_berekend_names_only_what_this_household_needed() -> None:
    # the 2026 norms are not found; a single 55-year-old needs the norm for singles only
    d = explain(default_rules(), bijstand_row("2026-03"), "bijstand")
    assert d.status is Outcome.NIET_BEREKEND
    [(code, text)] = d.reasons
    assert code == "niet_berekend"
    assert "(norm_alleen)" in text and "(vermogensgrens_alleen)" in text
    for other in ("norm_jongeren", "norm_gehuwd", "norm_aow_alleen", "vermogensgrens_gezin"):
        assert f"({other})" not in text
    assert "gegeven ontbreekt" not in text
    # the parameter table still shows every parameter with its status
    assert {"norm_jongeren", "norm_alleen"} <= {p.name for p in d.parameters if not p.found}


def test_niet_berekend_names_the_missing_fact_on_the_path() -> None:
    d = explain(default_rules(), bijstand_row("2025-03", leeftijd=None), "bijstand")
    assert d.status is Outcome.NIET_BEREKEND
    text = d.reasons[0][1]
    assert "gegeven ontbreekt: leeftijd" in text
    assert "gegeven ontbreekt: kinderen" not in text and "parameter niet gevonden" not in text
