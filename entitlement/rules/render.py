"""A derivation as lines of plain Dutch text, for the command line and the PDF report.

The order follows how a coach explains it at the kitchen table: the outcome first, then why (the
reasons), what we know of the household, each step of the calculation with its formula and legal
basis, the conditions, and last every parameter with its source and how sure we are of it.
"""

from __future__ import annotations

from entitlement.rules.engine import Outcome
from entitlement.rules.explain import Derivation, money
from entitlement.rules.fmt import month_text

_MARK = {True: "[voldaan]", False: "[niet voldaan]", None: "[onbekend]"}


def outcome_text(d: Derivation) -> str:
    if d.status is Outcome.RECHT:
        text = f"recht op {money(d.month_cents)} per maand"
        if d.year_cents is not None:
            text += f" ({money(d.year_cents)} per jaar)"
        return text
    return d.status_text


def render_text(d: Derivation) -> list[str]:
    where = f" (gemeente {d.municipality})" if d.municipality else ""
    lines = [f"{d.title}{where} — {month_text(d.month)}", f"Uitkomst: {outcome_text(d)}"]
    for _code, text in d.reasons:
        lines.append(f"  - {text}")
    source = d.source + (f" ({d.source_url})" if d.source_url else "")
    lines.append(f"Wettelijke basis: {source}")
    if d.version_from is not None:
        note = f": {d.version_note}" if d.version_note else ""
        lines.append(f"Rekenregels geldig vanaf {d.version_from:%d-%m-%Y}{note}")
    if d.inputs:
        lines += ["", "Gegevens van het huishouden:"]
        lines += [f"  {i.label}: {i.value}" for i in d.inputs]
    if d.steps:
        lines += ["", "Berekening:"]
        for n, step in enumerate(d.steps, 1):
            lines.append(f"  {n}. {step.label}: {step.text}")
            lines.append(f"     formule: {step.formula}")
            if step.explanation:
                lines.append(f"     {step.explanation}")
            if step.basis:
                lines.append(f"     grondslag: {step.basis}")
    if d.conditions:
        lines += ["", "Voorwaarden:"]
        for c in d.conditions:
            lines.append(f"  {_MARK[c.satisfied]} {c.label} ({c.basis})")
            if c.satisfied is False:
                lines.append(f"     {c.explanation}")
    if d.parameters:
        lines += ["", "Gebruikte parameters (waarde, bron, status):"]
        for p in d.parameters:
            lines.append(f"  {p.label}: {p.value}")
            detail = f"     {p.source}; status: {p.status}"
            if p.period:
                detail += f"; {p.period}"
            lines.append(detail)
            if p.url:
                lines.append(f"     {p.url}")
            if p.note:
                lines.append(f"     {p.note}")
    return lines
