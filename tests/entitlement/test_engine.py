"""The vectorised engine: parameters per month, logic per date, missing values, every step kept."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from entitlement.rules.engine import evaluate, reason_codes
from entitlement.rules.errors import InputError
from entitlement.rules.loader import read_regeling
from entitlement.rules.registry import Rules, build

TOPUP = """\
formaat: hhb-regeling
versie: 1
regeling: aanvulling
naam: Aanvulling
niveau: landelijk
bron: {titel: Testwet}
betaling: per maand
omschrijving: Vult het inkomen aan tot een norm die in januari en juli verandert.
parameters:
  norm:
    label: norm
    eenheid: euro/maand
    waarden:
      - {geldig_van: 2025-01-01, geldig_tot: 2025-06-30,
         waarde: "1000", bron: t, status: geverifieerd}
      - {geldig_van: 2025-07-01, geldig_tot: 2025-12-31,
         waarde: "1100", bron: t, status: geverifieerd}
      - {geldig_van: 2026-01-01, geldig_tot: 2026-06-30,
         bron: t, status: niet gevonden, toelichting: nog niet bekend}
      - {geldig_van: 2026-07-01, waarde: "1200", bron: t, status: schatting}
  per_kind:
    label: bedrag per kind
    eenheid: euro/maand
    tabel: true
    waarden:
      - geldig_van: 2025-01-01
        tabel:
          - {leeftijd_van: 0, leeftijd_tot: 11, waarde: "10"}
          - {leeftijd_van: 12, leeftijd_tot: 17, waarde: "20"}
        bron: t
        status: geverifieerd
versies:
  - geldig_van: 2025-01-01
    geldig_tot: 2025-12-31
    stappen:
      - {naam: tekort, label: Tekort, formule: norm - netto_inkomen_maand, eenheid: euro/maand}
      - {naam: kinderdeel, label: Kinderdeel, formule: som_kinderen(per_kind), eenheid: euro/maand}
      - {naam: dubbel, label: Dubbele norm, formule: 2 * norm, eenheid: euro/maand}
      - {naam: bedrag, label: Bedrag, formule: "max(0, tekort) + kinderdeel", eenheid: euro/maand}
    voorwaarden:
      - {code: te_rijk, label: Niet te rijk, eis: vermogen <= 1000, grondslag: t, uitleg: te rijk}
    uitkomst: {maand: bedrag}
  - geldig_van: 2026-01-01
    toelichting: nieuwe formule
    stappen:
      - {naam: tekort, label: Tekort, formule: norm - netto_inkomen_maand / 2, eenheid: euro/maand}
      - {naam: bedrag, label: Bedrag, formule: "max(0, tekort)", eenheid: euro/maand}
      - {naam: per_persoon, label: Per persoon, formule: bedrag / aantal_personen,
         eenheid: euro/maand}
    voorwaarden:
      - {code: te_rijk, label: Niet te rijk, eis: vermogen <= 2000, grondslag: t, uitleg: te rijk}
    uitkomst: {maand: bedrag}
"""

LOCAL = """\
formaat: hhb-regeling
versie: 1
regeling: extra_gm0344
naam: Extra Utrecht
niveau: gemeentelijk
gemeente: GM0344
bron: {titel: Verordening}
betaling: eenmalig per jaar
omschrijving: Een bedrag bovenop de aanvulling, alleen in Utrecht.
parameters: {}
versies:
  - geldig_van: 2025-01-01
    stappen:
      - {naam: bedrag, label: Bedrag, formule: aanvulling.bedrag / 10, eenheid: euro/maand}
    voorwaarden: []
    uitkomst: {maand: bedrag}
