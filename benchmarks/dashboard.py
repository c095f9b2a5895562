"""Callback latency of the dashboard's month overview and analyst page, through the whole web
stack.

Targets (issue 7): the month overview callback for a household with 5 years of data, p95 under
150 ms; the analyst page over 100 000 households under 1 s.

How it runs: the demo world with one household (the seed participant) over 60 months is built
through the normal import path into a temporary SQLite database; the app from
``dashboard.create_app`` is logged into as that participant (argon2, server-side session, CSRF
cookie), and the overview callback is posted to ``/_dash-update-component`` with the Flask test
client, exactly as the browser sends it (authorization, audit row, classification, table and
figure included; no network). Measured for a 3-month view (the page's default) and a 36-month
view (the largest allowed), and the same computation called directly (``dashboard.data.overview``)
to show what the web layer adds.

Prints ``name: value unit`` lines: ``dashboard_overview_{3,36}m_{median,p95}_ms``,
``dashboard_overview_direct_36m_median_ms`` and ``dashboard_web_overhead_36m`` (ratio); and
``dashboard_month_{median,p95}_ms`` for the "Mijn maand" callback of the same household (last
month, with signals, forecast and budget).

**Analyst page.** SYNTHETIC household facts for 100 000 households in 40 wijken, made by
``benchmarks/reports.py``'s generator (never real data), are handed to the app as its facts
source (``dashboard.data.FACTS_SOURCE``; the store would build them with
``reports.facts.build_facts``). Logged in as the demo analyst, the ``aggregates.view`` callback
is posted: *cold* when the facts' version changes before every call, so the disclosure control
runs in the request (``reports.aggregates.aggregate`` for the tables of the theme shown, which
still protects every table, see there), and *warm* when only the theme or wijk changes (the
page keeps the last results). Cold still reuses what holds no figures: the lattice of a
table's grid (:func:`reports.secondary.shared_lattice`, one per shape of grid). Printed:
``dashboard_analyst_{gemeente,wijk}_cold_THEME_median_ms``
per theme (with the process's CPU milliseconds, user+sys of every thread, beside it),
``dashboard_analyst_{gemeente,wijk}_cold_{median,max}_ms`` (the worst theme's median, the
slowest call), ``dashboard_analyst_wijk_export_cold_median_ms`` (the export button: every
table), ``dashboard_analyst_wijk_warm_{median,p95}_ms``,
``dashboard_analyst_aggregate_wijk_direct_ms`` (``aggregate`` of every table on its own) and
``dashboard_analyst_cold_vs_target`` (worst cold median / 1 s).
Usage: ``python benchmarks/dashboard.py [--quick]`` (``--quick``: 24 months, 10 000
households, fewer repeats).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Run as a script, this file's folder comes first on the path and its name would hide the
# dashboard package: put the repository there instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from benchmarks.reports import synthetic_facts, synthetic_months  # noqa: E402
from dashboard import create_app  # noqa: E402
from dashboard import data as dashboard_data  # noqa: E402
from dashboard.config import DashboardConfig  # noqa: E402
from dashboard.security import CSRF_COOKIE, CSRF_HEADER  # noqa: E402
from hhb.demo.cli import run_demo  # noqa: E402
from hhb.demo.seed import SEED_CODE  # noqa: E402
from hhb.settings import Settings, sqlite_url  # noqa: E402
from reports.aggregates import Level, aggregate  # noqa: E402
from reports.disclosure import Use, rules_for  # noqa: E402
from reports.facts import HouseholdFacts  # noqa: E402
from reports.tables import themes  # noqa: E402

THEMES = themes()
from store.db import session_scope  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(call: Any, repeats: int, cpu: list[float] | None = None) -> list[float]:
    """Wall milliseconds per call; the process's CPU milliseconds (user+sys, every thread)
    go to ``cpu`` when given."""
    call()  # warm-up: imports, caches, the first query plan
    out = []
    for _ in range(repeats):
        start, used = time.perf_counter(), time.process_time()
        call()
        out.append((time.perf_counter() - start) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - used) * 1000)
    return out


class SyntheticSource:
    """The analyst page's facts source over SYNTHETIC facts; ``bump`` makes the cached
    aggregates stale, as an import would."""

    def __init__(self, facts: HouseholdFacts) -> None:
        self.facts_ = facts
        self.stamp = 0

    def years(self, session: Any, municipality: str) -> list[int]:
        return [2024]

    def facts(self, session: Any, year: int, municipality: str) -> HouseholdFacts:
        return self.facts_

    def version(self, session: Any) -> tuple[object, ...]:
        return (self.stamp,)

    def bump(self) -> None:
        self.stamp += 1


def login(app: Any, username: str, password: str) -> tuple[Any, str]:
    client = app.server.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": token.group(1)})  # fmt: skip
    assert response.status_code == 302, response.status_code
    client.get("/")
    cookie = client.get_cookie(CSRF_COOKIE)
    assert cookie is not None
    return client, cookie.value


def post_callback(
    client: Any, csrf: str, app: Any, prefix: str, values: dict[str, Any]
) -> dict[str, Any]:
    """Post the callback whose key starts with ``prefix``, inputs and states from ``values``."""
    key = next(k for k in app.callback_map if k.startswith(prefix))
    entry = app.callback_map[key]
    outputs = [{"id": str(o.component_id), "property": o.component_property}
               for o in entry["output"]]  # fmt: skip

    def specs(kind: str) -> list[dict[str, Any]]:
        return [
            {
                "id": s["id"],
                "property": s["property"],
                "value": values.get(f"{s['id']}.{s['property']}"),
            }
            for s in entry[kind]
        ]

    inputs = specs("inputs")
    body = {"output": key, "outputs": outputs, "inputs": inputs, "state": specs("state"),
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"]}  # fmt: skip
    response = client.post("/_dash-update-component", json=body, headers={CSRF_HEADER: csrf})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    payload: dict[str, Any] = response.get_json()["response"]
    return payload


def bench_analyst(app: Any, password: str, households: int, repeats: int) -> None:
    facts = HouseholdFacts(synthetic_facts(synthetic_months(households, seed=7), seed=7))
    source = SyntheticSource(facts)
    app.server.extensions[dashboard_data.FACTS_SOURCE] = source
    client, csrf = login(app, "analist", password)
    print(f"dashboard_analyst_households: {facts.frame.height} households")

    def view(level: str, theme: str = "huishoudens", wijk: str = "") -> None:
        chosen = {"year": "2024", "level": level, "use": "intern", "theme": theme}
        out = post_callback(client, csrf, app, "..an-message.children",
                            {"an-chosen.data": chosen, "an-wijk.value": wijk})  # fmt: skip
        assert out["an-message"]["children"] is None, out["an-message"]  # tables, no refusal
        assert out["an-tables"]["children"], "the theme's tables are rendered"

    # Cold: the facts' version changes before every call, so nothing is cached. The page
    # computes only the theme it shows; the export computes every table.
    cold: dict[str, list[float]] = {}
    for level in ("gemeente", "wijk"):
        for theme in THEMES:

            def fresh(level: str = level, theme: str = theme) -> None:
                source.bump()
                view(level, theme)

            cpu: list[float] = []
            cold[f"{level}_{theme}"] = times = timed(fresh, repeats, cpu)
            wall, used = statistics.median(times), statistics.median(cpu)
            print(f"dashboard_analyst_{level}_cold_{theme}_median_ms: {wall:.0f} ms "
                  f"(cpu {used:.0f} ms)")  # fmt: skip
        worst = max(statistics.median(v) for k, v in cold.items() if k.startswith(level))
        every = [x for k, v in cold.items() if k.startswith(level) for x in v]
        print(f"dashboard_analyst_{level}_cold_median_ms: {worst:.0f} ms (worst theme)")
        print(f"dashboard_analyst_{level}_cold_max_ms: {max(every):.0f} ms")

    def export() -> None:
        source.bump()
        chosen = {"year": "2024", "level": "wijk", "use": "intern", "theme": "huishoudens"}
        out = post_callback(client, csrf, app, "..an-download.data",
                            {"an-export.n_clicks": 1, "an-chosen.data": chosen})  # fmt: skip
        assert out["an-download"]["data"]["content"], "the export has rows"

    cpu = []
    exported = timed(export, max(2, repeats // 2), cpu)
    print(f"dashboard_analyst_wijk_export_cold_median_ms: {statistics.median(exported):.0f} ms "
          f"(cpu {statistics.median(cpu):.0f} ms)")  # fmt: skip
    themes = list(THEMES)
    wijken = ["", "WK034400", "WK034401", "WK034439"]
    turn = iter(range(10**9))

    def switch() -> None:
        i = next(turn)
        view("wijk", themes[i % len(themes)], wijken[i % len(wijken)])

    warm = timed(switch, repeats * 4)
    print(f"dashboard_analyst_wijk_warm_median_ms: {statistics.median(warm):.0f} ms")
    print(f"dashboard_analyst_wijk_warm_p95_ms: {percentile(warm, 0.95):.0f} ms")
    direct = timed(lambda: aggregate(facts, "GM0344", 2024, Level.WIJK, rules_for(Use.INTERN)),
                   repeats)  # fmt: skip
    print(f"dashboard_analyst_aggregate_wijk_direct_ms: {statistics.median(direct):.0f} ms")
    worst = max(statistics.median(v) for v in cold.values())
    print(f"dashboard_analyst_cold_vs_target: {worst / 1000:.2f} x (target 1 s)")
    wijk = max(statistics.median(v) for k, v in cold.items() if k.startswith("wijk"))
    print(f"dashboard_analyst_wijk_cold_vs_direct: {wijk / statistics.median(direct):.2f} x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    months, repeats = (24, 10) if args.quick else (60, 40)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        settings = Settings(data_dir=base, database_url=sqlite_url(base / "hhb.sqlite3"))
        result = run_demo(settings, households=1, months=months, echo=lambda _line: None)
        password = next(x.password for x in result.logins if x.username == "deelnemer")
        settings = settings.with_database(str(result.database))
        app = create_app(settings, DashboardConfig(secret_key="benchmark"))
        client = app.server.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        login = client.post("/login", data={"username": "deelnemer", "password": password,
                                            "csrf_token": token.group(1)})  # fmt: skip
        assert login.status_code == 302, login.status_code
        client.get("/")
        cookie = client.get_cookie(CSRF_COOKIE)
        assert cookie is not None
        key = next(k for k in app.callback_map if k.startswith("..ov-first.min"))
        entry = app.callback_map[key]
        outputs = [{"id": str(o.component_id), "property": o.component_property}
                   for o in entry["output"]]  # fmt: skip
        with session_scope(app.server.extensions["hhb"].engine) as session:
            available = dashboard_data.data_months(session, SEED_CODE)
        last = f"{available[-1]:%Y-%m}"

        def post(first: str) -> None:
            body = {
                "output": key, "outputs": outputs, "changedPropIds": ["ov-first.value"],
                "inputs": [{"id": "ov-first", "property": "value", "value": first},
                           {"id": "ov-last", "property": "value", "value": last}],
                "state": [{"id": "ov-household", "property": "data", "value": SEED_CODE}],
            }  # fmt: skip
            response = client.post("/_dash-update-component", json=body,
                                    headers={CSRF_HEADER: cookie.value})  # fmt: skip
            assert response.status_code == 200, response.status_code

        span = min(36, len(available))
        firsts = {3: f"{available[-3]:%Y-%m}", span: f"{available[-span]:%Y-%m}"}
        web = {n: timed(lambda f=f: post(f), repeats) for n, f in firsts.items()}
        months_36 = dashboard_data.month_range(firsts[span], last)

        def direct() -> None:
            with session_scope(app.server.extensions["hhb"].engine) as session:
                dashboard_data.overview(session, SEED_CODE, months_36)

        plain = timed(direct, repeats)

        def month_view() -> None:
            out = post_callback(client, cookie.value, app, "..mm-month.min",
                                {"mm-household.data": SEED_CODE})  # fmt: skip
            assert out["mm-message"]["children"] is None and out["mm-summary"]["children"]

        month = timed(month_view, repeats)
        analyst = next(x.password for x in result.logins if x.username == "analist")
        bench_analyst(app, analyst, 10_000 if args.quick else 100_000, 3 if args.quick else 5)
        app.server.extensions["hhb"].engine.dispose()
    print(f"dashboard_household_months: {len(available)} months")
    for n, values in web.items():
        print(f"dashboard_overview_{n}m_median_ms: {statistics.median(values):.1f} ms")
        print(f"dashboard_overview_{n}m_p95_ms: {percentile(values, 0.95):.1f} ms")
    print(f"dashboard_overview_direct_{span}m_median_ms: {statistics.median(plain):.1f} ms")
    ratio = statistics.median(web[span]) / statistics.median(plain)
    print(f"dashboard_web_overhead_{span}m: {ratio:.2f} x")
    print(f"dashboard_month_median_ms: {statistics.median(month):.1f} ms")
    print(f"dashboard_month_p95_ms: {percentile(month, 0.95):.1f} ms")


if __name__ == "__main__":
    main()
