"""The demo world: deterministic per seed, every pattern present, valid profiles and benefits."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from hhb.demo.files import BENEFIT_FILE, write_world
from hhb.demo.model import Household, Pattern
from hhb.demo.world import generate_household, generate_world
from ingest.benefits import parse_benefit_file
from ingest.profile import load_profile


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_byte_identical_files_whatever_the_workers(tmp_path: Path) -> None:
    one = write_world(tmp_path / "a", households=7, months=4, seed=42, workers=1)
    two = write_world(tmp_path / "b", households=7, months=4, seed=42, workers=2)
    assert one.transactions == two.transactions
    assert digest(tmp_path / "a") == digest(tmp_path / "b")


def test_different_seed_gives_a_different_world(tmp_path: Path) -> None:
    write_world(tmp_path / "a", households=5, months=3, seed=1, workers=1)
    write_world(tmp_path / "b", households=5, months=3, seed=2, workers=1)
    a, b = digest(tmp_path / "a"), digest(tmp_path / "b")
    assert a["DEMO-SEED/profile.yaml"] == b["DEMO-SEED/profile.yaml"]  # the seed is fixed
    assert a["ledger.csv"] != b["ledger.csv"]


def test_households_are_independent_of_the_size_of_the_world() -> None:
    """Household i only depends on (seed, i): workers may generate them in any order."""
    small = list(generate_world(9, 4, months=3))
    assert generate_household(9, 3, dt.date(2024, 1, 1), 3) == small[3]


@pytest.fixture(scope="module")
def world() -> list[Household]:
    return list(generate_world(2024, 50, months=12))


def test_every_pattern_appears_in_fifty_households(world: list[Household]) -> None:
    seen = set().union(*(h.patterns for h in world))
    assert seen == set(Pattern)


def test_four_weekly_salary_pays_thirteen_times_a_year(world: list[Household]) -> None:
    household = next(h for h in world if Pattern.SALARY_4W in h.patterns
                     and Pattern.PARTTIME_TOPUP not in h.patterns)  # fmt: skip
    salaries = [t for t in household.transactions[household.accounts[0].iban]
                if t.description.startswith("SALARIS PERIODE")]  # fmt: skip
    assert len(salaries) in (13, 14)  # 14 when the series starts in the first days of January
    months = [t.booking_date.month for t in salaries]
    assert len(set(months)) == 12  # so at least one month has two paydays
    assert {t.booking_date.weekday() for t in salaries} == {3}


def test_energy_refund_is_passed_on_and_extra_charge_is_paid(world: list[Household]) -> None:
    refund = next(h for h in world if Pattern.ENERGY_REFUND in h.patterns
                  and Pattern.SEED not in h.patterns)  # fmt: skip
    rows = refund.transactions[refund.accounts[0].iban]
    received = [t for t in rows if "Jaarafrekening" in t.description and t.amount_cents > 0]
    passed = [t for t in rows if t.description == "Teruggave energie doorgestort"]
    assert len(received) == 1 and [-t.amount_cents for t in passed] == [received[0].amount_cents]
    extra = next(h for h in world if Pattern.ENERGY_EXTRA in h.patterns)
    charged = [t for t in extra.transactions[extra.accounts[0].iban]
               if "Jaarafrekening" in t.description]  # fmt: skip
    assert len(charged) == 1 and charged[0].amount_cents < 0


def test_missing_toeslag_household_is_entitled_but_receives_none(world: list[Household]) -> None:
    from hhb.demo.toeslagen import HUUR, KGB, ZORG

    for household in (h for h in world if Pattern.MISSING_TOESLAG in h.patterns):
        received = {d.regeling for d in household.decisions}
        paid = {t.description.split(" 20")[0] for rows in household.transactions.values()
                for t in rows if "VOORSCHOT" in t.description}  # fmt: skip
        assert received < {ZORG, HUUR, KGB} or not received
        assert len(paid) == len(received)


def test_clawback_household_has_an_income_estimate_below_its_income(
    world: list[Household],
) -> None:
    households = [h for h in world if Pattern.CLAWBACK_RISK in h.patterns]
    assert households
    for household in households:
        assert {Pattern.INCOME_RISE, Pattern.INCOME_DROP} & household.patterns
        year = household.first_month.year
        decisions = [d for d in household.decisions if d.year == year]
        assert decisions and all(d.income_estimate_cents < d.actual_income_cents
                                 for d in decisions)  # fmt: skip


def test_profiles_and_benefit_files_read_back(tmp_path: Path) -> None:
    summary = write_world(tmp_path, households=10, months=6, seed=3, workers=1)
    for code in summary.codes:
        profile_path = tmp_path / code / "profile.yaml"
        profile = load_profile(profile_path.read_bytes(), profile_path.name)
        assert profile.household_id == code
        assert profile.municipality in ("GM0344", "GM0307")
        benefits = parse_benefit_file((tmp_path / code / BENEFIT_FILE).read_bytes(), BENEFIT_FILE)
        assert benefits.problems == ()
        assert benefits.household_id == code
