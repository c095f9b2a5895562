"""Indeling: the coach sees why each transaction got its rubriek and corrects one; the
correction is a rule that later views (and imports) follow, and only a consenting household's
coach may make it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from sqlalchemy import select

from store.classification import classified_transactions
from store.db import session_scope
from store.models import AuditEvent
from tests.dashboard.conftest import Login, World
from tests.dashboard.dashclient import text_of


def show(client: Any, household: str, month: str | None) -> dict[str, Any]:
    values = {"ix-month.value": month, "ix-household.data": household}
    result: dict[str, Any] = client.ok("classification.view", values)
    return result


def save(client: Any, household: str, key: str, rubriek: str, *, only: bool) -> dict[str, Any]:
    button = "ix-only-this" if only else "ix-as-rule"
    values = {
        "ix-as-rule.n_clicks": None if only else 1, "ix-only-this.n_clicks": 1 if only else None,
        "ix-key.value": key, "ix-rubriek.value": rubriek, "ix-partner.value": "",
        "ix-month.value": "2024-02", "ix-household.data": household,
    }  # fmt: skip
    result: dict[str, Any] = client.ok(
        "classification.correct", values, changed=[f"{button}.n_clicks"]
    )
    return result


def month_frame(app: Any, household: str) -> pl.DataFrame:
    with session_scope(app.server.extensions["hhb"].engine) as session:
        return classified_transactions(session, household, dt.date(2024, 2, 1),
                                       dt.date(2024, 2, 29))  # fmt: skip


def test_the_coach_sees_every_transaction_with_its_rubriek_and_why(
    as_user: Login, world: World, app: Any
) -> None:
    out = show(as_user("jdevries"), world.seed, "2024-02")
    table = text_of(out["ix-table"]["children"])
    frame = month_frame(app, world.seed)
    assert "Transacties van 2024-02" in table
    for row in frame.iter_rows(named=True):
        assert row["tx_key"] in table and row["reason"] in table
    keys = [o["props"]["value"] for o in out["ix-keys"]["children"]]
    assert sorted(keys) == sorted(frame["tx_key"].to_list())
    with session_scope(app.server.extensions["hhb"].engine) as session:
        viewed = session.scalars(
            select(AuditEvent.actor).where(AuditEvent.action == "dashboard.classification.view")
        ).all()
    assert "jdevries" in viewed


def test_a_correction_of_one_transaction_changes_only_that_one(
    as_user: Login, world: World, app: Any
) -> None:
    frame = month_frame(app, world.seed)
    target = frame.filter(pl.col("rubriek") != "boodschappen").row(0, named=True)
    out = save(as_user("jdevries"), world.seed, target["tx_key"], "Boodschappen", only=True)
    assert "Opgeslagen" in text_of(out["ix-status"]["children"])
    after = month_frame(app, world.seed)
    changed = after.filter(pl.col("tx_key") == target["tx_key"]).row(0, named=True)
    assert changed["rubriek"] == "boodschappen" and "jdevries" in changed["reason"]
    others = after.filter(pl.col("tx_key") != target["tx_key"]).select("tx_key", "rubriek")
    before = frame.filter(pl.col("tx_key") != target["tx_key"]).select("tx_key", "rubriek")
    assert others.sort("tx_key").equals(before.sort("tx_key"))
    assert target["tx_key"] in text_of(out["ix-table"]["children"])


def test_bad_input_is_refused_with_a_reason_and_changes_nothing(
    as_user: Login, world: World, app: Any
) -> None:
    frame = month_frame(app, world.seed)
    key = frame["tx_key"][0]
    coach = as_user("jdevries")
    wrong = save(coach, world.seed, key, "snoep", only=False)
    assert "Kies een rubriek uit de lijst" in text_of(wrong["ix-status"]["children"])
    gone = save(coach, world.seed, "bestaat-niet", "huur", only=False)
    assert "bestaat niet" in text_of(gone["ix-status"]["children"])
    assert (
        month_frame(app, world.seed)
        .select("tx_key", "rubriek")
        .equals(frame.select("tx_key", "rubriek"))
    )


def test_only_the_consenting_households_coach_may_look_or_correct(
    as_user: Login, world: World
) -> None:
    for user in ("deelnemer", "analist", "beheerder"):
        refused = as_user(user).call("classification.view", {
            "ix-month.value": "2024-02", "ix-household.data": world.seed})  # fmt: skip
        assert refused.status_code == 403, user
    coach = as_user("jdevries")
    refused = coach.call("classification.view", {
        "ix-month.value": "2024-02", "ix-household.data": world.waiting})  # fmt: skip
    assert refused.status_code == 403
