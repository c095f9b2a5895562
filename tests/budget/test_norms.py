"""The Nibud food minimum per household composition, and the norm file's sources."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import polars as pl
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from budget.norms import (
    FOOD_ONLY,
    NORMS_FILE,
    Status,
    food_minimum,
    food_minimum_frame,
    load_norms,
    members_frame,
)
from ingest.profile import HouseholdProfile, Member, Period, Role

D = dt.date
MONTH = D(2025, 3, 1)


def profile(*members: tuple[Role, dt.date]) -> HouseholdProfile:
    return HouseholdProfile(
        municipality="GM0344",
        postcode="3531 KX",
        members=tuple(Member(role, born) for role, born in members),
        participation=Period(D(2024, 1, 1)),
        coach="jdevries",
    )


def born(age: int, on: dt.date = MONTH) -> dt.date:
    return on.replace(year=on.year - age)


def expected(day_cents: int, percent: int) -> tuple[int, int]:
    """Per month (× 365 / 12) and per week (× 7), rounded once, half to even."""
    corrected = Fraction(day_cents * (100 + percent), 100)
    return round(corrected * 365 / 12), round(corrected * 7)


def test_single_adult_gets_plus_ten_percent() -> None:
    m = food_minimum(profile((Role.AANVRAGER, born(30))), MONTH)
    assert [p.day_cents for p in m.persons] == [850]  # man 14-50: the higher of 8,50 / 7,66
    assert m.correction.percent == 10
    assert (m.month_cents, m.week_cents) == expected(850, 10) == (28440, 6545)
    assert m.notes[0] == FOOD_ONLY
    assert "geslacht staat niet in het profiel: hoogste bedrag gebruikt" in m.persons[0].note


def test_couple_with_two_children_gets_minus_twenty_five_percent() -> None:
    m = food_minimum(
        profile(
            (Role.AANVRAGER, born(35)),
            (Role.TOESLAGPARTNER, born(33)),
            (Role.KIND, born(12)),
            (Role.KIND, born(7)),
        ),
        MONTH,
    )
    assert sorted(p.day_cents for p in m.persons) == [439, 708, 850, 850]
    assert m.correction.percent == -25 and m.correction.status is Status.SCHATTING
    assert (m.month_cents, m.week_cents) == expected(850 + 850 + 708 + 439, -25)


def test_ages_follow_the_first_day_of_the_month() -> None:
    """Turning 4 on 2 March: still 1-3 in March, 4-8 from April."""
    child = (Role.KIND, D(2021, 3, 2))
    parent = (Role.AANVRAGER, born(40))
    march = food_minimum(profile(parent, child), MONTH)
    april = food_minimum(profile(parent, child), D(2025, 4, 1))
    assert [p.day_cents for p in march.persons] == [850, 311]
    assert [p.day_cents for p in april.persons] == [850, 439]
    assert march.correction.percent == 0


def test_older_members_and_a_baby() -> None:
    m = food_minimum(
        profile(
            (Role.AANVRAGER, born(72)), (Role.TOESLAGPARTNER, born(60)), (Role.KIND, D(2024, 11, 1))
        ),
        MONTH,
    )
    assert [p.day_cents for p in m.persons] == [784, 812, 0]
    assert m.persons[2].category == "jonger dan 1 jaar"
    assert any("vanaf 1 jaar" in note for note in m.notes)  # the baby is said, not hidden
    assert m.correction.percent == -15  # three persons


def test_five_or_more_persons() -> None:
    kids = [(Role.KIND, born(age)) for age in (2, 5, 10, 15)]
    five = food_minimum(profile((Role.AANVRAGER, born(45)), *kids), MONTH)
    six = food_minimum(profile((Role.AANVRAGER, born(45)), *kids, (Role.KIND, born(9))), MONTH)
    assert five.correction.percent == six.correction.percent == -30
    assert (five.month_cents, five.week_cents) == expected(850 + 311 + 439 + 708 + 850, -30)


def test_members_who_left_or_are_not_born_yet_do_not_count() -> None:
    left = Member(Role.TOESLAGPARTNER, born(40), member_until=D(2025, 2, 15))
    coming = Member(Role.KIND, D(2025, 6, 1))
    p = profile((Role.AANVRAGER, born(40)))
    p = HouseholdProfile(
        p.municipality, p.postcode, (*p.members, left, coming), p.participation, p.coach
    )
    assert len(food_minimum(p, MONTH).persons) == 1


def test_explanation_shows_every_step() -> None:
    m = food_minimum(profile((Role.AANVRAGER, born(55))), MONTH)
    assert m.explanation == (
        "som van de dagbedragen € 8,12; huishouden van 1 persoon: +10% (te verifiëren); "
        "per maand: € 8,12 × 110% × 365 / 12 = € 271,68; per week: € 8,12 × 110% × 7 = € 62,52"
    )


def test_norm_file_has_source_and_status_on_every_figure() -> None:
    doc = yaml.safe_load(NORMS_FILE.read_text(encoding="utf-8"))
    figures = [
        *doc["voeding"]["categorieen"],
        doc["voeding"]["jonger_dan_1"],
        *doc["huishoudgrootte"]["correcties"],
    ]
    statuses = {s.value for s in Status}
    for figure in figures:
        assert figure["bron"] and figure["status"] in statuses, figure
    assert doc["niet_gevonden"]["melding"] == FOOD_ONLY
    norms = load_norms()
    assert all(norms.category_for(age) is not None for age in range(1, 120))
    assert norms.category_for(0) is None


ages = st.lists(st.integers(0, 95), min_size=1, max_size=7)


@settings(max_examples=60, deadline=None)
@given(st.lists(ages, min_size=1, max_size=5), st.dates(D(2024, 1, 1), D(2026, 12, 1)))
def test_frame_version_equals_one_by_one(households: list[list[int]], day: dt.date) -> None:
    month = day.replace(day=1)
    profiles = [
        (f"h{i}", profile(*((Role.KIND, born(a, month)) for a in member_ages)))
        for i, member_ages in enumerate(households)
    ]
    months = pl.DataFrame({"household": [c for c, _ in profiles], "month": [month] * len(profiles)})
    frame = food_minimum_frame(members_frame(profiles), months).sort("household")
    for (code, p), row in zip(profiles, frame.iter_rows(named=True), strict=True):
        one = food_minimum(p, month)
        assert row["household"] == code
        assert (row["persons"], row["day_cents_sum"], row["correction_percent"]) == (
            len(one.persons),
            one.day_cents_sum,
            one.correction.percent,
        )
        assert (row["month_cents"], row["week_cents"]) == (one.month_cents, one.week_cents)
