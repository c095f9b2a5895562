"""The Dutch sentences that make every budget figure explain itself ("geen zwarte doos").

Built as polars expressions over the budget frames of :mod:`budget.plan`, so a hundred thousand
budgets get their explanations without a Python loop; :func:`budget.recurring.euro_expr` writes
amounts the Dutch way (``€ 1.234,56``), as :func:`ingest.amounts.format_euro` does for one.

A series line reads, for example::

    Portaal (huur): maandelijks, 12 keer betaald van 01-01-2024 t/m 02-12-2024; bedrag
    € 441,06 sinds 01-07-2024 (was € 424,10); per maand: € 441,06 × 1 = € 441,06

and a reservation from one-off payments::

    Eneco (energie): 1 losse betaling zonder vast ritme, op 14-03-2024: € 312,00; zulke
    kosten komen meestal eens per jaar terug: € 312,00 / 12 = € 26,00 per maand opzij zetten
"""

from __future__ import annotations

from typing import Final

import polars as pl

from budget.categories import LABELS
from budget.periods import DUTCH_NAME, Periodicity
from budget.recurring import euro_expr

DATE: Final = "%d-%m-%Y"

RULES: Final[dict[Periodicity, str]] = {
    Periodicity.WEEKLY: " × 52 / 12",
    Periodicity.FOUR_WEEKLY: " × 13 / 12",
    Periodicity.MONTHLY: " × 1",
    Periodicity.QUARTERLY: " / 3",
    Periodicity.YEARLY: " / 12",
}
"""How the monthly equivalent is written after the amount, per periodicity."""

RULE_TEXT: Final[dict[Periodicity, str]] = {
    Periodicity.WEEKLY: "wekelijks: bedrag × 52 weken / 12 maanden",
    Periodicity.FOUR_WEEKLY: "elke 4 weken: bedrag × 13 periodes / 12 maanden",
    Periodicity.MONTHLY: "maandelijks: het bedrag zelf",
    Periodicity.QUARTERLY: "elk kwartaal: bedrag / 3",
    Periodicity.YEARLY: "jaarlijks: bedrag / 12",
}
"""The rule per periodicity in words, for the documentation and the JSON output."""


def euro_signed(cents: pl.Expr) -> pl.Expr:
    """``€ 1.234,56`` or ``€ -1.234,56``: the minus as :func:`ingest.amounts.format_euro`."""
    plain = euro_expr(cents)
    return pl.when(cents < 0).then(plain.str.replace("€ ", "€ -", literal=True)).otherwise(plain)


def _label(rubriek: pl.Expr) -> pl.Expr:
    return rubriek.replace_strict(
        {r.value: text for r, text in LABELS.items()}, default=rubriek, return_dtype=pl.String
    )


def _name() -> pl.Expr:
    return pl.coalesce(
        pl.col("ketenpartner"), pl.col("counterparty_name"), pl.lit("onbekende tegenpartij")
    )


def _date(column: str) -> pl.Expr:
    return pl.col(column).dt.strftime(DATE)


def series_line() -> pl.Expr:
    """The explanation of a budget line that comes from a recurring series."""
    amount = pl.col("amount_cents")
    periodicity = pl.col("periodicity")
    how_often = periodicity.replace_strict(
        {str(p): text for p, text in DUTCH_NAME.items()}, return_dtype=pl.String
    )
    rule = periodicity.replace_strict(
        {str(p): suffix for p, suffix in RULES.items()}, return_dtype=pl.String
    )
    # Each amount is written once (a euro text costs a dozen string operations per row): the
    # payment's text is shared by the level and the sum, the earlier amount only follows it.
    amount_text = euro_expr(amount)
    level = pl.concat_str(
        pl.when(pl.col("amount_varies"))
        .then(pl.lit("bedrag wisselt, meestal rond "))
        .otherwise(pl.lit("bedrag ")),
        amount_text,
        pl.when(pl.col("amount_varies") | pl.col("previous_amount_cents").is_null())
        .then(pl.lit(""))
        .otherwise(
            pl.concat_str(
                pl.lit(" sinds "),
                _date("amount_since"),
                pl.lit(" (was "),
                euro_expr(pl.col("previous_amount_cents")),
                pl.lit(")"),
            )
        ),
    )
    post = pl.col("post")
    note = (
        pl.when(post == "reservering")
        .then(pl.lit("; jaarlijkse betaling: elke maand een twaalfde opzij zetten"))
        .when((post == "vaste_lasten") & (pl.col("rubriek") == "overig"))
        .then(pl.lit("; niet herkend (rubriek overig): controleer of dit een vaste last is"))
        .otherwise(pl.lit(""))
    )
    overdue = (
        pl.when(pl.col("overdue"))
        .then(pl.lit("; let op: de laatste verwachte betaling ontbreekt"))
        .otherwise(pl.lit(""))
    )
    return pl.concat_str(
        _name(),
        pl.lit(" ("),
        _label(pl.col("rubriek")),
        pl.lit("): "),
        how_often,
        pl.lit(", "),
        pl.col("tx_count").cast(pl.String),
        pl.lit(" keer betaald van "),
        _date("first_date"),
        pl.lit(" t/m "),
        _date("last_date"),
        pl.lit("; "),
        level,
        pl.lit("; per maand: "),
        amount_text,
        rule,
        pl.lit(" = "),
        euro_expr(pl.col("monthly_cents")),
        note,
        overdue,
    )


