"""What ``hhb signals`` and ``hhb forecast`` read from the store and how they print it.

One household's inputs come from the normal store paths: its transactions up to ``as_of``, the
series found in them with the rubriek their transactions were classified as, the balance at the
start of the review window, the first statement date and the coach's margins. The commands in
:mod:`hhb.commands_signals` stay one call each.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy.orm import Session

from budget.classify import classify
from budget.forecast import Forecast, forecast
from budget.overview import MONTHS_NL
from budget.periods import DUTCH_NAME, Periodicity
from budget.recurring import detect_recurring
from budget.signals import (
    KIND_LABELS,
    SEVERITY_LABELS,
    Severity,
    Signal,
    SignalKind,
    as_records,
    attach_rubriek,
    default_since,
    detect_signals,
    household_context,
)
from ingest.amounts import format_euro
from ingest.canonical import TRANSACTION_SCHEMA
from store.classification import list_rules
from store.households import NotFoundError
from store.signal_settings import SignalSettingsView, get_settings
from store.statement_dates import statement_dates
from store.transactions import balance_at_start, month_bounds, transactions_frame


@dataclass(frozen=True)
class HouseholdInputs:
    code: str
    as_of: dt.date
    since: dt.date
    transactions: pl.DataFrame
    series: pl.DataFrame
    context: pl.DataFrame
    settings: SignalSettingsView
    balance_known: bool


def load_inputs(
    session: Session,
    code: str,
    month: str | None = None,
    *,
    classified: pl.DataFrame | None = None,
) -> HouseholdInputs:
    """Everything signals and forecast need for one household; ``month`` (``JJJJ-MM``) looks at
    that month as the coach saw it at its end (or at the last statement, if earlier).

    ``classified``: the household's whole history as
    :func:`store.classification.classified_transactions` gives it without bounds, from a caller
    that has read it already (the Regelingen page); it is used as it is when it ends by
    ``as_of`` (then it is exactly what this function would read), otherwise its transactions
    up to ``as_of`` are classified again. The transactions are read once and classified once.
    """
    everything = (
        transactions_frame(session, code)
        if classified is None
        else classified.select(list(TRANSACTION_SCHEMA))
    )
    if everything.height == 0:
        raise NotFoundError(
            f"huishouden {code!r} heeft nog geen transacties; importeer eerst afschriften"
        )
    booked = everything["booking_date"].max()
    assert isinstance(booked, dt.date)
    dates = statement_dates(session, code)
    first_statement, last = dates.first_opening, dates.data_until(booked)
    if month is None:
        as_of, since = last, default_since(last)
    else:
        since, end = month_bounds(month)
        if since > last:
            raise NotFoundError(
                f"de afschriften van {code!r} lopen tot {last:%d-%m-%Y}; "
                f"over {month} is nog niets bekend"
            )
        as_of = min(end, last)
    tx = everything.filter(pl.col("booking_date") <= as_of)
    if classified is None or tx.height != everything.height:
        # As classified_transactions(session, code, None, as_of), without reading again.
        classified = classify(tx, list_rules(session, code))
    series = attach_rubriek(detect_recurring(tx, as_of=as_of), classified)
    balance = balance_at_start(session, code, since)
    settings = get_settings(session, code)
    context = household_context(
        code,
        as_of,
        since=since,
        history_start=first_statement,
        balance_date=since if balance is not None else None,
        balance_cents=balance,
        margins=settings.margins,
    )
    return HouseholdInputs(code, as_of, since, tx, series, context, settings, balance is not None)


def run(inputs: HouseholdInputs, months: int = 12) -> tuple[Forecast, tuple[Signal, ...]]:
    fc = forecast(inputs.series, inputs.transactions, inputs.context, months=months)
    found = detect_signals(
        inputs.series, inputs.transactions, inputs.context, forecast_summary=fc.summary
    )
    return fc, as_records(found)


def long_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS_NL[day.month - 1]} {day.year}"


def month_name(day: dt.date) -> str:
    return f"{MONTHS_NL[day.month - 1]} {day.year}"


def margin_lines(settings: SignalSettingsView) -> list[str]:
    m = settings.margins

    def state(field: str) -> str:
        return "standaard" if settings.is_default(field) else "ingesteld"

    rows = [
        ("bedragmarge (procent)", f"{m.amount_tolerance_pct} %", "amount_tolerance_pct"),
        ("bedragmarge (euro)", format_euro(m.amount_tolerance_cents), "amount_tolerance_cents"),
        ("datummarge", f"{m.date_tolerance_days} dagen", "date_tolerance_days"),
        ("inkomensdaling", f"{m.income_drop_pct} %", "income_drop_pct"),
        ("ondergrens saldo", format_euro(m.balance_floor_cents), "balance_floor_cents"),
        ("buffer", format_euro(m.buffer_target_cents), "buffer_target_cents"),
    ]
    lines = [f"  {label:<24}{value:>14}   {state(field)}" for label, value, field in rows]
    if settings.updated_at is not None:
        lines.append(
            f"Laatst gewijzigd door {settings.updated_by} op {settings.updated_at:%d-%m-%Y %H:%M}."
        )
    return lines


def signal_lines(inputs: HouseholdInputs, signals: tuple[Signal, ...]) -> list[str]:
    lines = [
        f"Signalen voor {inputs.code} van {long_date(inputs.since)} t/m {long_date(inputs.as_of)}"
        f" (afschriften tot en met {inputs.as_of:%d-%m-%Y}):"
    ]
    if not inputs.balance_known:
        lines.append("  (geen saldo bekend in de afschriften: geen signalen over het saldo)")
    for sig in signals:
        severity = f"[{SEVERITY_LABELS[Severity(sig.severity)]}]"
        lines.append(
            f"{severity:<9}{sig.date:%d-%m-%Y}  {KIND_LABELS[SignalKind(sig.kind)]}: {sig.message}"
        )
    lines.append(f"{len(signals)} signaal/signalen" if signals else "Geen open signalen.")
    return lines


def forecast_lines(inputs: HouseholdInputs, fc: Forecast) -> list[str]:
    summary = fc.summary.row(0, named=True)
    start = summary["start_cents"]
    head = f"Prognose voor {inputs.code} vanaf {long_date(inputs.as_of)}"
    lines = [
        head
        + (
            f" (saldo {format_euro(start)})"
            if start is not None
            else " (saldo onbekend: verloop t.o.v. nu)"
        )
    ]
    lines.append(
        f"{'maand':<16}{'verwacht':>14}{'laag':>14}{'hoog':>14}{'reeksen':>14}{'overig':>12}"
    )
    for row in fc.months.iter_rows(named=True):
        value = row["expected_cents"] if start is not None else row["change_cents"]
        low = row["low_cents"] if start is not None else None
        high = row["high_cents"] if start is not None else None
        if start is None and row["band_cents"] is not None:
            low, high = value - row["band_cents"], value + row["band_cents"]
        lines.append(
            f"{month_name(row['month']):<16}{format_euro(value):>14}"
            f"{format_euro(low) if low is not None else '-':>14}"
            f"{format_euro(high) if high is not None else '-':>14}"
            f"{format_euro(row['series_cents']):>14}{format_euro(row['other_cents']):>12}"
        )
    floor, buffer = summary["floor_cents"], summary["buffer_cents"]
    for label, limit, expected, low in (
        ("de ondergrens", floor, summary["first_below_floor"], summary["first_low_below_floor"]),
        ("de buffer", buffer, summary["first_below_buffer"], summary["first_low_below_buffer"]),
    ):
        if start is None:
            break
        parts = [
            f"verwacht {month_name(expected)}" if expected else "verwacht niet",
            f"onderkant band {month_name(low)}" if low else "onderkant band niet",
        ]
        lines.append(f"Onder {label} van {format_euro(limit)}: {', '.join(parts)}.")
    lines.append("Reeksen in de prognose:")
    totals = (
        fc.contributions.group_by("series", "label", "periodicity")
        .agg(
            pl.col("payments").sum(),
            pl.col("amount_cents").sum(),
            pl.col("month").min().alias("first"),
        )
        .sort("amount_cents", "series")
    )
    for row in totals.iter_rows(named=True):
        lines.append(
            f"  {row['label']} ({DUTCH_NAME[Periodicity(row['periodicity'])]}): "
            f"{row['payments']} keer, samen {format_euro(row['amount_cents'])}, "
            f"eerste in {month_name(row['first'])}"
        )
    months = summary["history_months"] or 0
    other = summary["other_monthly_cents"]
    lines.append(
        f"Overig (niet in reeksen): mediaan {format_euro(other or 0)} per maand over "
        f"{months} volledige maand(en)."
    )
    if summary["sigma_cents"] is None:
        lines.append("Geen onzekerheidsband: minder dan 3 volledige maanden geschiedenis.")
    else:
        lines.append(
            f"Band: verwacht ± 1,28 × {format_euro(summary['sigma_cents'])} × √(maanden vooruit) "
            "(spreiding van het overige per maand; 8 op de 10 maanden binnen de band)."
        )
    return lines
