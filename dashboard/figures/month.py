"""The two charts of "Mijn maand": money per month by kind, and the balance with its forecast.

Pure functions of :mod:`dashboard.data` values. Accessible without colour: each series has its
own bar pattern or line dash and a name in the legend, every chart has a title, and the page
shows the same numbers as a table beside it. Axis values are euros (cents / 100, only for
drawing); hover texts are the exact amounts formatted from the cents.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from dashboard.data import BalancePoint, MonthFlow
from dashboard.figures.style import (
    GREEN,
    NAVY,
    OCHRE,
    PALE_BLUE,
    RED,
    add_line,
    amounts,
    chart_layout,
)
from dashboard.formatting import month, short_day
from dashboard.i18n import _

INCOME, FIXED, LEEFGELD, BALANCE, BAND = GREEN, RED, OCHRE, NAVY, PALE_BLUE


def money_per_month(flows: Sequence[MonthFlow]) -> go.Figure:
    """Grouped bars per month: income, fixed costs and leefgeld (both paid out, positive)."""
    labels = [month(f.month) for f in flows]
    fig = go.Figure()
    for name, values, colour, pattern in (
        (_("Income"), [f.income_cents for f in flows], INCOME, ""),
        (_("Fixed costs"), [f.fixed_costs_cents for f in flows], FIXED, "/"),
        (_("Leefgeld"), [f.leefgeld_cents for f in flows], LEEFGELD, "."),
    ):
        fig.add_bar(
            name=name,
            x=labels,
            **amounts(values),
            hovertemplate=f"{name} %{{x}}: %{{customdata}}<extra></extra>",
            marker={"color": colour, "pattern": {"shape": pattern}},
        )
    fig.update_layout(barmode="group")
    return chart_layout(fig, _("Income, fixed costs and leefgeld per month"))


def balance_forecast(history: Sequence[BalancePoint], future: Sequence[BalancePoint]) -> go.Figure:
    """The balance at past month ends (solid), the expected balance (dashed) and its 80 % band
    (shaded, with dotted edges) for the months ahead; the dashed line starts at the last known
    balance so the two connect. History comes first: the x axis takes its order from the
    first trace that names a date."""
    fig = go.Figure()
    if history:
        add_line(
            fig,
            _("Balance at month end"),
            [short_day(p.day) for p in history],
            [p.balance_cents for p in history],
            line={"color": BALANCE},
            marker={"symbol": "circle"},
        )
    band = [p for p in future if p.low_cents is not None and p.high_cents is not None]
    if band:
        x = [short_day(p.day) for p in band]
        edge = {"color": BAND, "dash": "dot"}
        high = [p.high_cents for p in band]
        add_line(
            fig, _("Upper edge of the band"), x, high, line=edge, mode="lines", showlegend=False
        )
        add_line(
            fig,
            _("Band (8 in 10 months fall within it)"),
            x,
            [p.low_cents for p in band],
            line=edge,
            mode="lines",
            fill="tonexty",
            fillcolor="rgba(157, 180, 221, 0.35)",
        )
    if future:
        expected = [*history[-1:], *future]
        add_line(
            fig,
            _("Expected balance"),
            [short_day(p.day) for p in expected],
            [p.balance_cents for p in expected],
            line={"color": BALANCE, "dash": "dash"},
            marker={"symbol": "diamond-open"},
        )
    fig.update_layout(xaxis={"type": "category", "tickangle": -45, "automargin": True})
    return chart_layout(fig, _("Balance and expected balance"))