def one_off_line() -> pl.Expr:
    """The explanation of a reservation built from one-off payments."""
    total = euro_expr(pl.col("amount_cents"))
    n = pl.col("tx_count")
    when = (
        pl.when(n == 1)
        .then(pl.concat_str(pl.lit("1 losse betaling zonder vast ritme, op "), _date("last_date")))
        .otherwise(
            pl.concat_str(
                n.cast(pl.String),
                pl.lit(" losse betalingen zonder vast ritme, van "),
                _date("first_date"),
                pl.lit(" t/m "),
                _date("last_date"),
            )
        )
    )
    return pl.concat_str(
        _name(),
        pl.lit(" ("),
        _label(pl.col("rubriek")),
        pl.lit("): "),
        when,
        pl.lit(" (in de 12 maanden t/m "),
        _date("month_end"),
        pl.lit("): "),
        total,
        pl.lit("; zulke kosten komen meestal eens per jaar terug: "),
        total,
        pl.lit(" / 12 = "),
        euro_expr(pl.col("monthly_cents")),
        pl.lit(" per maand opzij zetten"),
    )


def irregular_line() -> pl.Expr:
    """The explanation of income that belongs to no counted series (shown, not counted)."""
    n = pl.col("tx_count")
    months = pl.col("months")
    return pl.concat_str(
        _name(),
        pl.lit(" ("),
        _label(pl.col("rubriek")),
        pl.lit("): "),
        n.cast(pl.String),
        pl.when(n == 1).then(pl.lit(" betaling")).otherwise(pl.lit(" betalingen")),
        pl.lit(" zonder vast ritme van "),
        _date("window_start"),
        pl.lit(" t/m "),
        _date("month_end"),
        pl.lit(", samen "),
        euro_expr(pl.col("amount_cents")),
        pl.lit("; gemiddeld "),
        euro_expr(pl.col("amount_cents")),
        pl.lit(" / "),
        months.cast(pl.String),
        pl.when(months == 1).then(pl.lit(" maand")).otherwise(pl.lit(" maanden")),
        pl.lit(" = "),
        euro_expr(pl.col("monthly_cents")),
        pl.lit(" per maand; niet meegeteld in het leefgeld, omdat niet vaststaat dat het komt"),
    )


def leefgeld_sentence() -> pl.Expr:
    """How the leefgeld per month and per week follow from the four totals."""
    return pl.concat_str(
        pl.lit("inkomen "),
        euro_expr(pl.col("income_cents")),
        pl.lit(" − vaste lasten "),
        euro_expr(pl.col("fixed_costs_cents")),
        pl.lit(" − reserveringen "),
        euro_expr(pl.col("reservations_cents")),
        pl.lit(" − aflossingen "),
        euro_expr(pl.col("debt_repayments_cents")),
        pl.lit(" = "),
        euro_signed(pl.col("leefgeld_month_cents")),
        pl.lit(" per maand; per week: "),
        euro_signed(pl.col("leefgeld_month_cents")),
        pl.lit(" × 12 / 52 = "),
        euro_signed(pl.col("leefgeld_week_cents")),
    )
