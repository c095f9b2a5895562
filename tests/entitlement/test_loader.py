"""Rule files are refused with file, line and cause; a valid one becomes checked objects."""

from __future__ import annotations

from pathlib import Path

import pytest

from entitlement.rules.errors import RuleError
from entitlement.rules.loader import read_regeling
from entitlement.rules.model import Status, Unit
from entitlement.rules.registry import Rules, build, load_rules

VALID = """\
formaat: hhb-regeling
versie: 1
regeling: proef
naam: Proef
niveau: landelijk
bron: {titel: Testwet}
betaling: per maand
omschrijving: Een regeling om de lader te toetsen.
parameters:
  norm:
    label: norm
    eenheid: euro/maand
    waarden:
      - {geldig_van: 2025-01-01, geldig_tot: 2025-06-30,
         waarde: "100", bron: t, status: geverifieerd}
      - {geldig_van: 2025-07-01, waarde: "110", bron: t, status: te verifiëren}
  pct:
    label: percentage
    eenheid: procent
    waarden:
      - {geldig_van: 2025-01-01, waarde: "1.896", bron: t, status: geverifieerd}
versies:
  - geldig_van: 2025-01-01
    stappen:
      - naam: bedrag
        label: Bedrag
        formule: max(0, tekort)
        eenheid: euro/maand
        uitleg: Het tekort, niet onder nul ({waarde}).
      - naam: tekort
        label: Tekort
        formule: norm - netto_inkomen_maand
        eenheid: euro/maand
    voorwaarden:
      - code: te_rijk
        label: Niet te rijk
        eis: vermogen <= 1000
        grondslag: Testwet art 1
        uitleg: Het vermogen {vermogen} is te hoog.
    uitkomst: {maand: bedrag}
"""


def load(text: str, *others: str) -> Rules:
    drafts = [read_regeling(text.encode(), "proef.yaml", "proef")]
    drafts += [read_regeling(o.encode(), f"ander{i}.yaml") for i, o in enumerate(others)]
    return build(drafts)


def refused(text: str, *others: str) -> RuleError:
    with pytest.raises(RuleError) as info:
        load(text, *others)
    return info.value


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_a_valid_file_loads_with_steps_in_dependency_order() -> None:
    rules = load(VALID)
    proef = rules["proef"]
    version = proef.versions[0]
    assert [s.name for s in version.steps] == ["tekort", "bedrag"]
    assert proef.reason_codes == ("te_rijk",)
    pct = proef.parameters["pct"]
    assert pct.unit is Unit.PROCENT and pct.versions[0].value == pytest.approx(0.01896)
    assert proef.parameters["norm"].versions[1].status is Status.TE_VERIFIEREN


def test_every_packaged_regeling_loads() -> None:
    rules = load_rules()
    assert {"zorgtoeslag", "kinderbijslag"} <= set(rules)


def test_schema_error_names_field_and_line() -> None:
    text = VALID.replace("betaling: per maand", "betaling: elke week")
    err = refused(text)
    assert err.file == "proef.yaml" and err.line == line_of(text, "betaling:")
    assert "betaling" in err.message and "toegestane waarde" in err.message


def test_unknown_name_in_a_formula_points_at_the_formula_line() -> None:
    text = VALID.replace(
        "formule: norm - netto_inkomen_maand", "formule: nrom - netto_inkomen_maand"
    )
    err = refused(text)
    assert err.line == line_of(text, "nrom")
    assert "onbekende naam 'nrom'" in err.message and "bedoelt u 'norm'" in err.message
    assert "teken 1" in err.message


def test_syntax_error_in_a_formula() -> None:
    text = VALID.replace("formule: max(0, tekort)", "formule: max(0, tekort")
    err = refused(text)
    assert err.line == line_of(text, "formule: max(0, tekort")
    assert "')' verwacht" in err.message


def test_cycle_between_steps_is_refused_naming_the_steps() -> None:
    text = VALID.replace("formule: norm - netto_inkomen_maand", "formule: bedrag - 1")
    err = refused(text)
    assert "kringverwijzing" in err.message
    assert (
        "bedrag -> tekort -> bedrag" in err.message or "tekort -> bedrag -> tekort" in err.message
    )


def test_type_error_mixing_yes_no_and_numbers() -> None:
    text = VALID.replace("eis: vermogen <= 1000", "eis: vermogen + 1000")
    err = refused(text)
    assert err.line == line_of(text, "eis: vermogen")
    assert "ja/nee" in err.message
    text = VALID.replace("formule: max(0, tekort)", "formule: max(0, partner)")
    assert "hoort een getal te staan" in refused(text).message


