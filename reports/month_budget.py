"""The budget half of the month report: leefgeld, signals and the balance forecast.

The figures come from the same calls the command line makes, so the PDF and the terminal
cannot disagree:

- leefgeld: ``hhb budget --month`` (:func:`budget.plan_household.household_budget` over the
  whole classified history, the statements' closing date as ``data_until``
  (:func:`hhb.commands_plan.statements_until`), the profile of the month for the Nibud norm);
- signals and forecast: ``hhb signals --month`` (:func:`hhb.signals_view.load_inputs` and
  :func:`hhb.signals_view.run`): the month as the coach saw it at its end, the forecast looking
  ahead from that day.

Those loaders live in ``hhb/`` (they are the commands' own); they read the store and budget
modules only, no click. A month the budget or the signals cannot be made for (no transactions
in it, statements ending before it) is not an error for the report: its section says why, in
the words the command would print.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

import polars as pl
from sqlalchemy.orm import Session

from budget.norms import FOOD_ONLY
from budget.overview import month_label
from budget.plan_household import BudgetLine, HouseholdBudget, NoBudgetData, household_budget
from budget.plan_text import SECTIONS as POSTS
from budget.signals import KIND_LABELS, SEVERITY_LABELS, Severity, Signal, SignalKind
from hhb.commands_plan import statements_until
from hhb.signals_view import load_inputs, long_date, run
from ingest.profile import HouseholdProfile
from reports.charts import forecast_chart
from reports.html import amount_cell, euro, running_text
from store.classification import classified_transactions
from store.households import NotFoundError
from store.profiles import profile_for_month

FORECAST_MONTHS = 12
"""As ``hhb forecast`` (its default)."""


@dataclass(frozen=True, slots=True)
class BudgetPart:
    """The month's budget, or why there is none (Dutch, as ``hhb budget`` says it)."""

    budget: HouseholdBudget | None
    missing: str | None = None


@dataclass(frozen=True, slots=True)
class ForecastPoint:
    month: dt.date
    expected_cents: int
    low_cents: int | None
    high_cents: int | None


@dataclass(frozen=True, slots=True)
class SignalsPart:
    """The month's open signals and the forecast from its end, or why there are none."""

    signals: tuple[Signal, ...] = ()
    since: dt.date | None = None
    as_of: dt.date | None = None
    balance_known: bool = False
    forecast: tuple[ForecastPoint, ...] = ()
    floor_cents: int | None = None
    sigma_cents: int | None = None
    missing: str | None = None


def load_budget(session: Session, household_code: str, month: dt.date) -> BudgetPart:
    classified = classified_transactions(session, household_code)
    until = statements_until(session, household_code)

    def profile(day: dt.date) -> HouseholdProfile | None:
        return profile_for_month(session, household_code, day)

    try:
        budget = household_budget(
            classified, household_code, month, data_until=until, profile=profile
        )
    except NoBudgetData as exc:
        return BudgetPart(None, str(exc))
    return BudgetPart(budget)


def load_signals(session: Session, household_code: str, month: dt.date) -> SignalsPart:
    try:
        inputs = load_inputs(session, household_code, f"{month:%Y-%m}")
    except NotFoundError as exc:  # the household exists (checked first): no data for the month
        return SignalsPart(missing=str(exc))
    fc, signals = run(inputs, FORECAST_MONTHS)
    summary = fc.summary.row(0, named=True)
    known = fc.months.filter(pl.col("expected_cents").is_not_null())
    points = tuple(
        ForecastPoint(m, int(e), lo, hi)
        for m, e, lo, hi in known.select(
            "month", "expected_cents", "low_cents", "high_cents"
        ).iter_rows()
    )
    return SignalsPart(
        signals=signals,
        since=inputs.since,
        as_of=inputs.as_of,
        balance_known=inputs.balance_known,
        forecast=points,
        floor_cents=summary["floor_cents"],
        sigma_cents=summary["sigma_cents"],
    )


# --- HTML -------------------------------------------------------------------------------------


def _amount(cents: int | None, *, sign: bool = False) -> str:
    return amount_cell(cents, sign=sign, missing="")


def _total_row(label: str, cents: int, *, sign: bool = False, css: str = "total") -> str:
    return f'<tr class="{css}"><th scope="row">{escape(label)}</th>{_amount(cents, sign=sign)}</tr>'


def _line_row(line: BudgetLine) -> str:
    text = running_text(line.explanation)
    return f'<tr><td class="explain">{text}</td>{_amount(line.monthly_cents)}</tr>'


