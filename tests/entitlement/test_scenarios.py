"""Every scenario beside the regelingen passes, in both evaluators; a wrong one is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from entitlement.rules.registry import default_rules, packaged_dir
from entitlement.rules.scenarios import ScenarioOutcome, run_file, scenario_files

SCENARIO_DIR = packaged_dir() / "tests"


def _all() -> list[ScenarioOutcome]:
    rules = default_rules()
    return [o for f in scenario_files(SCENARIO_DIR) for o in run_file(rules, f)]


OUTCOMES = _all()


@pytest.mark.parametrize(
    "outcome", OUTCOMES, ids=[f"{Path(o.file).stem}:{o.line}" for o in OUTCOMES]
)
def test_scenario(outcome: ScenarioOutcome) -> None:
    assert outcome.ok, (
        f"{outcome.file}:{outcome.line} {outcome.name}: {'; '.join(outcome.problems)}"
    )


def test_every_regeling_has_scenarios() -> None:
    covered = {Path(o.file).stem for o in OUTCOMES}
    assert set(default_rules()) <= covered


def test_a_wrong_expectation_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "zorgtoeslag.yaml"
    path.write_text(
        """\
formaat: hhb-scenarios
versie: 1
regeling: zorgtoeslag
scenarios:
  - naam: verkeerd verwacht
    bron: test
    maand: 2025-01
    invoer: {toetsingsinkomen_jaar: 18000, leeftijd: 30}
    verwacht: {status: geen_recht, bedrag_jaar: 1500, stappen: {normpremie: 1}}
""",
        encoding="utf-8",
    )
    [outcome] = run_file(default_rules(), path)
    assert outcome.line == 5 and not outcome.ok
    assert any("status: verwacht geen_recht, kreeg recht" in p for p in outcome.problems)
    assert any(p.startswith("bedrag_jaar: verwacht 1500, kreeg 1573") for p in outcome.problems)
    assert any(p.startswith("stap normpremie") for p in outcome.problems)


def test_a_scenario_without_a_needed_input_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(
        "formaat: hhb-scenarios\nversie: 1\nregeling: zorgtoeslag\nscenarios:\n"
        "  - {naam: a, bron: b, maand: 2025-01, invoer: {inkomen: 1}, verwacht: {recht: true}}\n",
        encoding="utf-8",
    )
    with pytest.raises(Exception, match="onbekende invoer"):
        run_file(default_rules(), path)
