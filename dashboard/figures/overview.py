"""Money in and out per month, with the closing balance, for the month overview page."""

from __future__ import annotations

import plotly.graph_objects as go

from budget.overview import MonthOverview
from dashboard.figures.style import GREEN, HOVER, NAVY, RED, add_line, amounts, chart_layout
from dashboard.formatting import month
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
    for name, cents, colour in ((_("Money in"), income, GREEN), (_("Money out"), spending, RED)):
        fig.add_bar(name=name, x=labels, **amounts(cents), hovertemplate=HOVER, marker_color=colour)
    closing = overview.closing
    if any(c is not None for c in closing):
        add_line(fig, _("Closing balance"), labels, closing, line={"color": NAVY})
    fig.update_layout(barmode="relative")
    return chart_layout(fig)
