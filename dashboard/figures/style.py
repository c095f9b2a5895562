"""What every chart of the dashboard shares: the colours, the layout (title, margins, legend,
the euro axis with Dutch separators) and how a series of cents becomes bars or a line.

Axis values are euros (cents / 100, only for drawing); the hover text is the exact amount
formatted from the cents, never a rounded axis value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import plotly.graph_objects as go

from dashboard.formatting import PLOTLY_SEPARATORS, euro

GREEN: Final = "#1b7f5f"
RED: Final = "#b3261e"
OCHRE: Final = "#8a5a00"
NAVY: Final = "#1f3b73"
PALE_BLUE: Final = "#9db4dd"
"""The palette; each chart names its series with these, and tells them apart by pattern or
dash as well, so that no reading depends on colour alone."""

HOVER: Final = "%{x}: %{customdata}<extra></extra>"
"""Hover text of a point: its x label and the exact amount (the trace's ``customdata``)."""


def chart_layout(fig: go.Figure, title: str | None = None) -> go.Figure:
    """The layout of every chart: a title at the left (when given), a horizontal legend under
    the plot, a euro y axis with the Dutch decimal comma and thousands point, white ground."""
    layout: dict[str, Any] = {
        "separators": PLOTLY_SEPARATORS,
        "margin": {"l": 70, "r": 20, "t": 30 if title is None else 50, "b": 40},
        "legend": {"orientation": "h", "y": -0.15},
        "yaxis": {"tickprefix": "€ ", "tickformat": ",.0f", "zeroline": True},
        "plot_bgcolor": "white",
        "height": 360,
    }
    if title is not None:
        layout["title"] = {"text": title, "x": 0, "font": {"size": 16}}
    fig.update_layout(**layout)
    return fig


def amounts(cents: Sequence[int | None], missing: str = "") -> dict[str, list[Any]]:
    """``y`` (euros) and ``customdata`` (the exact amount as text) of a trace drawn from cents;
    ``None`` is a gap in the line with ``missing`` as its text."""
    return {
        "y": [None if c is None else c / 100 for c in cents],
        "customdata": [missing if c is None else euro(c) for c in cents],
    }


def add_line(
    fig: go.Figure,
    name: str,
    x: Sequence[str],
    cents: Sequence[int | None],
    *,
    line: dict[str, str],
    mode: str = "lines+markers",
    hover: str = HOVER,
    **options: Any,
) -> None:
    """A line of amounts in cents (:func:`amounts`), named in the legend; ``options`` are any
    further scatter properties (``fill``, ``showlegend``, ``marker``, ...)."""
    fig.add_scatter(
        name=name, x=x, **amounts(cents), hovertemplate=hover, mode=mode, line=line, **options
    )
