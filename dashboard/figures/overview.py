"""Money in and out per month, with the closing balance, for the month overview page."""

from __future__ import annotations

import plotly.graph_objects as go

from budget.overview import MonthOverview
from dashboard.formatting import PLOTLY_SEPARATORS, euro, month
from dashboard.i18n import _


def month_flows(overview: MonthOverview) -> go.Figure:
    """Bars of income and spending per month and a line of *saldo eind* where it is known.

    Values are euros for the axes (cents / 100, only for drawing); the hover text is the exact
    amount formatted from the cents.
    """
    labels = [month(m) for m in overview.months]
    income = [sum(a for r in overview.rows for a in r.payments[i] if a > 0)
              for i in range(len(overview.months))]  # fmt: skip
    spending = [sum(a for r in overview.rows for a in r.payments[i] if a < 0)
                for i in range(len(overview.months))]  # fmt: skip
    fig = go.Figure()
    fig.add_bar(
        name=_("Money in"),
        x=labels,
        y=[c / 100 for c in income],
        customdata=[euro(c) for c in income],
        hovertemplate="%{x}: %{customdata}<extra></extra>",
        marker_color="#1b7f5f",
    )
    fig.add_bar(
        name=_("Money out"),
        x=labels,
        y=[c / 100 for c in spending],
        customdata=[euro(c) for c in spending],
        hovertemplate="%{x}: %{customdata}<extra></extra>",
        marker_color="#b3261e",
    )
    closing = overview.closing
    if any(c is not None for c in closing):
        fig.add_scatter(
            name=_("Closing balance"),
            x=labels,
            y=[None if c is None else c / 100 for c in closing],
            customdata=["" if c is None else euro(c) for c in closing],
            hovertemplate="%{x}: %{customdata}<extra></extra>",
            mode="lines+markers",
            line_color="#1f3b73",
        )
    fig.update_layout(
        separators=PLOTLY_SEPARATORS,
        barmode="relative",
        margin={"l": 60, "r": 20, "t": 30, "b": 40},
        legend={"orientation": "h", "y": -0.15},
        yaxis={"tickprefix": "€ ", "tickformat": ",.0f", "zeroline": True},
        plot_bgcolor="white",
        height=360,
    )
    return fig
