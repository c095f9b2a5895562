"""Caseload: a coach sees their households, what needs attention first; without consent nothing
but the code. The figures are those of ``hhb signals`` and ``hhb entitlements``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from dash import Dash
from sqlalchemy import select

from budget.signals import KIND_LABELS, Severity, SignalKind
from dashboard.caseload_data import KIND_URGENCY
from dashboard.formatting import euro, month
from hhb.cli import main
from store.access import add_to_caseload, grant_consent
from store.db import session_scope
from store.households import create_household
from store.models import AuditEvent, Household
from tests.dashboard.conftest import Login, World
from tests.dashboard.dashclient import DashClient, text_of

COLUMNS = ("household", "applicant", "district", "month", "signals", "urgent", "missed",
           "missed_year", "clawback", "consent", "since", "pages")  # fmt: skip


def show(
    client: DashClient, year: object = None, click: str | None = None, stored: object = None
) -> dict[str, Any]:
    """The callback as the page calls it: on load, a year typed, or a sort button clicked."""
    values: dict[str, Any] = {"cl-load.data": True, "cl-year.value": year, "cl-sort.data": stored}
    changed = None
    if click is not None:
        values[f"cl-sort-{click}.n_clicks"] = 1
        changed = [f"cl-sort-{click}.n_clicks"]
    return client.ok("caseload.view", values, changed=changed)


def rows(out: dict[str, Any]) -> list[dict[str, str]]:
    table = out["cl-table"]["children"]["props"]["children"]["props"]["children"]
    body = next(part for part in table if part["type"] == "Tbody")
    return [
        dict(zip(COLUMNS, (text_of(cell).strip() for cell in row["props"]["children"]),
                 strict=True))
        for row in body["props"]["children"]
    ]  # fmt: skip


def cli(database: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["--db", str(database), *args, "--json"],
                                catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    found: dict[str, Any] = json.loads(result.output)
    return found


def test_the_coach_sees_consented_households_with_links_and_others_as_code_only(
    as_user: Login, world: World
) -> None:
    out = show(as_user("jdevries"))
    assert (out["cl-year"]["min"], out["cl-year"]["max"], out["cl-year"]["value"]) == (
        2024,
        2024,
        2024,
    )
    assert out["cl-sort"]["data"] == "attention"
    assert out["cl-sort-attention"] == {"className": "btn btn-sm btn-primary",
                                        "aria-pressed": "true"}  # fmt: skip
    listed = rows(out)
    assert [r["household"] for r in listed] == [world.seed, world.waiting]
    seed, waiting = listed
    assert seed["consent"] == "toestemming gegeven" and "Overzicht" in seed["pages"]
    assert waiting["consent"] == "(nog) geen toestemming"
    assert all(waiting[c] == "" for c in COLUMNS if c not in ("household", "consent", "since"))
    everything = " ".join(" ".join(r.values()) for r in listed)
    assert world.other not in everything and world.foreign not in everything


def test_the_figures_are_those_of_hhb_signals_and_hhb_entitlements(
    as_user: Login, world: World
) -> None:
    seed = rows(show(as_user("jdevries")))[0]
    assert seed["month"] == month(dt.date(2024, 4, 1))  # the last complete month of 2024
    signals = cli(world.database, "signals", "--household", world.seed, "--month", "2024-04")
    found = signals["signals"]
    assert found and seed["signals"] == str(len(found))
    # the most severe open signal, and among those the most urgent kind
    order = list(Severity)
    worst = min(order.index(Severity(s["severity"])) for s in found)
    kinds = {SignalKind(s["kind"]) for s in found if order.index(Severity(s["severity"])) == worst}
    urgent = next(k for k in KIND_URGENCY if k in kinds)
    marked = " (hoog)" if order[worst] is Severity.ALERT else ""
    assert seed["urgent"] == KIND_LABELS[urgent] + marked
    loket = cli(world.database, "entitlements", "--household", world.seed, "--year", "2024")
    missed = loket["gemist"]
    assert missed and seed["missed"] == str(len(missed))
    assert seed["missed_year"] == euro(sum(m["expected_year_cents"] for m in missed))
    to_pay = [c["to_pay_cents"] for c in loket["terugbetalingen"]]
    assert None not in to_pay
    assert seed["clawback"] == (euro(sum(to_pay)) if sum(to_pay) else "geen")


def test_what_the_data_do_not_say_reads_unknown_never_zero(
    app: Dash, as_user: Login, world: World
) -> None:
    with session_scope(app.server.extensions["hhb"].engine) as session:
        create_household(session, "LEEG", "test")
        add_to_caseload(session, "jdevries", "LEEG", "test")
        grant_consent(session, "LEEG", "jdevries", "test")
    empty = next(r for r in rows(show(as_user("jdevries"))) if r["household"] == "LEEG")
    for column in ("month", "signals", "urgent", "missed", "missed_year", "clawback"):
        assert empty[column] == "onbekend", (column, empty)
    assert empty["consent"] == "toestemming gegeven"


def test_sorted_by_attention_or_by_code_and_a_wrong_year_falls_back(
    app: Dash, as_user: Login, world: World
) -> None:
    with session_scope(app.server.extensions["hhb"].engine) as session:
        create_household(session, "AAA-LEEG", "test")
        add_to_caseload(session, "jdevries", "AAA-LEEG", "test")
        grant_consent(session, "AAA-LEEG", "jdevries", "test")
    client = as_user("jdevries")
    attention = [r["household"] for r in rows(show(client, 2024))]
    assert attention == [world.seed, "AAA-LEEG", world.waiting]  # known signals, unknown, none
    out = show(client, 2024, click="household", stored="attention")
    assert out["cl-sort"]["data"] == "household"
    assert out["cl-sort-household"]["aria-pressed"] == "true"
    assert out["cl-sort-attention"]["aria-pressed"] == "false"
    assert "gesorteerd op: huishoudcode" in text_of(out["cl-table"]["children"])
    by_code = [r["household"] for r in rows(out)]
    assert by_code == sorted(by_code) and by_code[0] == "AAA-LEEG"
    # a new year keeps the order chosen before; a year without data falls back to the latest
    kept = show(client, "1999", stored="household")
    assert kept["cl-year"]["value"] == 2024
    assert [r["household"] for r in rows(kept)] == by_code
    assert [r["household"] for r in rows(show(client, 2024, stored="nonsense"))] == attention


def test_every_consented_household_shown_is_audited(
    app: Dash, as_user: Login, world: World
) -> None:
    show(as_user("jdevries"))
    with session_scope(app.server.extensions["hhb"].engine) as session:
        seen = session.scalars(
            select(Household.code)
            .join(AuditEvent, AuditEvent.household_id == Household.id)
            .where(AuditEvent.actor == "jdevries",
                   AuditEvent.action == "dashboard.caseload.view")
        ).all()  # fmt: skip
    assert set(seen) == {world.seed}


def test_a_coach_without_households_is_told_so(as_user: Login) -> None:
    out = show(as_user("mjansen"))
    assert "nog geen huishoudens" in text_of(out["cl-table"]["children"])
    assert out["cl-year"]["value"] is None


def test_a_hoog_signal_comes_before_a_more_urgent_kind_of_let_op() -> None:
    """A shop's missing payment is *let op*: that household waits behind one whose forecast
    goes below zero as *hoog*, although a missing payment is the more urgent kind."""
    from dashboard.caseload_data import CaseloadRow, Sort, _with_facts, sorted_rows
    from reports.facts import FACTS_SCHEMA, alert_column, signal_column

    def household(code: str, kind: SignalKind, alert: bool) -> CaseloadRow:
        fact: dict[str, Any] = dict.fromkeys(FACTS_SCHEMA)
        fact |= {c: 0 for c in FACTS_SCHEMA if c.startswith("open_")}
        fact |= {"open_signals": 1, signal_column(kind): 1, alert_column(kind): int(alert)}
        return _with_facts(CaseloadRow(code, dt.date(2024, 1, 1), True), fact)

    shop = household("A-WINKEL", SignalKind.PAYMENT_MISSING, alert=False)
    forecast = household("B-PROGNOSE", SignalKind.FORECAST_BELOW_ZERO, alert=True)
    rent = household("C-HUUR", SignalKind.PAYMENT_MISSING, alert=True)
    ranked = sorted_rows([shop, forecast, rent], Sort.ATTENTION)
    assert [r.household for r in ranked] == ["C-HUUR", "B-PROGNOSE", "A-WINKEL"]
    assert (shop.urgent_kind, shop.urgent_alert) == (SignalKind.PAYMENT_MISSING, False)
    assert (forecast.urgent_kind, forecast.urgent_alert) == (SignalKind.FORECAST_BELOW_ZERO, True)
