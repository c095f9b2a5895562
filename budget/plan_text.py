"""A household budget as text for the terminal: the sections a coach goes through with a
participant, every line with its explanation, amounts the Dutch way."""

from __future__ import annotations

import textwrap

from budget.overview import month_label
from budget.plan import Post
from budget.plan_household import BudgetLine, HouseholdBudget
from ingest.amounts import format_euro

WIDTH = 100
AMOUNT = 13

SECTIONS = (
    (Post.INKOMEN, "Inkomen"),
    (Post.WISSELEND_INKOMEN, "Wisselend inkomen (niet meegeteld)"),
    (Post.VASTE_LASTEN, "Vaste lasten"),
    (Post.RESERVERING, "Reserveringen"),
    (Post.AFLOSSING, "Aflossingen"),
)


NBSP = "\u00a0"


def _wrapped(amount: str, text: str, indent: int = 2) -> list[str]:
    """``text`` wrapped beside a right-aligned amount; never between "€" and its number."""
    lead = " " * indent + f"{amount:>{AMOUNT}}  "
    lines = textwrap.wrap(
        text.replace("€ ", "€" + NBSP),
        WIDTH,
        initial_indent=lead,
        subsequent_indent=" " * len(lead),
        break_on_hyphens=False,
    )
    return [line.replace(NBSP, " ") for line in lines]


def _total(label: str, cents: int, *, sign: bool = False) -> str:
    return f"{label:<{WIDTH - AMOUNT - 2}}  {format_euro(cents, sign=sign):>{AMOUNT}}"


def _section(budget: HouseholdBudget, post: Post, title: str, total: int) -> list[str]:
    lines: tuple[BudgetLine, ...] = budget.post(post)
    if post is Post.WISSELEND_INKOMEN and not lines:
        return []
    out = ["", _total(f"{title} per maand", total)]
    if not lines:
        out.append("  (geen)")
    for line in lines:
        out += _wrapped(format_euro(line.monthly_cents), line.explanation)
    return out


def render_text(budget: HouseholdBudget) -> list[str]:
    """The budget as lines of text (Dutch)."""
    b = budget
    totals = {
        Post.INKOMEN: b.income_cents,
        Post.WISSELEND_INKOMEN: b.irregular_income_cents,
        Post.VASTE_LASTEN: b.fixed_costs_cents,
        Post.RESERVERING: b.reservations_cents,
        Post.AFLOSSING: b.debt_repayments_cents,
    }
    out = [
        f"Begroting van {b.household} voor {month_label(b.month)}",
        f"Gemaakt uit de afschriften t/m {b.data_until:%d-%m-%Y}; bedragen per maand, met "
        "per regel waar het bedrag vandaan komt.",
    ]
    for post, title in SECTIONS:
        out += _section(b, post, title, totals[post])
    out += [
        "",
        _total("Leefgeld per maand", b.leefgeld_month_cents),
        _total("Leefgeld per week", b.leefgeld_week_cents),
        *_wrapped("", b.explanation),
    ]
    out.append(
        f"  Werkelijk overgemaakt als leefgeld in {month_label(b.month)}: "
        f"{format_euro(b.leefgeld_paid_cents)} ({b.leefgeld_paid_count} keer)"
    )
    out += ["", "Nibud-minimum en verschil (alleen voeding: overige Nibud-posten niet gevonden)"]
    if b.norm is None:
        out += _wrapped("", b.norm_missing or "geen profiel")
        return out
    for person in b.norm.persons:
        who = person.name or person.role
        text = f"{who} ({person.role}), {person.age} jaar: {person.note}"
        out += _wrapped(format_euro(person.day_cents) + "/dag", text)
    out += _wrapped("", b.norm.explanation)
    out += [
        _total("Nibud-minimum per maand", b.norm.month_cents),
        _total("Nibud-minimum per week", b.norm.week_cents),
        _total("Verschil leefgeld − minimum per maand", b.gap_month_cents or 0, sign=True),
        _total("Verschil leefgeld − minimum per week", b.gap_week_cents or 0, sign=True),
    ]
    for note in b.norm.notes[1:]:
        out += _wrapped("", note)
    return out