def leefgeld_html(part: BudgetPart, month: dt.date) -> str:
    """The budget as ``hhb budget`` prints it: per post its total and its lines with their
    explanation, then the leefgeld per month and week and the Nibud food minimum."""
    b = part.budget
    if b is None:
        why = escape(part.missing or "")
        return f"<p>Geen begroting voor {escape(month_label(month))}: {why}</p>"
    totals = {
        "inkomen": b.income_cents,
        "wisselend_inkomen": b.irregular_income_cents,
        "vaste_lasten": b.fixed_costs_cents,
        "reservering": b.reservations_cents,
        "aflossing": b.debt_repayments_cents,
    }
    intro = (
        f"<p>De begroting van {escape(month_label(b.month))}, gemaakt uit de afschriften t/m "
        f"{b.data_until:%d-%m-%Y}. Alle bedragen zijn per maand; bij elke regel staat waar het "
        "bedrag vandaan komt.</p>"
    )
    bodies = []
    for post, title in POSTS:
        lines = b.post(post)
        if post.value == "wisselend_inkomen" and not lines:
            continue
        rows = [_total_row(f"{title} per maand", totals[post.value], css="post")]
        rows += [_line_row(line) for line in lines] or ['<tr><td class="explain">(geen)</td></tr>']
        bodies.append(f'<tbody class="partner">{"".join(rows)}</tbody>')
    table = f'<table class="budget">{"".join(bodies)}</table>'
    leefgeld = (
        '<table class="budget"><tbody>'
        + _total_row("Leefgeld per maand", b.leefgeld_month_cents)
        + _total_row("Leefgeld per week", b.leefgeld_week_cents)
        + "</tbody></table>"
        f'<p class="note">{running_text(b.explanation)}</p>'
        f"<p>Werkelijk overgemaakt als leefgeld in {escape(month_label(b.month))}: "
        f"{euro(b.leefgeld_paid_cents, sign=False)} ({b.leefgeld_paid_count} keer).</p>"
    )
    return intro + table + leefgeld + _norm_html(b)


def _norm_html(b: HouseholdBudget) -> str:
    head = f"<h3>Nibud-minimum en verschil ({escape(FOOD_ONLY)})</h3>"
    if b.norm is None:
        return head + f"<p>{escape(b.norm_missing or '')}</p>"
    persons = "".join(
        f'<tr><td class="explain">{escape(p.name or p.role)} ({escape(p.role)}), {p.age} jaar: '
        f"{running_text(p.note)}</td>"
        f'<td class="amount">{euro(p.day_cents, sign=False)}/dag</td></tr>'
        for p in b.norm.persons
    )
    rows = (
        _total_row("Nibud-minimum per maand", b.norm.month_cents)
        + _total_row("Nibud-minimum per week", b.norm.week_cents)
        + _total_row("Verschil leefgeld − minimum per maand", b.gap_month_cents or 0, sign=True)
        + _total_row("Verschil leefgeld − minimum per week", b.gap_week_cents or 0, sign=True)
    )
    notes = "".join(f'<p class="note">{running_text(n)}</p>' for n in b.norm.notes[1:])
    return (
        head
        + f'<table class="budget"><tbody>{persons}</tbody><tbody>{rows}</tbody></table>'
        + f'<p class="note">{running_text(b.norm.explanation)}</p>'
        + notes
    )


def signals_html(part: SignalsPart) -> str:
    """The open signals as ``hhb signals --month`` lists them: date, how urgent, the kind, what
    happened and what was expected (or the limit), and the message in full."""
    if part.missing is not None or part.since is None or part.as_of is None:
        return f"<p>Geen signalen: {escape(part.missing or '')}</p>"
    intro = (
        f"<p>Signalen van {escape(long_date(part.since))} t/m {escape(long_date(part.as_of))} "
        f"(afschriften tot en met {part.as_of:%d-%m-%Y}). Een signaal is geen oordeel: het is "
        "iets om samen naar te kijken.</p>"
    )
    if not part.balance_known:
        intro += "<p>Geen saldo bekend in de afschriften: geen signalen over het saldo.</p>"
    if not part.signals:
        return intro + "<p>Geen open signalen.</p>"
    head = (
        "<thead><tr><th>Datum</th><th>Urgentie</th><th>Signaal</th>"
        "<th class='amount'>Bedrag</th><th class='amount'>Verwacht / grens</th></tr></thead>"
    )
    rows = "".join(
        f"<tr><td>{sig.date:%d-%m-%Y}</td>"
        f"<td>{escape(SEVERITY_LABELS[Severity(sig.severity)])}</td>"
        f'<td><span class="kind-label">{escape(KIND_LABELS[SignalKind(sig.kind)])}</span>'
        f'<br><span class="explain">{running_text(sig.message)}</span></td>'
        f"{_amount(sig.amount_cents)}{_amount(sig.reference_cents)}</tr>"
        for sig in part.signals
    )
    table = f'<table class="signals">{head}<tbody>{rows}</tbody></table>'
    n = len(part.signals)
    count = f"<p>{n} open {'signaal' if n == 1 else 'signalen'}.</p>"
    return intro + table + count


def forecast_html(part: SignalsPart) -> str:
    """The forecast chart with its figures in a table (empty when no balance is known)."""
    if not part.forecast or part.as_of is None:
        return ""
    points = part.forecast
    chart = forecast_chart(
        [p.month for p in points],
        [p.expected_cents for p in points],
        [p.low_cents for p in points],
        [p.high_cents for p in points],
        part.floor_cents,
    )
    band = (
        "De band is de marge waarbinnen het saldo naar verwachting 8 van de 10 maanden blijft."
        if part.sigma_cents is not None
        else "Geen band: minder dan 3 volledige maanden geschiedenis."
    )
    caption = (
        f"Verwacht saldo aan het eind van elke maand, vanaf {escape(long_date(part.as_of))}. {band}"
    )
    rows = "".join(
        f"<tr><th scope='row'>{escape(month_label(p.month))}</th>{_amount(p.expected_cents)}"
        f"{_amount(p.low_cents)}{_amount(p.high_cents)}</tr>"
        for p in points
    )
    table = (
        "<table class='forecast'><thead><tr><th>Maand</th><th class='amount'>Verwacht</th>"
        "<th class='amount'>Laag</th><th class='amount'>Hoog</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
    return f"<figure>{chart}<figcaption>{caption}</figcaption></figure>{table}"
