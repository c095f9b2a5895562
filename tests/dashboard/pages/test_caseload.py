"""Caseload: a coach sees their households; without consent nothing but the code."""

from __future__ import annotations

from typing import Any

from tests.dashboard.conftest import Login, World
from tests.dashboard.dashclient import text_of


def rows(out: dict[str, Any]) -> list[str]:
    table = out["cl-table"]["children"]["props"]["children"]["props"]["children"]
    body = next(part for part in table if part["type"] == "Tbody")
    return [text_of(row) for row in body["props"]["children"]]


def test_the_coach_sees_consented_households_with_links_and_others_as_code_only(
    as_user: Login, world: World
) -> None:
    listed = rows(as_user("jdevries").ok("caseload.view", {"cl-load.data": True}))
    assert len(listed) == 2
    seed = next(r for r in listed if world.seed in r)
    waiting = next(r for r in listed if world.waiting in r)
    assert "toestemming gegeven" in seed and "Overzicht" in seed
    assert "(nog) geen toestemming" in waiting and "Overzicht" not in waiting
    assert world.other not in " ".join(listed) and world.foreign not in " ".join(listed)


def test_a_coach_without_households_is_told_so(as_user: Login) -> None:
    out = as_user("mjansen").ok("caseload.view", {"cl-load.data": True})
    assert "nog geen huishoudens" in text_of(out["cl-table"]["children"])
