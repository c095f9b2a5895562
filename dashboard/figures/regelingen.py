"""The two charts of "Regelingen": expected against received per month, and the clawback
projection (how a monthly reservation grows to the amount to pay back by the time it can fall
due).

Pure functions of :mod:`entitlement` frames (``Outcomes.months``, ``Outcomes.clawbacks``).
Accessible without colour: each series has its own bar pattern or line dash and a name in the
legend, every chart has a title, and the page shows the same numbers in tables. Axis values are
euros (cents / 100, only for drawing); hover texts are exact amounts formatted from the cents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import plotly.graph_objects as go
import polars as pl

from dashboard.figures.style import GREEN, HOVER, NAVY, OCHRE, RED, add_line, chart_layout
from dashboard.formatting import euro, month
from dashboard.i18n import _
from entitlement.buffer import add_months

EXPECTED, RECEIVED, RESERVED, TO_PAY = NAVY, GREEN, OCHRE, RED
DASHES = ("solid", "dot", "dashdot", "longdash")


def _breakdown(parts: list[tuple[str, int]]) -> str:
    shown = [f"{title}: {euro(cents)}" for title, cents in parts if cents]
    return "<br>".join(shown) if shown else _("nothing")


def expected_vs_received(
    months: pl.DataFrame, titles: Mapping[str, str], last_seen: dt.date
) -> go.Figure:
    """Per month the expected amount of all regelingen together (bars) and what arrived (bars
    with a pattern), the hover text broken down per regeling. ``months`` has the columns
    ``month``, ``regeling``, ``expected_cents`` (null: not calculated) and ``received_cents``
    of :data:`entitlement.outcomes.MONTHS_SCHEMA`. Received is drawn only up to ``last_seen``
    (the last month the statements cover): after it nothing can have arrived yet."""
    ordered = months.sort("month", "regeling")
    labels: list[str] = []
    expected: list[int] = []
    received: list[int | None] = []
    expected_hover: list[str] = []
    received_hover: list[str] = []
    for (when,), part in ordered.group_by("month", maintain_order=True):
        assert isinstance(when, dt.date)
        rows = list(part.iter_rows(named=True))
        exp = [(titles.get(r["regeling"], r["regeling"]), r["expected_cents"] or 0) for r in rows]
        got = [(titles.get(r["regeling"], r["regeling"]), r["received_cents"] or 0) for r in rows]
        labels.append(month(when))
        expected.append(sum(c for _t, c in exp))
        expected_hover.append(_breakdown(exp))
        seen = when <= last_seen
        received.append(sum(c for _t, c in got) if seen else None)
        received_hover.append(_breakdown(got) if seen else _("not yet visible"))
    fig = go.Figure()
    fig.add_bar(
        name=_("Expected"),
        x=labels,
        y=[c / 100 for c in expected],
        customdata=[[euro(c), h] for c, h in zip(expected, expected_hover, strict=True)],
        hovertemplate=_("Expected") + " %{x}: %{customdata[0]}<br>%{customdata[1]}<extra></extra>",
        marker={"color": EXPECTED, "pattern": {"shape": ""}},
    )
    fig.add_bar(
        name=_("Received"),
        x=labels,
        y=[None if c is None else c / 100 for c in received],
        customdata=[
            ["–" if c is None else euro(c), h]
            for c, h in zip(received, received_hover, strict=True)
        ],
        hovertemplate=_("Received") + " %{x}: %{customdata[0]}<br>%{customdata[1]}<extra></extra>",
        marker={"color": RECEIVED, "pattern": {"shape": "/"}},
    )
    fig.update_layout(barmode="group")
    return chart_layout(fig, _("Regelingen per month: expected and received"))


def clawback_projection(clawbacks: pl.DataFrame, titles: Mapping[str, str]) -> go.Figure:
    """Per toeslag with an expected clawback (``to_pay_cents > 0`` in
    :data:`entitlement.clawback.CLAWBACK_SCHEMA`): the reservation put aside month by month from
    ``as_of`` (a line that rises by ``monthly_reservation_cents``, never above the amount) until
    ``due_earliest``, against the amount to pay back (a dashed level line). Without any expected
    clawback the chart says so."""
    due = clawbacks.filter(pl.col("to_pay_cents") > 0).sort("regeling")
    fig = go.Figure()
    for n, row in enumerate(due.iter_rows(named=True)):
        title = titles.get(row["regeling"], row["regeling"])
        start: dt.date = row["as_of"]
        end: dt.date = row["due_earliest"]
        amount = int(row["to_pay_cents"])
        step = int(row["monthly_reservation_cents"] or 0)
        points = [start]
        while points[-1] < end:
            points.append(add_months(points[-1], 1))
        saved = [min(amount, step * k) for k in range(len(points))]
        x = [month(p) for p in points]
        name = _("Reserved for {regeling} {year}").format(regeling=title, year=row["year"])
        reserved = {"color": RESERVED, "dash": DASHES[n % len(DASHES)]}
        add_line(fig, name, x, saved, line=reserved, hover=f"{name} {HOVER}")
        to_pay = _("To pay back: {regeling} {year}").format(regeling=title, year=row["year"])
        level = [amount] * len(x)
        hover = to_pay + ": %{customdata}<extra></extra>"
        add_line(
            fig, to_pay, x, level, line={"color": TO_PAY, "dash": "dash"}, mode="lines", hover=hover
        )
    if not due.height:
        fig.add_annotation(
            text=_("No clawback expected"),
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
        )
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    return chart_layout(fig, _("Expected clawback and the reservation towards it"))
