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
from dashboard.formatting import PLOTLY_SEPARATORS, euro, month, short_day
from dashboard.i18n import _

INCOME, FIXED, LEEFGELD, BALANCE, BAND = "#1b7f5f", "#b3261e", "#8a5a00", "#1f3b73", "#9db4dd"


def _layout(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "font": {"size": 16}},
        separators=PLOTLY_SEPARATORS,
        margin={"l": 70, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.15},
        yaxis={"tickprefix": "€ ", "tickformat": ",.0f", "zeroline": True},
        plot_bgcolor="white",
        height=360,
    )
    return fig


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
            y=[c / 100 for c in values],
            customdata=[euro(c) for c in values],
            hovertemplate=f"{name} %{{x}}: %{{customdata}}<extra></extra>",
            marker={"color": colour, "pattern": {"shape": pattern}},
        )
    fig.update_layout(barmode="group")
    return _layout(fig, _("Income, fixed costs and leefgeld per month"))


def balance_forecast(history: Sequence[BalancePoint], future: Sequence[BalancePoint]) -> go.Figure:
    """The balance at past month ends (solid), the expected balance (dashed) and its 80 % band
    (shaded, with dotted edges) for the months ahead; the dashed line starts at the last known
    balance so the two connect. History comes first: the x axis takes its order from the
    first trace that names a date."""
    fig = go.Figure()
    if history:
        fig.add_scatter(
            name=_("Balance at month end"),
            x=[short_day(p.day) for p in history],
            y=[p.balance_cents / 100 for p in history],
            customdata=[euro(p.balance_cents) for p in history],
            hovertemplate="%{x}: %{customdata}<extra></extra>",
            mode="lines+markers",
            line={"color": BALANCE},
            marker={"symbol": "circle"},
        )
    band = [p for p in future if p.low_cents is not None and p.high_cents is not None]
    if band:
        x = [short_day(p.day) for p in band]
        fig.add_scatter(
            name=_("Upper edge of the band"),
            x=x,
            y=[(p.high_cents or 0) / 100 for p in band],
            customdata=[euro(p.high_cents or 0) for p in band],
            hovertemplate="%{x}: %{customdata}<extra></extra>",
            mode="lines",
            line={"color": BAND, "dash": "dot"},
            showlegend=False,
        )
        fig.add_scatter(
            name=_("Band (8 in 10 months fall within it)"),
            x=x,
            y=[(p.low_cents or 0) / 100 for p in band],
            customdata=[euro(p.low_cents or 0) for p in band],
            hovertemplate="%{x}: %{customdata}<extra></extra>",
            mode="lines",
            line={"color": BAND, "dash": "dot"},
            fill="tonexty",
            fillcolor="rgba(157, 180, 221, 0.35)",
        )
    if future:
        expected = [*history[-1:], *future]
        fig.add_scatter(
            name=_("Expected balance"),
            x=[short_day(p.day) for p in expected],
            y=[p.balance_cents / 100 for p in expected],
            customdata=[euro(p.balance_cents) for p in expected],
            hovertemplate="%{x}: %{customdata}<extra></extra>",
            mode="lines+markers",
            line={"color": BALANCE, "dash": "dash"},
            marker={"symbol": "diamond-open"},
        )
    fig.update_layout(xaxis={"type": "category", "tickangle": -45, "automargin": True})
    return _layout(fig, _("Balance and expected balance"))
