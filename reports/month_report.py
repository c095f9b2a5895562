"""The month report: a PDF in plain Dutch for the conversation between coach and participant.

The report is a list of *sections*; each is a function from :class:`MonthReportData` (the
domain results, gathered once) to an HTML fragment. Adding regelingen means adding their
results to the data and a function to :data:`SECTIONS`; the page, the CSS and the PDF engine
(:mod:`reports.pdf`) stay as they are.

Figures are the same as ``hhb overview`` shows: the overview section is
:func:`budget.overview.month_overview` over the three months ending at the report's month,
classified exactly as that command classifies them. The charts look back further
(:data:`CHART_MONTHS`) and need only money in, money out and the balance, so they read the
transactions without classifying them. Leefgeld, signals and the balance forecast are those of
``hhb budget --month`` and ``hhb signals --month`` (:mod:`reports.month_budget`); the
regelingen those of ``hhb entitlements`` for the month's year (:mod:`reports.month_regelingen`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Final

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from budget.categories import LABELS, Rubriek
from budget.overview import MonthOverview, month_label, month_overview
from reports.charts import balance_chart, income_spending_chart
from reports.html import amount_cell, section
from reports.month_budget import (
    BudgetPart,
    SignalsPart,
    forecast_html,
    leefgeld_html,
    load_budget,
    load_signals,
    signals_html,
)
from reports.month_regelingen import RegelingenPart, load_regelingen, regelingen_html
from reports.pdf import page, render_pdf
from store.classification import classified_transactions
from store.households import audit, get_household
from store.models import Transaction
from store.transactions import balance_at_start, month_bounds, transactions_frame

TABLE_MONTHS: Final = 3
CHART_MONTHS: Final = 6


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """Per month: money in, money out (positive cents) and the closing balance (None:
    unknown, no statement states a balance)."""

    months: tuple[dt.date, ...]
    income: tuple[int, ...]
    spending: tuple[int, ...]
    closing: tuple[int | None, ...]


@dataclass(frozen=True, slots=True)
class MonthReportData:
    household: str
    month: dt.date
    generated_at: dt.datetime
    overview: MonthOverview
    history: MonthFigures
    budget: BudgetPart
    signals: SignalsPart
    regelingen: RegelingenPart


Section = Callable[[MonthReportData], str]


def months_ending(month: dt.date, count: int) -> tuple[dt.date, ...]:
    """The ``count`` first-of-month dates ending with ``month``'s, oldest first."""
    out = [month.replace(day=1)]
    while len(out) < count:
        previous = out[0] - dt.timedelta(days=1)
        out.insert(0, previous.replace(day=1))
    return tuple(out)


def month_figures(
    transactions: pl.DataFrame, months: tuple[dt.date, ...], anchor: int, opening: int | None
) -> MonthFigures:
    """Money in and out per month, and each month's closing balance counted from the known
    opening balance of month ``anchor`` (forwards, and backwards for the months before it), so
    the months the overview shows get exactly its saldo."""
    keyed = transactions.with_columns(pl.col("booking_date").dt.truncate("1mo").alias("m"))
    totals = keyed.group_by("m").agg(
        pl.col("amount_cents").filter(pl.col("amount_cents") > 0).sum().alias("in"),
        (-pl.col("amount_cents").filter(pl.col("amount_cents") < 0)).sum().alias("out"),
    )
    by_month = {row["m"]: (int(row["in"]), int(row["out"])) for row in totals.iter_rows(named=True)}
    income = tuple(by_month.get(m, (0, 0))[0] for m in months)
    spending = tuple(by_month.get(m, (0, 0))[1] for m in months)
    balance = [i - s for i, s in zip(income, spending, strict=True)]
    closing: tuple[int | None, ...]
    if opening is None:
        closing = (None,) * len(months)
    else:
        start = opening - sum(balance[:anchor])
        closing = tuple(start + sum(balance[: i + 1]) for i in range(len(months)))
    return MonthFigures(months, income, spending, closing)


def load_report_data(
    session: Session, household_code: str, month: dt.date, now: dt.datetime
) -> MonthReportData:
    """Gather everything the sections show (reads the household's data; the caller audits)."""
    table_months = months_ending(month, TABLE_MONTHS)
    end = month_bounds(f"{month:%Y-%m}")[1]
    classified = classified_transactions(session, household_code, table_months[0], end)
    opening = balance_at_start(session, household_code, table_months[0])
    overview = month_overview(household_code, classified, table_months, opening)
    chart_months = _chart_months(session, household_code, month, table_months[0])
    raw = transactions_frame(session, household_code, start=chart_months[0], end=end)
    anchor = chart_months.index(table_months[0])
    history = month_figures(raw, chart_months, anchor, overview.opening[0])
    first = month.replace(day=1)
    budget = load_budget(session, household_code, first)
    signals = load_signals(session, household_code, first)
    regelingen = load_regelingen(session, household_code, first)
    return MonthReportData(
        household_code, first, now, overview, history, budget, signals, regelingen
    )


def _chart_months(
    session: Session, household_code: str, month: dt.date, table_start: dt.date
) -> tuple[dt.date, ...]:
    """Up to :data:`CHART_MONTHS` months ending at ``month``, but none before the household's
    first transaction: a balance before the data starts would be made up."""
    household = get_household(session, household_code)
    first = session.scalar(
        select(func.min(Transaction.booking_date)).where(
            Transaction.household_id == household.id, Transaction.deleted_at.is_(None)
        )
    )
    start = table_start if first is None else min(first.replace(day=1), table_start)
    return tuple(m for m in months_ending(month, CHART_MONTHS) if m >= start)


# --- sections -------------------------------------------------------------------------------


