"""The outcomes of a household as Dutch lines (command line) and as JSON-ready dicts.

Order as a coach reads it: what we base it on (statements, the projected income and whether it
is an estimate), what the household misses, what it may have to pay back and how to prepare,
then per regeling the months with their status and the reasons.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from entitlement.buffer import add_months
from entitlement.loket import Outcomes
from entitlement.money_text import MONTH_NAMES, month_text, regeling_name
from entitlement.outcomes import PaymentStatus
from entitlement.whatif import WhatIf
from ingest.amounts import format_euro


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value


def records(frame: pl.DataFrame | None, drop: tuple[str, ...] = ("household",)) -> list[Any]:
    if frame is None:
        return []
    keep = [c for c in frame.columns if c not in drop]
    return [
        {k: _json_value(v) for k, v in row.items()}
        for row in frame.select(keep).iter_rows(named=True)
    ]


def outcomes_dict(o: Outcomes) -> dict[str, Any]:
    """Amounts in cents, dates as ISO text."""
    regelingen = []
    for row in o.years.iter_rows(named=True):
        months = o.months.filter(pl.col("regeling") == row["regeling"])
        regelingen.append(
            {
                **{k: _json_value(v) for k, v in row.items() if k != "household"},
                "maanden": records(months, ("household", "regeling")),
            }
        )
    return {
        "household": o.household,
        "year": o.year,
        "statements": {
            "first_day": o.coverage.first_day.isoformat(),
            "last_day": o.coverage.last_day.isoformat(),
            "last_full_month": f"{o.coverage.last_month:%Y-%m}",
        },
        "toetsingsinkomen": {k: _json_value(v) for k, v in o.projection.items()},
        "regelingen": regelingen,
        "gemist": records(o.missed),
        "terugbetalingen": records(o.clawbacks),
        "buffer": {
            "reserveren": records(o.reservations),
            "saldo_tekort": records(o.shortfalls),
            "duur": records(o.duration),
        },
        "notes": list(o.notes),
    }


def _money(cents: int | None) -> str:
    return "-" if cents is None else format_euro(cents)


def _short(month: dt.date) -> str:
    return MONTH_NAMES[month.month - 1][:3]


def regeling_lines(o: Outcomes, regeling: str) -> list[str]:
    year = o.years.filter(pl.col("regeling") == regeling).row(0, named=True)
    months = o.months.filter(pl.col("regeling") == regeling).sort("month")
    estimate = " (schatting)" if year["is_estimate"] and year["months_recht"] else ""
    statuses = set(months["status"].to_list())
    if statuses == {PaymentStatus.NIET_VAN_TOEPASSING.value}:
        texts = months["reason_texts"].to_list()[0] or ["niet van toepassing"]
        reason = texts[0]
        return [f"{year['title']}: niet van toepassing. {reason}"]
    head = (
        f"{year['title']}: recht in {year['months_recht']} van de 12 maanden, verwacht "
        f"{format_euro(year['expected_year_cents'])}{estimate}, ontvangen "
        f"{format_euro(year['received_year_cents'])}"
    )
    lines = [head, f"  {'maand':<6}{'uitkomst':<19}{'verwacht':>13}{'ontvangen':>13}  periode"]
    for r in months.iter_rows(named=True):
        lines.append(
            f"  {_short(r['month']):<6}{r['status']:<19}{_money(r['expected_cents']):>13}"
            f"{format_euro(r['received_cents']):>13}  {r['unit']}"
        )
    by_reason: dict[tuple[str, ...], list[str]] = {}
    for r in months.iter_rows(named=True):
        if r["reason_texts"]:
            by_reason.setdefault(tuple(r["reason_texts"]), []).append(_short(r["month"]))
    for texts, when in by_reason.items():
        for text in texts:
            lines.append(f"  ({', '.join(when)}) {text}")
    return lines


def shortfall_runs(shortfalls: pl.DataFrame) -> list[str]:
    """(b) with runs of months at the same balance as one line (a flat forecast repeats)."""
    out: list[str] = []
    run: list[dict[str, Any]] = []
    for row in [*shortfalls.sort("month").iter_rows(named=True), None]:
        same = (
            row is not None
            and run
            and row["expected_cents"] == run[-1]["expected_cents"]
            and row["month"] == add_months(run[-1]["month"], 1)
        )
        if same and row is not None:
            run.append(row)
            continue
        if run:
            text = str(run[0]["explanation"])
            if len(run) > 1:
                span = f"t/m {month_text(run[-1]['month'])} ({len(run)} maanden)"
                text = text.replace(
                    month_text(run[0]["month"]), f"{month_text(run[0]['month'])} {span}", 1
                )
            out.append(text)
        run = [row] if row is not None else []
    return out


def outcome_lines(o: Outcomes) -> list[str]:
    p = o.projection
    lines = [
        f"Regelingen voor {o.household} in {o.year}",
        f"Gebaseerd op: {o.coverage.text()} (volledige maanden t/m "
        f"{month_text(o.coverage.last_month)}).",
        str(p.get("explanation") or "Toetsingsinkomen onbekend."),
    ]
    if p.get("is_estimate"):
        lines.append("Het toetsingsinkomen is een schatting: de bedragen van de toeslagen ook.")
    lines += [f"Let op: {n}" for n in o.notes]
    lines += ["", "Gemist (wel recht, niets ontvangen):"]
    if o.missed.height == 0:
        lines.append("  niets gevonden")
    for m in o.missed.iter_rows(named=True):
        est = " (schatting)" if m["is_estimate"] else ""
        lines.append(
            f"  {m['title']}: ongeveer {format_euro(m['expected_year_cents'])} per jaar{est}."
        )
        lines.append(f"    Wat te doen: {m['what_to_do']}")
    titles = dict(zip(o.years["regeling"].to_list(), o.years["title"].to_list(), strict=True))
    lines += ["", "Verwachte terugbetalingen (voorschot tegen definitief bedrag):"]
    if o.clawbacks.height == 0:
        lines.append("  geen voorschotten gevonden om te vergelijken")
    for c in o.clawbacks.iter_rows(named=True):
        est = " (schatting)" if c["is_estimate"] else ""
        lines.append(
            f"  {titles.get(c['regeling'], c['regeling'])} {c['year']}: voorschotten "
            f"{format_euro(c['advances_cents'])}, "
            f"definitief {format_euro(c['definitive_cents'])}{est}; {c['explanation']}"
        )
        lines.append(f"    Advies: {c['advice']}")
    lines += ["", "Bufferperiodes:"]
    lines.append("  (a) reserveren voor een terugbetaling:")
    if o.reservations.height == 0:
        lines.append("      niets te reserveren")
    lines += [f"      {r['explanation']}" for r in o.reservations.iter_rows(named=True)]
    lines.append("  (b) maanden met een verwacht saldo onder nul of onder de buffer:")
    if o.duration is None:
        lines.append("      geen prognose beschikbaar")
    elif o.shortfalls.height == 0:
        lines.append("      geen")
    lines += [f"      {text}" for text in shortfall_runs(o.shortfalls)]
    lines.append("  (c) hoe lang de buffer meegaat:")
    if o.duration is None or o.duration.height == 0:
        lines.append("      onbekend: de afschriften noemen geen saldo")
    else:
        lines += [f"      {r['explanation']}" for r in o.duration.iter_rows(named=True)]
    lines += ["", "Per regeling en maand:"]
    for name in o.years["regeling"].to_list():
        lines += regeling_lines(o, name)
    lines += [
        "",
        "Afleiding van een maand: hhb explain --household ... --regeling R --month JJJJ-MM",
    ]
    return lines


def whatif_dict(w: WhatIf) -> dict[str, Any]:
    return {
        "household": w.base.household,
        "year": w.base.year,
        "from": f"{w.change.from_month:%Y-%m}",
        "change_cents": w.change.cents,
        "change_is_gross": w.change.gross,
        "gross_change_cents": w.gross_cents,
        "explanation": w.explanation,
        "toetsingsinkomen_cents": w.base.projection.get("projected_cents"),
        "toetsingsinkomen_new_cents": w.changed.projection.get("projected_cents"),
        "regelingen": records(w.per_regeling, ()),
        "maanden": records(w.per_month),
        "terugbetalingen": records(w.clawbacks, ()),
        "gemist_new": records(w.changed.missed),
    }


def whatif_lines(w: WhatIf) -> list[str]:
    before = w.base.projection.get("projected_cents")
    after = w.changed.projection.get("projected_cents")
    lines = [
        f"Wat als bij {w.base.household} het inkomen vanaf {month_text(w.change.from_month)} "
        f"verandert: {w.explanation}.",
        f"Toetsingsinkomen {w.base.year}: {_money(before)} -> {_money(after)}.",
        "",
        f"{'regeling':<42}{'nu per jaar':>14}{'dan per jaar':>14}{'verschil':>14}",
    ]
    for r in w.per_regeling.iter_rows(named=True):
        lines.append(
            f"{r['title']:<42}{format_euro(r['expected_year_cents']):>14}"
            f"{format_euro(r['expected_year_cents_new']):>14}"
            f"{format_euro(r['difference_cents'], sign=True):>14}"
        )
    moved = (pl.col("difference_cents") != 0) | (
        pl.col("engine_status") != pl.col("engine_status_new")
    )
    changed = w.per_month.filter(moved.fill_null(False))
    if changed.height:
        lines += ["", "Maanden die veranderen:"]
        for r in changed.sort("regeling", "month").iter_rows(named=True):
            diff = r["difference_cents"]
            shown = format_euro(diff, sign=True) if diff is not None else r["engine_status_new"]
            lines.append(
                f"  {regeling_name(r['regeling']):<28}{month_text(r['month']):<16}"
                f"{_money(r['expected_cents']):>13} -> {_money(r['expected_cents_new']):>13}"
                f"  ({shown})"
            )
    if w.clawbacks.height:
        lines += ["", "Verwachte terugbetaling:"]
        for r in w.clawbacks.iter_rows(named=True):
            name = regeling_name(r["regeling"])
            lines.append(
                f"  {name} {r['year']}: nu {_money(r['to_pay_cents'])}, dan "
                f"{_money(r['to_pay_cents_new'])}"
            )
        for c in w.changed.clawbacks.filter(pl.col("to_pay_cents") > 0).iter_rows(named=True):
            lines.append(f"    Advies: {c['advice']}")
    return lines