def test_overlapping_parameter_periods() -> None:
    text = VALID.replace(
        'geldig_van: 2025-07-01, waarde: "110"', 'geldig_van: 2025-06-01, waarde: "110"'
    )
    err = refused(text)
    assert err.line == line_of(text, '"110"') and "overlapt" in err.message


def test_not_found_value_needs_an_explanation_and_no_number() -> None:
    text = VALID.replace(
        '{geldig_van: 2025-07-01, waarde: "110", bron: t, status: te verifiëren}',
        "{geldig_van: 2025-07-01, bron: t, status: niet gevonden}",
    )
    assert "toelichting" in refused(text).message
    text = VALID.replace("status: te verifiëren}", "status: niet gevonden, toelichting: weg}")
    assert "heeft geen waarde" in refused(text).message


def test_unit_must_match_the_formula_type() -> None:
    text = VALID.replace(
        "        eenheid: euro/maand\n    voorwaarden", "        eenheid: ja/nee\n    voorwaarden"
    )
    err = refused(text)
    assert "eenheid" in err.message


def test_outcome_must_be_an_amount_step() -> None:
    err = refused(VALID.replace("uitkomst: {maand: bedrag}", "uitkomst: {maand: bedrg}"))
    assert "uitkomst.maand" in err.message and "bedrg" in err.message


def test_template_placeholders_must_exist() -> None:
    text = VALID.replace("({waarde})", "({wat})")
    err = refused(text)
    assert err.line == line_of(text, "({wat})") and "{wat}" in err.message


def test_municipal_scheme_names_its_municipality() -> None:
    text = VALID.replace("niveau: landelijk", "niveau: gemeentelijk\ngemeente: GM0344")
    assert "_gm0344" in refused(text).message
    text = VALID.replace("niveau: landelijk", "niveau: gemeentelijk")
    assert "gemeente" in refused(text).message


def test_file_name_must_match_the_regeling() -> None:
    with pytest.raises(RuleError, match="bestandsnaam"):
        read_regeling(VALID.encode(), "x/anders.yaml", "anders")


def test_reference_to_another_regeling() -> None:
    other = VALID.replace("regeling: proef", "regeling: basis")
    text = VALID.replace("formule: max(0, tekort)", "formule: max(basis.bedrag, tekort)")
    rules = load(text, other)
    assert list(rules) == ["basis", "proef"]  # dependencies first
    assert rules.dependencies("proef") == {"basis"}
    err = refused(VALID.replace("formule: max(0, tekort)", "formule: max(elders.bedrag, tekort)"))
    assert "regeling 'elders' bestaat niet" in err.message
    err = refused(text, other.replace("formule: max(0, tekort)", "formule: max(proef.bedrag, 0)"))
    assert "kringverwijzing tussen regelingen" in err.message
    err = refused(VALID.replace("formule: max(0, tekort)", "formule: max(basis.bedragg, 0)"), other)
    assert "'basis.bedragg' is geen stap" in err.message


def test_broken_yaml_gives_its_line() -> None:
    text = VALID.replace("naam: Proef", "naam: [Proef")
    err = refused(text)
    assert err.line >= line_of(text, "naam: [Proef") and "YAML" in err.message


def test_duplicate_step_and_condition_names() -> None:
    text = VALID.replace("naam: tekort", "naam: bedrag")
    assert "staat er al" in refused(text).message
    text = VALID.replace("naam: tekort", "naam: norm")
    assert "al een parameter" in refused(text).message


def test_rules_package_never_imports_a_web_framework() -> None:
    import ast

    package = Path(__file__).resolve().parents[2] / "entitlement" / "rules"
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not any(n.split(".")[0] in ("dash", "flask") for n in names), path


def test_a_municipal_folder_adds_and_replaces_files(tmp_path: Path) -> None:
    packaged = Path(load_rules()["zorgtoeslag"].file)
    own = packaged.read_text(encoding="utf-8").replace("waarde: 2112", "waarde: 2200")
    (tmp_path / "zorgtoeslag.yaml").write_text(own, encoding="utf-8")
    (tmp_path / "proef.yaml").write_text(VALID, encoding="utf-8")
    rules = load_rules(tmp_path)
    assert "proef" in rules and "kinderbijslag" in rules
    premie = rules["zorgtoeslag"].parameters["standaardpremie"]
    assert [v.value for v in premie.versions] == [1987.0, 2200.0, 2119.0]
    with pytest.raises(RuleError, match="bestaat niet"):
        load_rules(tmp_path / "nergens")
