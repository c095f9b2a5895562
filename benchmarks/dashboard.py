"""Callback latency of the dashboard's month overview, through the whole web stack.

Target (issue 7): the month overview callback for a household with 5 years of data, p95 under
150 ms. The analyst page over 100 000 households comes with ``reports/`` and is not measured
here yet.

How it runs: the demo world with one household (the seed participant) over 60 months is built
through the normal import path into a temporary SQLite database; the app from
``dashboard.create_app`` is logged into as that participant (argon2, server-side session, CSRF
cookie), and the overview callback is posted to ``/_dash-update-component`` with the Flask test
client, exactly as the browser sends it (authorization, audit row, classification, table and
figure included; no network). Measured for a 3-month view (the page's default) and a 36-month
view (the largest allowed), and the same computation called directly (``dashboard.data.overview``)
to show what the web layer adds.

Prints ``name: value unit`` lines: ``dashboard_overview_{3,36}m_{median,p95}_ms``,
``dashboard_overview_direct_36m_median_ms`` and ``dashboard_web_overhead_36m`` (ratio).
Usage: ``python benchmarks/dashboard.py [--quick]`` (``--quick``: 24 months, fewer repeats).
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

from dashboard import create_app  # noqa: E402
from dashboard import data as dashboard_data  # noqa: E402
from dashboard.config import DashboardConfig  # noqa: E402
from dashboard.security import CSRF_COOKIE, CSRF_HEADER  # noqa: E402
from hhb.demo.cli import run_demo  # noqa: E402
from hhb.demo.seed import SEED_CODE  # noqa: E402
from hhb.settings import Settings, sqlite_url  # noqa: E402
from store.db import session_scope  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(call: Any, repeats: int) -> list[float]:
    call()  # warm-up: imports, caches, the first query plan
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


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
        app.server.extensions["hhb"].engine.dispose()
    print(f"dashboard_household_months: {len(available)} months")
    for n, values in web.items():
        print(f"dashboard_overview_{n}m_median_ms: {statistics.median(values):.1f} ms")
        print(f"dashboard_overview_{n}m_p95_ms: {percentile(values, 0.95):.1f} ms")
    print(f"dashboard_overview_direct_{span}m_median_ms: {statistics.median(plain):.1f} ms")
    ratio = statistics.median(web[span]) / statistics.median(plain)
    print(f"dashboard_web_overhead_{span}m: {ratio:.2f} x")


if __name__ == "__main__":
    main()
