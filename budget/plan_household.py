"""One household's budget as frozen values: what ``hhb budget`` shows and the dashboard will.

:func:`household_budget` makes the budget "as it stood" at the end of its month: only the
history up to the month's last day is read, recurring series are detected as of that day, and
the frame functions of :mod:`budget.plan` do the rest, so a past month's budget does not change
when later statements arrive. With a profile, the leefgeld is compared with the Nibud food
minimum of the household's composition in that month (:mod:`budget.norms`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from budget.norms import FOOD_ONLY, FoodMinimum, food_minimum
from budget.periods import Periodicity
from budget.plan import Post, budget_frame, budget_months
from budget.plan_explain import RULE_TEXT
from budget.recurring import detect_recurring
from ingest.profile import HouseholdProfile


class NoBudgetData(ValueError):
    """The household has no transactions in (or before) the requested month."""


@dataclass(frozen=True, slots=True)
class BudgetLine:
    post: Post
    source: str
    rubriek: str
    ketenpartner: str | None
    counterparty_name: str | None
    periodicity: Periodicity | None
    amount_cents: int
    amount_since: dt.date | None
    previous_amount_cents: int | None
    monthly_cents: int
    first_date: dt.date
    last_date: dt.date
    tx_count: int
    amount_varies: bool
    overdue: bool
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "post": str(self.post),
            "source": self.source,
            "rubriek": self.rubriek,
            "ketenpartner": self.ketenpartner,
            "counterparty_name": self.counterparty_name,
            "periodicity": None if self.periodicity is None else str(self.periodicity),
            "amount_cents": self.amount_cents,
            "amount_since": _iso(self.amount_since),
            "previous_amount_cents": self.previous_amount_cents,
            "monthly_cents": self.monthly_cents,
            "first_date": _iso(self.first_date),
            "last_date": _iso(self.last_date),
            "tx_count": self.tx_count,
            "amount_varies": self.amount_varies,
            "overdue": self.overdue,
            "explanation": self.explanation,
        }


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


@dataclass(frozen=True, slots=True)
class HouseholdBudget:
    household: str
    month: dt.date
    data_until: dt.date
    lines: tuple[BudgetLine, ...]
    income_cents: int
    irregular_income_cents: int
    fixed_costs_cents: int
    reservations_cents: int
    debt_repayments_cents: int
    leefgeld_month_cents: int
    leefgeld_week_cents: int
    leefgeld_paid_cents: int
    leefgeld_paid_count: int
    explanation: str
    norm: FoodMinimum | None
    norm_missing: str | None
    """Why there is no norm comparison (no profile for the month), else None."""

    def post(self, post: Post) -> tuple[BudgetLine, ...]:
        return tuple(line for line in self.lines if line.post is post)

    @property
    def gap_month_cents(self) -> int | None:
        return None if self.norm is None else self.leefgeld_month_cents - self.norm.month_cents

    @property
    def gap_week_cents(self) -> int | None:
        return None if self.norm is None else self.leefgeld_week_cents - self.norm.week_cents

    def as_dict(self) -> dict[str, Any]:
        """The budget as JSON-ready data; amounts in integer cents."""

        def section(post: Post, total: int) -> dict[str, Any]:
            return {"total_cents": total, "lines": [x.as_dict() for x in self.post(post)]}

        return {
            "household": self.household,
            "month": f"{self.month:%Y-%m}",
            "data_until": self.data_until.isoformat(),
            "income": section(Post.INKOMEN, self.income_cents),
            "irregular_income": {
                **section(Post.WISSELEND_INKOMEN, self.irregular_income_cents),
                "counted": False,
            },
            "fixed_costs": section(Post.VASTE_LASTEN, self.fixed_costs_cents),
            "reservations": section(Post.RESERVERING, self.reservations_cents),
            "debt_repayments": section(Post.AFLOSSING, self.debt_repayments_cents),
            "leefgeld": {
                "month_cents": self.leefgeld_month_cents,
                "week_cents": self.leefgeld_week_cents,
                "explanation": self.explanation,
            },
            "leefgeld_paid": {
                "cents": self.leefgeld_paid_cents,
                "count": self.leefgeld_paid_count,
            },
            "norm": _norm_dict(self.norm, self.norm_missing),
            "gap": None
            if self.norm is None
            else {"month_cents": self.gap_month_cents, "week_cents": self.gap_week_cents},
            "rules": {str(p): text for p, text in RULE_TEXT.items()},
        }


def _norm_dict(norm: FoodMinimum | None, missing: str | None) -> dict[str, Any]:
    if norm is None:
        return {"available": False, "reason": missing, "food_only": FOOD_ONLY}
    return {
        "available": True,
        "food_only": FOOD_ONLY,
        "month": f"{norm.month:%Y-%m}",
        "persons": [
            {
                "name": p.name,
                "role": p.role,
                "age": p.age,
                "category": p.category,
                "day_cents": p.day_cents,
                "note": p.note,
            }
            for p in norm.persons
        ],
        "correction": {
            "persons": len(norm.persons),
            "percent": norm.correction.percent,
            "source": norm.correction.source,
            "status": str(norm.correction.status),
        },
        "day_cents_sum": norm.day_cents_sum,
        "month_cents": norm.month_cents,
        "week_cents": norm.week_cents,
        "explanation": norm.explanation,
        "notes": list(norm.notes),
    }


def _line(row: dict[str, Any]) -> BudgetLine:
    return BudgetLine(
        post=Post(row["post"]),
        source=row["source"],
        rubriek=row["rubriek"],
        ketenpartner=row["ketenpartner"],
        counterparty_name=row["counterparty_name"],
        periodicity=None if row["periodicity"] is None else Periodicity(row["periodicity"]),
        amount_cents=row["amount_cents"],
        amount_since=row["amount_since"],
        previous_amount_cents=row["previous_amount_cents"],
        monthly_cents=row["monthly_cents"],
        first_date=row["first_date"],
        last_date=row["last_date"],
        tx_count=row["tx_count"],
        amount_varies=row["amount_varies"],
        overdue=row["overdue"],
        explanation=row["explanation"],
    )


def household_budget(
    classified: pl.DataFrame,
    household: str,
    month: dt.date | None = None,
    *,
    data_until: dt.date | None = None,
    profile: HouseholdProfile | Callable[[dt.date], HouseholdProfile | None] | None = None,
) -> HouseholdBudget:
    """The budget of ``household`` for ``month`` (default: the last complete month before
    ``data_until``, itself by default the last booking date) from its classified transactions.

    ``profile`` is the household's profile, or a function giving the profile of a month
    (:func:`store.profiles.profile_for_month`), as the month may only be known here.

    Raises :class:`NoBudgetData` (a ``ValueError`` with a Dutch message) when there are no
    transactions at all, or none in the requested month.
    """
    own = classified.filter(pl.col("household").cast(pl.String) == household)
    if own.height == 0:
        raise NoBudgetData(f"huishouden {household!r} heeft nog geen transacties")
    target = budget_months(own, month, data_until).row(0, named=True)
    start, end = target["month"], target["month_end"]
    history = own.filter(pl.col("booking_date") <= end)
    in_month = history.filter(pl.col("booking_date") >= start).height
    if in_month == 0:
        first, last = own["booking_date"].min(), own["booking_date"].max()
        assert isinstance(first, dt.date) and isinstance(last, dt.date)
        raise NoBudgetData(
            f"huishouden {household!r} heeft geen transacties in {start:%Y-%m}; de afschriften "
            f"lopen van {first:%d-%m-%Y} t/m {last:%d-%m-%Y}"
        )
    series = detect_recurring(history, as_of=end)
    totals, lines = budget_frame(history, series, start, target["data_until"])
    t = totals.row(0, named=True)
    norm, missing = None, None
    if callable(profile):
        profile = profile(start)
    if profile is None:
        missing = (
            f"geen profiel vastgelegd voor {start:%Y-%m}: leg de samenstelling van het "
            f"huishouden vast met 'hhb household update {household} --profile BESTAND --from "
            "JJJJ-MM-DD' om het leefgeld met het Nibud-minimum te vergelijken"
        )
    else:
        norm = food_minimum(profile, start)
    return HouseholdBudget(
        household=household,
        month=start,
        data_until=t["data_until"],
        lines=tuple(_line(r) for r in lines.iter_rows(named=True)),
        income_cents=t["income_cents"],
        irregular_income_cents=t["irregular_income_cents"],
        fixed_costs_cents=t["fixed_costs_cents"],
        reservations_cents=t["reservations_cents"],
        debt_repayments_cents=t["debt_repayments_cents"],
        leefgeld_month_cents=t["leefgeld_month_cents"],
        leefgeld_week_cents=t["leefgeld_week_cents"],
        leefgeld_paid_cents=t["leefgeld_paid_cents"],
        leefgeld_paid_count=t["leefgeld_paid_count"],
        explanation=t["explanation"],
        norm=norm,
        norm_missing=missing,
    )
