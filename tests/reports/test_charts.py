"""Charts are SVG with real text, drawn from their figures alone."""

from __future__ import annotations

import datetime as dt
import itertools
import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from reports.charts import (
    balance_chart,
    forecast_chart,
    income_spending_chart,
    nice_ticks,
    whole_euros,
)

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = (dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1))


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


@given(st.integers(-(10**9), 10**9), st.integers(-(10**9), 10**9))
def test_ticks_cover_the_range_in_whole_euros(a: int, b: int) -> None:
    low, high = min(a, b), max(a, b)
    ticks = nice_ticks(low, high)
    assert ticks[0] <= min(low, 0) and ticks[-1] >= max(high, 0)
    assert 0 in ticks
    steps = {y - x for x, y in itertools.pairwise(ticks)}
    assert len(steps) == 1 and next(iter(steps)) % 100 == 0
    assert 2 <= len(ticks) <= 12


def test_axis_labels_are_dutch_euros() -> None:
    assert whole_euros(150000) == "€ 1.500"
    assert whole_euros(-25050) == "€ -251"
    assert whole_euros(0) == "€ 0"


def test_bars_are_proportional_and_labelled() -> None:
    svg = income_spending_chart(MONTHS, (100000, 50000, 0), (25000, 0, 75000))
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}desc") is not None
    heights = [float(r.get("height", 0)) for r in root.iter(f"{SVG}rect")][:6]
    assert heights[0] == 2 * heights[2] == 4 * heights[1] and heights[3] == 0
    assert {"jan 2024", "feb 2024", "mrt 2024", "geld in", "geld uit"} <= set(texts(svg))


def test_an_unknown_balance_breaks_the_line() -> None:
    svg = balance_chart(MONTHS, (-8536, None, 27372))
    root = ET.fromstring(svg)
    assert len(list(root.iter(f"{SVG}circle"))) == 2
    assert not list(root.iter(f"{SVG}polyline"))  # no segment of two known points
    joined = balance_chart(MONTHS, (-8536, -28117, 27372))
    assert len(list(ET.fromstring(joined).iter(f"{SVG}polyline"))) == 1


def test_no_known_balance_draws_nothing_made_up() -> None:
    svg = balance_chart(MONTHS, (None, None, None))
    assert ET.fromstring(svg).find(f"{SVG}desc").text == "Saldo onbekend."  # type: ignore[union-attr]


def test_forecast_band_is_drawn_only_where_it_is_known() -> None:
    svg = forecast_chart(MONTHS, (27512, 27652, 27792), (-16265, -34258, -46798),
                         (71289, 89562, 102382), floor=0)  # fmt: skip
    root = ET.fromstring(svg)
    (band,) = root.iter(f"{SVG}polygon")
    ys = [float(p.split(",")[1]) for p in band.get("points", "").split()]
    assert len(ys) == 6 and max(ys[:3]) < min(ys[3:])  # high above low (SVG y grows down)
    assert len(list(root.iter(f"{SVG}polyline"))) == 1
    assert {"verwacht saldo", "band: 8 van de 10 maanden", "ondergrens", "2024"} <= set(texts(svg))
    no_band = forecast_chart(MONTHS, (100, 200, 300), (None, None, None), (None, None, None))
    assert not list(ET.fromstring(no_band).iter(f"{SVG}polygon"))
    assert "band: 8 van de 10 maanden" not in texts(no_band)
