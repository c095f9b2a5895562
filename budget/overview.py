"""The month overview a coach reads with a participant: the Huishoudboekje table.

A row per ketenpartner with its individual payments in each month, closed by *saldo begin van
periode*, *balans periode* and *saldo eind van periode*. Individual payments are kept rather than
summed because that is what a coach checks: two Vitens debits in one month, or a UWV payment that
came in three parts, is a signal, not noise.

Rows come in a fixed, explainable order: ketenpartners that bring money in before those that
take it out, then by the size of the money moved over the whole period, then by name.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import polars as pl

from ingest.amounts import format_euro

MONTHS_NL = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


@dataclass(frozen=True, slots=True)
class PartnerRow:
    ketenpartner: str
    rubriek: str
    payments: tuple[tuple[int, ...], ...]
    """Per month, the amounts in cents in booking order (signed: + in, - out)."""

    @property
    def totals(self) -> tuple[int, ...]:
        return tuple(sum(month) for month in self.payments)


@dataclass(frozen=True, slots=True)
class MonthOverview:
    household: str
    months: tuple[dt.date, ...]
    rows: tuple[PartnerRow, ...]
    balance: tuple[int, ...]
    opening: tuple[int | None, ...]
    """Saldo begin per month; ``None`` where no statement states a balance to start from."""

    @property
    def closing(self) -> tuple[int | None, ...]:
        return tuple(
            None if o is None else o + b for o, b in zip(self.opening, self.balance, strict=True)
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "household": self.household,
            "months": [f"{m:%Y-%m}" for m in self.months],
            "rows": [
                {
                    "ketenpartner": r.ketenpartner,
                    "rubriek": r.rubriek,
                    "payments_cents": [list(p) for p in r.payments],
                }
                for r in self.rows
            ],
            "opening_cents": list(self.opening),
            "balance_cents": list(self.balance),
            "closing_cents": list(self.closing),
        }


def month_index(months: tuple[dt.date, ...], day: dt.date) -> int | None:
    key = (day.year, day.month)
    for i, m in enumerate(months):
        if (m.year, m.month) == key:
            return i
    return None


def month_overview(
    household: str,
    classified: pl.DataFrame,
    months: tuple[dt.date, ...],
    opening_first: int | None,
) -> MonthOverview:
    """Build the table from classified transactions (``budget.classify`` columns) of the months.

    ``opening_first`` is the balance at the start of the first month (over the accounts in the
    table); each later month starts where the previous one ended.
    """
    ordered = classified.sort(["booking_date", "account", "position"])
    payments: dict[str, list[list[int]]] = {}
    rubrieken: dict[str, Counter[str]] = {}
    balance = [0] * len(months)
    for day, amount, partner, rubriek in zip(
        ordered["booking_date"],
        ordered["amount_cents"],
        ordered["ketenpartner"],
        ordered["rubriek"].cast(pl.String),
        strict=True,
    ):
        index = month_index(months, day)
        if index is None:
            continue
        cells = payments.setdefault(partner, [[] for _ in months])
        cells[index].append(amount)
        rubrieken.setdefault(partner, Counter())[rubriek] += 1
        balance[index] += amount
    rows = [
        PartnerRow(name, rubrieken[name].most_common(1)[0][0], tuple(tuple(c) for c in cells))
        for name, cells in payments.items()
    ]
    rows.sort(
        key=lambda r: (
            sum(r.totals) < 0,
            -sum(abs(a) for m in r.payments for a in m),
            r.ketenpartner,
        )
    )
    opening: list[int | None] = []
    current = opening_first
    for month_balance in balance:
        opening.append(current)
        current = None if current is None else current + month_balance
    return MonthOverview(household, months, tuple(rows), tuple(balance), tuple(opening))


def month_label(month: dt.date) -> str:
    return f"{MONTHS_NL[month.month - 1]} {month.year}"


def render_text(overview: MonthOverview, width: int = 15) -> list[str]:
    """The table as text lines for the terminal, amounts the Dutch way with their sign."""
    name_width = max([len("Ketenpartner"), *(len(r.ketenpartner) for r in overview.rows)])
    name_width = min(name_width, 36)

    def line(label: str, cells: list[str]) -> str:
        return f"{label[:name_width]:<{name_width}}  " + "  ".join(f"{c:>{width}}" for c in cells)

    out = [line("Ketenpartner", [month_label(m) for m in overview.months])]
    for row in overview.rows:
        depth = max(len(month) for month in row.payments)
        for i in range(depth):
            cells = [format_euro(m[i], sign=True) if i < len(m) else "" for m in row.payments]
            out.append(line(row.ketenpartner if i == 0 else "", cells))

    def saldo(values: tuple[int | None, ...]) -> list[str]:
        return ["onbekend" if v is None else format_euro(v, sign=True) for v in values]

    out.append(line("Saldo begin van periode", saldo(overview.opening)))
    out.append(line("Balans periode", saldo(overview.balance)))
    out.append(line("Saldo eind van periode", saldo(overview.closing)))
    return out