"""


@pytest.fixture(scope="module")
def rules() -> Rules:
    return build(
        [
            read_regeling(TOPUP.encode(), "aanvulling.yaml", "aanvulling"),
            read_regeling(LOCAL.encode(), "extra_gm0344.yaml", "extra_gm0344"),
        ]
    )


def frame(**columns: list[object]) -> pl.DataFrame:
    n = len(columns["month"])
    base: dict[str, list[object]] = {
        "netto_inkomen_maand_cents": [40000] * n,
        "vermogen_cents": [0] * n,
        "kinderen_leeftijden": [[]] * n,
        "aantal_personen": [1] * n,
        "gemeente": ["GM0344"] * n,
    }
    base.update(columns)
    return pl.DataFrame(
        base,
        schema_overrides={
            "kinderen_leeftijden": pl.List(pl.Int16),
            "aantal_personen": pl.Int16,
            "netto_inkomen_maand_cents": pl.Int64,
            "vermogen_cents": pl.Int64,
        },
    )


def months(*texts: str) -> list[object]:
    return [dt.date.fromisoformat(t + "-01") for t in texts]


def test_parameter_value_is_picked_per_month(rules: Rules) -> None:
    out = evaluate(frame(month=months("2025-03", "2025-06", "2025-07", "2025-12")), rules)
    assert out["aanvulling.tekort"].to_list() == [600.0, 600.0, 700.0, 700.0]
    assert out["aanvulling.dubbel"].to_list() == [2000.0, 2000.0, 2200.0, 2200.0]
    assert out["aanvulling.bedrag_maand_cents"].to_list() == [60000, 60000, 70000, 70000]
    assert out["aanvulling.status"].to_list() == ["recht"] * 4


def test_logic_version_is_picked_by_date_and_steps_of_other_versions_are_null(rules: Rules) -> None:
    out = evaluate(frame(month=months("2025-12", "2026-08")), rules)
    # 2025: norm - income; 2026: norm - income / 2
    assert out["aanvulling.tekort"].to_list() == [700.0, 1000.0]
    assert out["aanvulling.kinderdeel"].to_list() == [0.0, None]
    assert out["aanvulling.per_persoon"].to_list() == [None, 1000.0]


def test_a_period_without_a_value_is_niet_berekend_not_a_number(rules: Rules) -> None:
    out = evaluate(frame(month=months("2026-03", "2026-03"), vermogen_cents=[0, 500_000]), rules)
    assert out["aanvulling.status"].to_list() == ["niet_berekend", "geen_recht"]
    assert out["aanvulling.recht"].to_list() == [None, False]
    assert out["aanvulling.bedrag_maand_cents"].to_list() == [None, 0]
    assert out["aanvulling.tekort"].to_list() == [None, None]
    codes = reason_codes(out, rules["aanvulling"]).to_list()
    assert codes == [["niet_berekend"], ["te_rijk"]]


def test_an_empty_input_is_niet_berekend(rules: Rules) -> None:
    out = evaluate(
        frame(month=months("2025-01", "2025-01"), netto_inkomen_maand_cents=[None, 0]), rules
    )
    assert out["aanvulling.status"].to_list() == ["niet_berekend", "recht"]
    assert out["aanvulling.kinderdeel"].to_list() == [0.0, 0.0]  # does not use the income


def test_children_table_sums_over_the_children(rules: Rules) -> None:
    out = evaluate(
        frame(month=months("2025-01", "2025-01"), kinderen_leeftijden=[[3, 12, 17, 18], None]),
        rules,
    )
    assert out["aanvulling.kinderdeel"].to_list() == [50.0, None]


def test_municipal_scheme_only_where_it_applies(rules: Rules) -> None:
    out = evaluate(
        frame(month=months("2025-01", "2025-01", "2025-01"), gemeente=["GM0344", "GM0307", None]),
        rules,
    )
    assert out["extra_gm0344.status"].to_list() == [
        "recht",
        "niet_van_toepassing",
        "niet_berekend",
    ]
    assert out["extra_gm0344.bedrag"].to_list() == [60.0, None, None]
    assert out["aanvulling.status"].to_list() == ["recht"] * 3
    codes = reason_codes(out, rules["extra_gm0344"]).to_list()
    assert codes == [[], ["andere_gemeente"], ["niet_berekend"]]


def test_months_without_rules_are_buiten_periode(rules: Rules) -> None:
    out = evaluate(frame(month=months("2024-12")), rules, ["aanvulling"])
    assert out["aanvulling.status"].to_list() == ["niet_berekend"]
    assert reason_codes(out, rules["aanvulling"]).to_list() == [["buiten_periode"]]


def test_division_by_zero_is_niet_berekend(rules: Rules) -> None:
    out = evaluate(frame(month=months("2026-08", "2026-08"), aantal_personen=[0, 2]), rules)
    assert out["aanvulling.per_persoon"].to_list() == [None, 500.0]
    assert out["aanvulling.status"].to_list() == ["recht", "recht"]  # not the outcome step


def test_blocks_of_rows_give_the_same_result_as_one_block(rules: Rules) -> None:
    rng = np.random.default_rng(5)
    n = 500
    all_months = months("2025-01", "2025-06", "2025-07", "2026-02", "2026-09")
    f = frame(
        month=[all_months[i] for i in rng.integers(0, len(all_months), n)],
        netto_inkomen_maand_cents=rng.integers(0, 200_000, n).tolist(),
        vermogen_cents=rng.integers(0, 300_000, n).tolist(),
        gemeente=[["GM0344", "GM0307"][i] for i in rng.integers(0, 2, n)],
        aantal_personen=rng.integers(1, 5, n).tolist(),
    )
    whole = evaluate(f, rules, chunk_rows=1 << 20)
    blocks = evaluate(f, rules, chunk_rows=7)
    assert whole.equals(blocks, null_equal=True)
    by_month = evaluate(f.sort("month"), rules, chunk_rows=64)
    assert by_month.sort(pl.all()).equals(whole.sort("month").sort(pl.all()), null_equal=True)


def test_missing_or_wrong_columns_are_refused_in_dutch(rules: Rules) -> None:
    f = frame(month=months("2025-01")).drop("vermogen_cents")
    with pytest.raises(InputError, match="vermogen_cents"):
        evaluate(f, rules)
    f = frame(month=months("2025-01")).with_columns(pl.col("vermogen_cents").cast(pl.Float64))
    with pytest.raises(InputError, match="heeft type Float64"):
        evaluate(f, rules)
    with pytest.raises(InputError, match="eerste dag"):
        evaluate(frame(month=[dt.date(2025, 1, 15)]), rules)
    with pytest.raises(InputError, match="onbekende regeling"):
        evaluate(frame(month=months("2025-01")), rules, ["huurtoesla"])


def test_only_the_columns_the_chosen_regelingen_need() -> None:
    f = pl.DataFrame(
        {
            "month": months("2025-01"),
            "toetsingsinkomen_jaar_cents": [2_000_000],
            "partner": [False],
            "leeftijd": [30],
            "vermogen_cents": [0],
        }
    )
    out = evaluate(f, regelingen=["zorgtoeslag"])
    assert out["zorgtoeslag.bedrag_jaar_cents"].to_list() == [157300]
    assert [c for c in out.columns if c.startswith("kinderbijslag")] == []


def test_a_column_only_a_dependency_needs_may_be_absent(rules: Rules) -> None:
    f = frame(month=months("2025-03")).drop("netto_inkomen_maand_cents")
    with pytest.raises(InputError, match="netto_inkomen_maand_cents"):
        evaluate(f, rules)  # aanvulling itself needs it
    out = evaluate(f, rules, ["extra_gm0344"])  # uses aanvulling.bedrag, which needs it
    assert out["aanvulling.status"].to_list() == ["niet_berekend"]
    assert out["extra_gm0344.status"].to_list() == ["niet_berekend"]
    assert out["aanvulling.dubbel"].to_list() == [2000.0]  # a step without the income still works
