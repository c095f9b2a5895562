"""The layout every chart shares (Dutch separators, euro axis, margins, legend) and how cents
become a trace: euros on the axis, the exact amount in the hover text."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl

from budget.overview import MonthOverview, PartnerRow
from dashboard.data import MonthFlow
from dashboard.figures.month import money_per_month
from dashboard.figures.overview import month_flows
from dashboard.figures.regelingen import expected_vs_received
from dashboard.figures.style import HOVER, add_line, amounts, chart_layout

NBSP = "\u00a0"


def test_a_title_gets_room_above_the_plot() -> None:
    titled = chart_layout(go.Figure(), "Saldo")
    assert titled.layout.title.text == "Saldo" and titled.layout.title.x == 0
    assert titled.layout.margin.t == 50
    plain = chart_layout(go.Figure())
    assert plain.layout.title.text is None and plain.layout.margin.t == 30


def test_amounts_are_euros_on_the_axis_and_exact_in_the_hover() -> None:
    assert amounts([123456, -5, None], missing="–") == {
        "y": [1234.56, -0.05, None],
        "customdata": [f"€{NBSP}1.234,56", f"€{NBSP}-0,05", "–"],
    }
    fig = go.Figure()
    add_line(fig, "Saldo", ["jan", "feb"], [100, None], line={"color": "#000000"}, mode="lines")
    (trace,) = fig.data
    assert (trace.name, trace.mode, trace.hovertemplate) == ("Saldo", "lines", HOVER)
    assert list(trace.y) == [1.0, None] and list(trace.customdata) == [f"€{NBSP}1,00", ""]


def test_the_three_chart_modules_share_one_layout() -> None:
    month = dt.date(2024, 1, 1)
    overview = MonthOverview("H1", (month,), (PartnerRow("UWV", "inkomen", ((100,),)),), (100,),
                             (None,))  # fmt: skip
    regelingen = pl.DataFrame(
        {"month": [month], "regeling": ["zorgtoeslag"], "expected_cents": [100],
         "received_cents": [100]}
    )  # fmt: skip
    figures = (
        money_per_month([MonthFlow(month, 100, 50, 25)]),
        month_flows(overview),
        expected_vs_received(regelingen, {}, month),
    )
    for fig in figures:
        layout = fig.layout
        assert layout.separators == ",." and layout.plot_bgcolor == "white"
        assert (layout.yaxis.tickprefix, layout.yaxis.tickformat) == ("€ ", ",.0f")
        assert (layout.margin.l, layout.margin.r, layout.margin.b) == (70, 20, 40)
        assert (layout.legend.orientation, layout.height) == ("h", 360)
