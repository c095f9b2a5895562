"""The regelingen half of the month report: what the household misses, what it may have to pay
back, how to prepare, and per regeling how the report's month went.

The figures are those of ``hhb entitlements --household H --year YYYY`` for the report month's
year: the same loaders (:func:`entitlement.household.load_household`,
:func:`hhb.commands_entitlements.outlook_of`) and the same call
(:func:`entitlement.loket.household_outcomes`), so the PDF and the terminal cannot disagree.
A year without a complete month of statements is not an error for the report: the section
says why, in the words the command would print.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from html import escape

import polars as pl
from sqlalchemy.orm import Session

from entitlement.household import load_household
from entitlement.loket import Outcomes, household_outcomes
from entitlement.money_text import month_text
from entitlement.outcome_text import shortfall_runs
from entitlement.outlook import outlook_of
from entitlement.rules.registry import default_rules
from reports.html import amount_cell, euro, running_text
from store.households import NotFoundError


@dataclass(frozen=True, slots=True)
class RegelingenPart:
    """The outcomes of the report month's year, or why there are none; ``seconds``: how long
    loading and computing took (the report's slowest part, see benchmarks/reports.py)."""

    outcomes: Outcomes | None
    missing: str | None = None
    seconds: float = 0.0


def load_regelingen(session: Session, household_code: str, month: dt.date) -> RegelingenPart:
    start = time.perf_counter()
    try:
        data = load_household(session, household_code, month.year)
        outlook = outlook_of(session, data)
    except NotFoundError as exc:  # the household exists (checked first): no data for the year
        return RegelingenPart(None, str(exc), time.perf_counter() - start)
    outcomes = household_outcomes(data, default_rules(), outlook=outlook)
    return RegelingenPart(outcomes, None, time.perf_counter() - start)


def _p(text: str, css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f"<p{cls}>{running_text(text)}</p>"


def _money(cents: int) -> str:
    return euro(cents, sign=False)


def _titles(o: Outcomes) -> dict[str, str]:
    return dict(zip(o.years["regeling"].to_list(), o.years["title"].to_list(), strict=True))


def _intro(o: Outcomes) -> str:
    p = o.projection
    out = _p(
        f"Regelingen in {o.year}, zoals hhb entitlements ze berekent. Gebaseerd op: "
        f"{o.coverage.text()} (volledige maanden t/m {month_text(o.coverage.last_month)})."
    )
    out += _p(str(p.get("explanation") or "Toetsingsinkomen onbekend."), "note")
    if p.get("is_estimate"):
        out += _p("Het toetsingsinkomen is een schatting: de bedragen van de toeslagen ook.")
    out += "".join(_p(f"Let op: {n}", "note") for n in o.notes)
    return out


def month_table(o: Outcomes, month: dt.date) -> str:
    """Per regeling the report month: its status, expected and received, and the period the
    payment is judged over (a quarter for kinderbijslag, the year for a yearly payment)."""
    titles = _titles(o)
    rows = o.months.filter(pl.col("month") == month).sort("regeling")
    body = []
    for r in rows.iter_rows(named=True):
        estimate = " (schatting)" if r["is_estimate"] and r["recht"] else ""
        lines = [
            f'<tr><th scope="row">{escape(titles[r["regeling"]])}</th>'
            f"<td>{escape(r['status'])}{escape(estimate)}</td>"
            f"{amount_cell(r['expected_cents'], sign=False, missing='onbekend')}"
            f"{amount_cell(r['received_cents'], sign=False)}"
            f"<td>{escape(r['unit'])}</td></tr>"
        ]
        lines += [
            f'<tr><td class="explain" colspan="5">{running_text(t)}</td></tr>'
            for t in r["reason_texts"]
        ]
        body.append(f'<tbody class="partner">{"".join(lines)}</tbody>')
    head = (
        "<thead><tr><th>Regeling</th><th>Uitkomst</th><th class='amount'>Verwacht</th>"
        "<th class='amount'>Ontvangen</th><th>Periode</th></tr></thead>"
    )
    note = _p(
        "Verwacht: waar het huishouden deze maand recht op heeft volgens de regels; ontvangen: "
        "wat op de afschriften voor deze maand binnenkwam. De uitkomst geldt voor de hele "
        "periode waarover de regeling betaalt (een kwartaal, of het jaar).",
        "note",
    )
    return f'<table class="regelingen">{head}{"".join(body)}</table>{note}'


def missed_html(o: Outcomes) -> str:
    head = "<h3>Gemist: wel recht, niets ontvangen</h3>"
    if o.missed.height == 0:
        return head + _p("Geen gemiste regelingen gevonden.")
    items = []
    for m in o.missed.iter_rows(named=True):
        est = " (schatting)" if m["is_estimate"] else ""
        items.append(
            f"<li><strong>{escape(m['title'])}</strong>: ongeveer "
            f"{_money(m['expected_year_cents'])} per jaar{escape(est)}."
            f"<br>Wat te doen: {running_text(m['what_to_do'])}</li>"
        )
    return head + f"<ul>{''.join(items)}</ul>"


def clawbacks_html(o: Outcomes) -> str:
    head = "<h3>Verwachte terugbetalingen</h3>"
    if o.clawbacks.height == 0:
        return head + _p("Geen voorschotten gevonden om te vergelijken.")
    titles = _titles(o)
    items = []
    for c in o.clawbacks.iter_rows(named=True):
        est = " (schatting)" if c["is_estimate"] else ""
        items.append(
            f"<li><strong>{escape(titles.get(c['regeling'], c['regeling']))} {c['year']}"
            f"</strong>: voorschotten {_money(c['advances_cents'])}, definitief "
            f"{_money(c['definitive_cents'])}{escape(est)}; terug te betalen "
            f"{_money(c['to_pay_cents'])}, per maand reserveren "
            f"{_money(c['monthly_reservation_cents'])}."
            f"<br>{running_text(c['explanation'])}"
            f"<br>Advies: {running_text(c['advice'])}</li>"
        )
    return head + f"<ul>{''.join(items)}</ul>"


def buffer_html(o: Outcomes) -> str:
    out = "<h3>Bufferperiodes</h3>"
    out += "<h4>(a) Reserveren voor een terugbetaling</h4>"
    reserve = [r["explanation"] for r in o.reservations.iter_rows(named=True)]
    out += "".join(_p(t) for t in reserve) or _p("Niets te reserveren.")
    out += "<h4>(b) Maanden met een verwacht saldo onder nul of onder de buffer</h4>"
    if o.duration is None:
        out += _p("Geen prognose beschikbaar.")
    else:
        out += "".join(_p(t) for t in shortfall_runs(o.shortfalls)) or _p("Geen.")
    out += "<h4>(c) Hoe lang de buffer meegaat</h4>"
    if o.duration is None or o.duration.height == 0:
        out += _p("Onbekend: de afschriften noemen geen saldo.")
    else:
        out += "".join(_p(r["explanation"]) for r in o.duration.iter_rows(named=True))
    return out


def regelingen_html(part: RegelingenPart, month: dt.date) -> str:
    o = part.outcomes
    if o is None:
        return _p(f"Geen regelingen voor {month.year}: {part.missing or ''}")
    return (
        _intro(o)
        + missed_html(o)
        + clawbacks_html(o)
        + buffer_html(o)
        + f"<h3>{escape(month_text(month).capitalize())} per regeling</h3>"
        + month_table(o, month)
    )