def header_section(data: MonthReportData) -> str:
    first, last = data.overview.months[0], data.overview.months[-1]
    return (
        f"<header><h1>Maandoverzicht {escape(month_label(data.month))}</h1>"
        '<dl class="meta">'
        f"<dt>Huishouden</dt><dd>{escape(data.household)}</dd>"
        f"<dt>Periode</dt><dd>{escape(month_label(first))} t/m {escape(month_label(last))}</dd>"
        f"<dt>Gemaakt op</dt><dd>{data.generated_at:%d-%m-%Y om %H:%M}</dd>"
        "</dl>"
        "<p>Dit overzicht is voor het gesprek tussen u en uw budgetcoach. Het laat zien wat "
        "er de afgelopen maanden binnenkwam en wat er werd betaald. Bedragen met een plus "
        "kwamen binnen, bedragen met een min gingen eraf.</p></header>"
    )


def overview_section(data: MonthReportData) -> str:
    overview = data.overview
    heads = "".join(f'<th class="amount">{escape(month_label(m))}</th>' for m in overview.months)
    head = f"<thead><tr><th>Ketenpartner</th><th>Soort</th>{heads}</tr></thead>"
    bodies = []
    for row in overview.rows:
        depth = max(len(cell) for cell in row.payments)
        lines = []
        for i in range(depth):
            name = escape(row.ketenpartner) if i == 0 else ""
            kind = escape(LABELS[Rubriek(row.rubriek)]) if i == 0 else ""
            cells = "".join(
                amount_cell(cell[i]) if i < len(cell) else "<td></td>" for cell in row.payments
            )
            lines.append(f'<tr><th scope="row">{name}</th><td class="kind">{kind}</td>{cells}</tr>')
        bodies.append(f'<tbody class="partner">{"".join(lines)}</tbody>')

    def total(label: str, values: Sequence[int | None]) -> str:
        cells = "".join(amount_cell(v) for v in values)
        return f'<tr><th scope="row" colspan="2">{escape(label)}</th>{cells}</tr>'

    foot = (
        "<tfoot>"
        + total("Saldo begin van periode", overview.opening)
        + total("Balans periode", overview.balance)
        + total("Saldo eind van periode", overview.closing)
        + "</tfoot>"
    )
    if not overview.rows:
        note = "<p>Er zijn in deze maanden geen transacties.</p>"
    else:
        note = (
            '<p class="note">Per ketenpartner staat elke betaling apart, zoals op het '
            "bankafschrift. De balans is alles wat binnenkwam min alles wat eraf ging. "
            "&#8220;Onbekend&#8221; betekent: geen afschrift noemt een saldo.</p>"
        )
    table = f"<table>{head}{''.join(bodies)}{foot}</table>"
    return section("Overzicht per ketenpartner", table, note)


def charts_section(data: MonthReportData) -> str:
    h = data.history
    figure_in_out = (
        f"<figure>{income_spending_chart(h.months, h.income, h.spending)}"
        "<figcaption>Geld in en uit per maand.</figcaption></figure>"
    )
    figure_balance = (
        f"<figure>{balance_chart(h.months, h.closing)}"
        "<figcaption>Saldo aan het eind van elke maand.</figcaption></figure>"
    )
    rows = "".join(
        f"<tr><th scope='row'>{escape(month_label(m))}</th>"
        f"{amount_cell(i, sign=False)}{amount_cell(s, sign=False)}{amount_cell(c)}</tr>"
        for m, i, s, c in zip(h.months, h.income, h.spending, h.closing, strict=True)
    )
    table = (
        "<table><thead><tr><th>Maand</th><th class='amount'>Geld in</th>"
        "<th class='amount'>Geld uit</th><th class='amount'>Saldo eind</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
    intro = (
        f"<p>De laatste {len(h.months)} maanden in beeld. Dezelfde bedragen staan in de "
        "tabel onder de grafieken.</p>"
    )
    # Keep the heading with the first chart: a heading alone at the bottom of a page is lost.
    opening = f'<div class="keep"><h2>Grafieken</h2>{intro}{figure_in_out}</div>'
    return f"<section>{opening}{figure_balance}{table}{forecast_html(data.signals)}</section>"


def leefgeld_section(data: MonthReportData) -> str:
    return section("Leefgeld", leefgeld_html(data.budget, data.month))


def signals_section(data: MonthReportData) -> str:
    return section("Signalen", signals_html(data.signals))


def regelingen_section(data: MonthReportData) -> str:
    return section("Regelingen", regelingen_html(data.regelingen, data.month))


SECTIONS: Final[tuple[Section, ...]] = (
    header_section,
    overview_section,
    leefgeld_section,
    signals_section,
    regelingen_section,
    charts_section,
)
"""The report's sections in order."""


def render_html(data: MonthReportData, sections: Sequence[Section] = SECTIONS) -> str:
    title = f"Maandoverzicht {month_label(data.month)} - huishouden {data.household}"
    footer = escape(
        f"Vertrouwelijk: gegevens van huishouden {data.household}. "
        f"Gemaakt op {data.generated_at:%d-%m-%Y}."
    )
    body = "".join(build(data) for build in sections)
    return page(title, "Maandoverzicht voor het gesprek met de budgetcoach", body, footer)


def month_report(
    session: Session,
    household_code: str,
    month: dt.date,
    actor: str,
    now: dt.datetime | None = None,
    sections: Sequence[Section] = SECTIONS,
) -> bytes:
    """The PDF bytes of the month report; the view of the household's data is audited."""
    household = get_household(session, household_code)
    stamp = now or dt.datetime.now().astimezone()
    data = load_report_data(session, household_code, month, stamp)
    audit(session, actor, "report.month", household.id, f"maandrapport {month:%Y-%m}")
    return render_pdf(render_html(data, sections))
