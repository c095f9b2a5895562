"""The analyst page: aggregates only through the disclosure control, suppressed cells with their
reason, the CSV export with its metadata, and nobody else may call it."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import numpy as np
import polars as pl
import pytest
from dash import Dash
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard import data
from reports.aggregates import Aggregates
from reports.facts import FACTS_SCHEMA, PENDING, SOURCES, HouseholdFacts
from reports.secondary import SuppressionError
from store.db import session_scope
from store.models import AuditEvent, FactsSnapshot, Transaction, utcnow
from tests.dashboard.conftest import Login, World
from tests.dashboard.dashclient import DashClient, pattern_prop, text_of
from tests.dashboard.test_access import open_page

WIJKEN = {"WK034401": 300, "WK034402": 120, "WK034403": 4}


class SyntheticFacts:
    """SYNTHETIC facts (made up here, never real): 424 households in three wijken, one with 4."""

    def years(self, session: Session, municipality: str) -> list[int]:
        return [2024]

    def facts(self, session: Session, year: int, municipality: str) -> HouseholdFacts:
        rng = np.random.default_rng(3)
        wijk = [w for w, n in WIJKEN.items() for _ in range(n)]
        n = len(wijk)
        types = ["alleenstaand", "eenoudergezin", "paar met kinderen"]
        frame = pl.DataFrame(
            {
                "household": [f"SYN-{i:05d}" for i in range(n)],
                "year": [year] * n,
                "municipality": [municipality] * n,
                "wijk": wijk,
                "household_type": [types[i] for i in rng.integers(0, 3, n)],
                "members": rng.integers(1, 5, n),
                "children": rng.integers(0, 3, n),
                "months_observed": [12] * n,
                "net_income_year_cents": rng.integers(1_200_000, 4_000_000, n),
                "zorgtoeslag_receiving": rng.random(n) < 0.6,
            }
        )
        frame = frame.with_columns(
            zorgtoeslag_received_year_cents=pl.when(pl.col("zorgtoeslag_receiving"))
            .then(pl.lit(150_000))
            .otherwise(0)
        )
        full = frame.select(
            pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c)
            for c, t in FACTS_SCHEMA.items()
        )
        return HouseholdFacts(full, dict(PENDING), dict(SOURCES))

    def version(self, session: Session) -> tuple[object, ...]:
        return (1,)


CHOICE = json.dumps({"field": ["ALL"], "type": "an-choice", "value": ["ALL"]},
                    separators=(",", ":"))  # fmt: skip


def chosen(**choice: str) -> dict[str, str]:
    first = {"year": "2024", "level": "gemeente", "use": "intern", "theme": "huishoudens"}
    return first | {"regeling": "regeling_zorgtoeslag"} | choice


def view(client: DashClient, wijk: str | None = None, **choice: str) -> dict[str, Any]:
    return client.ok("aggregates.view", {"an-chosen.data": chosen(**choice), "an-wijk.value": wijk})


def test_the_page_offers_the_years_with_data_and_starts_with_the_gemeente(
    as_user: Login,
) -> None:
    page = open_page(as_user("analist"), "/analist")
    assert "Jaar 2024" in page and "De gemeente als geheel" in page and "Per wijk" in page


def test_a_choice_presses_its_button_and_releases_the_others(as_user: Login) -> None:
    buttons = [{"field": "level", "type": "an-choice", "value": v} for v in ("gemeente", "wijk")]
    buttons.append({"field": "use", "type": "an-choice", "value": "intern"})
    pressed = buttons[1]
    out = as_user("analist").ok(
        "aggregates.choose",
        {CHOICE: [(b, 1 if b is pressed else None) for b in buttons],
         "an-chosen.data": chosen()},
        changed=[pattern_prop(pressed, "n_clicks")],
    )  # fmt: skip
    assert out["an-chosen"]["data"] == chosen(level="wijk")
    states = {b["value"]: out[json.dumps(b, sort_keys=True, separators=(",", ":"))]
              for b in buttons}  # fmt: skip
    assert states["wijk"]["aria-pressed"] == "true" and "btn-primary" in states["wijk"]["className"]
    assert states["gemeente"]["aria-pressed"] == "false"
    assert states["intern"]["aria-pressed"] == "true"  # another field keeps its choice


def test_small_numbers_are_suppressed_with_the_reason_and_no_household_shows(
    as_user: Login, world: World
) -> None:
    response = as_user("analist").ok_response(
        "aggregates.view", {"an-chosen.data": chosen(), "an-wijk.value": None}
    )
    raw = response.get_data(as_text=True)
    for code in (world.seed, world.other, world.waiting, world.foreign):
        assert code not in raw
    text = text_of(response.get_json()["response"]["an-tables"]["children"])
    assert "Huishoudens naar samenstelling" in text and "onderdrukt" in text
    assert "te weinig huishoudens (minder dan 10)" in text


def test_tables_left_out_say_why(app: Dash, as_user: Login) -> None:
    app.server.extensions[data.FACTS_SOURCE] = SyntheticFacts()  # leaves PENDING columns out
    out = view(as_user("analist"), theme="leefgeld")
    text = text_of(out["an-tables"]["children"])
    assert "Niet beschikbaar: Leefgeld tegenover het Nibud-minimum" in text
    assert "nog niet beschikbaar" in text


def test_the_store_fills_every_theme_and_keeps_the_facts(app: Dash, as_user: Login) -> None:
    client = as_user("analist")
    leefgeld = text_of(view(client, theme="leefgeld")["an-tables"]["children"])
    assert "Leefgeld tegenover het Nibud-minimum" in leefgeld
    assert "Niet beschikbaar" not in leefgeld
    regelingen = text_of(view(client, theme="regelingen")["an-tables"]["children"])
    assert "Regeling: zorgtoeslag" in regelingen and "ontvangen per jaar" in regelingen
    assert "Niet beschikbaar" not in regelingen
    with session_scope(app.server.extensions["hhb"].engine) as session:
        kept = session.scalars(select(FactsSnapshot.municipality)).all()
        runs = session.scalars(
            select(AuditEvent.actor).where(AuditEvent.action == "facts.refresh")
        ).all()
    # the demo's batch run kept them (as a nightly run would): the page only read them
    assert kept and runs == ["demo"]


def test_per_wijk_with_enough_households_and_a_tiny_wijk_hidden(app: Dash, as_user: Login) -> None:
    app.server.extensions[data.FACTS_SOURCE] = SyntheticFacts()
    client = as_user("analist")
    out = view(client, level="wijk", wijk="wk034401")
    options = [o["props"]["value"] for o in out["an-wijken"]["children"]]
    assert options == ["WK034401", "WK034402", "WK034403"]
    assert out["an-wijk-box"]["hidden"] is False and out["an-message"]["children"] is None
    big = text_of(out["an-tables"]["children"])
    assert "300" in big and "onderdrukt" not in big.split("Netto inkomen")[0]
    tiny = text_of(view(client, level="wijk", wijk="WK034403")["an-tables"]["children"])
    assert "onderdrukt" in tiny and "te weinig huishoudens (minder dan 10)" in tiny
    assert " 4 " not in f" {tiny} "  # the wijk's own count never shows
    unknown = view(client, level="wijk", wijk="WK999999")
    assert "Wijk WK999999 komt in deze cijfers niet voor" in text_of(
        unknown["an-message"]["children"]
    )
    whole = view(client, level="gemeente", use="publicatie")
    published = text_of(whole["an-tables"]["children"])
    assert "400" in published and "424" not in published  # rounded to hundreds


def test_a_level_that_cannot_be_protected_is_refused_in_dutch(
    as_user: Login, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: Any) -> None:
        raise SuppressionError("huishoudens: hidden wijk totals stay derivable")

    monkeypatch.setattr(data, "analyst_aggregates", refuse)
    out = view(as_user("analist"), level="wijk")
    message = text_of(out["an-message"]["children"])
    assert "niet veilig" in message and "gemeente als geheel" in message
    assert out["an-tables"]["children"] is None


def test_the_page_computes_only_the_theme_it_shows_and_the_export_everything(
    app: Dash, as_user: Login, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.server.extensions[data.FACTS_SOURCE] = SyntheticFacts()
    asked: list[tuple[tuple[str, ...] | None, Aggregates]] = []
    compute = data.analyst_aggregates

    def spy(*args: Any) -> Aggregates:
        result = compute(*args)
        asked.append((args[5], result))
        return result

    monkeypatch.setattr(data, "analyst_aggregates", spy)
    client = as_user("analist")
    out = view(client, level="wijk", wijk="WK034401", theme="regelingen")
    shown = text_of(out["an-tables"]["children"])
    assert "Regeling: zorgtoeslag" in shown and "Huishoudens naar samenstelling" not in shown
    tables, theme = asked[-1]
    assert tables is not None and "regeling_zorgtoeslag" in tables and "huishoudens" not in tables
    client.ok("aggregates.export",
              {"an-export.n_clicks": 1, "an-chosen.data": chosen(level="wijk")})  # fmt: skip
    tables, full = asked[-1]
    assert tables is None
    assert {"huishoudens", "inkomen", "regeling_zorgtoeslag"} <= set(full.frame["tabel"])
    # the theme's rows are exactly the export's rows of those tables
    names = theme.frame["tabel"].unique().to_list()
    assert theme.frame.height > 0 and "regeling_zorgtoeslag" in names
    assert theme.frame.equals(full.frame.filter(pl.col("tabel").is_in(names)))


def test_the_export_is_the_reports_csv_with_its_metadata(app: Dash, as_user: Login) -> None:
    app.server.extensions[data.FACTS_SOURCE] = SyntheticFacts()
    out = as_user("analist").ok(
        "aggregates.export",
        {"an-export.n_clicks": 1, "an-chosen.data": chosen(level="wijk")},
    )  # fmt: skip
    download = out["an-download"]["data"]
    assert download["filename"] == "hhb-GM0344-2024-wijk-intern.csv"
    text = base64.b64decode(download["content"]).decode("utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("# hhb geaggregeerde gegevens, na onthullingscontrole")
    assert any(line.startswith("# regels: gebruik=intern") for line in lines)
    header = next(line for line in lines if not line.startswith("#"))
    assert header.startswith("tabel,gemeente,jaar,wijk,kenmerk,klasse,huishoudens")
    assert "SYN-" not in text
    assert "Export klaar" in text_of(out["an-export-status"]["children"])
    with session_scope(app.server.extensions["hhb"].engine) as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.household_id).where(AuditEvent.actor == "analist")
        ).all()
    assert ("dashboard.aggregates.export", None) in [tuple(r) for r in rows]


@pytest.mark.parametrize("username", ["deelnemer", "jdevries", "beheerder"])
def test_nobody_but_the_analyst_may_call_the_page(as_user: Login, username: str) -> None:
    client = as_user(username)
    for action, values in (
        ("aggregates.choose", {"an-chosen.data": chosen()}),
        ("aggregates.view", {"an-chosen.data": chosen()}),
        ("aggregates.export", {"an-export.n_clicks": 1, "an-chosen.data": chosen()}),
    ):
        response = client.call(action, values)
        assert response.status_code == 403, (action, response.status_code)
        assert "GM0344" not in response.get_data(as_text=True)


def test_the_metadata_names_every_suppressed_cell(app: Dash, as_user: Login) -> None:
    app.server.extensions[data.FACTS_SOURCE] = SyntheticFacts()
    out = as_user("analist").ok(
        "aggregates.export",
        {"an-export.n_clicks": 1, "an-chosen.data": chosen(use="publicatie")},
    )  # fmt: skip
    text = base64.b64decode(out["an-download"]["data"]["content"]).decode("utf-8")
    stated = next(x for x in text.splitlines() if x.startswith("# onderdrukte cellen: "))
    rows = pl.read_csv(io.StringIO(text), comment_prefix="#", infer_schema_length=None)
    hidden = rows.filter(
        (pl.col("status_huishoudens") == "onderdrukt") | (pl.col("status_waarde") == "onderdrukt")
    )
    assert hidden.height > 0
    assert stated.startswith(f"# onderdrukte cellen: {hidden.height};")
    assert hidden["reden"].null_count() == 0


def test_the_fast_table_is_the_shared_table_as_dash_sends_it() -> None:
    """The page builds its tables as Dash's JSON instead of a component per cell: the browser
    must get exactly the elements and attributes of ``components.table`` (scope, caption,
    classes), which the axe-core test checks."""
    from plotly.utils import PlotlyJSONEncoder

    from dashboard.components import table
    from dashboard.pages.analist import json_table

    columns = ["Klasse", "Variabele", "Huishoudens", "Toelichting"]
    rows = [["ja", "bedrag", "1.234", ""], ["nee", "–", "onderdrukt", "te weinig huishoudens"]]
    for numeric in ([2], [1, 2], [0, 2]):
        shared = table(columns, rows, caption="Regeling: bijstand", numeric=numeric)
        expected = json.loads(json.dumps(shared, cls=PlotlyJSONEncoder))
        fast = json_table(columns, rows, caption="Regeling: bijstand", numeric=numeric)
        assert json.loads(json.dumps(fast)) == expected


def test_the_page_says_when_the_figures_were_computed_and_if_data_changed(
    app: Dash, as_user: Login
) -> None:
    client = as_user("analist")
    fresh = text_of(view(client)["an-message"]["children"])
    assert fresh.startswith("Cijfers berekend op ") and "Sindsdien" not in fresh
    with session_scope(app.server.extensions["hhb"].engine) as session:
        tx = session.scalars(
            select(Transaction).where(Transaction.deleted_at.is_(None)).order_by(Transaction.id)
        ).first()
        assert tx is not None
        tx.deleted_at, tx.deleted_by = utcnow(), "deelnemer"
    stale = text_of(view(client)["an-message"]["children"])
    assert "Sindsdien zijn er gegevens veranderd" in stale
    with session_scope(app.server.extensions["hhb"].engine) as session:
        runs = session.scalars(
            select(AuditEvent.actor).where(AuditEvent.action == "facts.refresh")
        ).all()
    assert runs == ["demo"]  # the click showed the kept figures, it did not recompute


def test_regelingen_show_one_regeling_at_a_time(as_user: Login) -> None:
    client = as_user("analist")
    first = text_of(view(client, theme="regelingen")["an-tables"]["children"])
    assert "Regeling: zorgtoeslag" in first and "Regeling: huurtoeslag" not in first
    other = view(client, theme="regelingen", regeling="regeling_huurtoeslag")
    text = text_of(other["an-tables"]["children"])
    assert "Regeling: huurtoeslag" in text and "Regeling: zorgtoeslag" not in text
