"""Actual monthly income per household: gross from payment specifications, or estimated from net.

Toeslagen test the *gross* yearly income (toetsingsinkomen, Awir art 8). Two sources give it:

* **uitkeringsgegevens** — a payment specification (UWV, SVB, gemeente) states gross, withheld
  wage tax and net: the gross is known, nothing is estimated;
* **geschat uit netto** — income seen only on the bank statement (salaries, benefits without a
  specification): the gross is estimated with that year's loonheffing (:mod:`entitlement.tax`)
  and every row and total that uses it says so (``is_estimate``).

A bank transaction linked to a specification (:mod:`store.benefits`) is counted from the
specification only, so nothing counts twice. Not counted at all, because they are not taxable
income: toeslagen, kinderbijslag, bijzondere bijstand, individuele inkomenstoeslag and pgb.

Income belongs to the month it is paid (the tax follows the moment of payment, not the period
it covers). Which payer applies the tax credits is not on a bank statement: per household and
year the largest payer, specifications included (the two largest with a toeslagpartner: one per
person), is assumed to apply them and the others not — how payers withhold in practice; the
explanation says so. Whether the aanvrager or partner has reached the AOW age is decided on the
first day of each month; at AOW age the estimate refuses while the ouderenkorting is missing.

Frames in, frames out, many households at once; :mod:`entitlement.income_store` reads one
household from the store.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Final

import polars as pl

from entitlement.money_text import euro_expr
from entitlement.tax import TaxKind, gross_from_net, method_text, monthly_wage_tax
from entitlement.tax_params import TaxParameterMissing, TaxYear, load_tax_year


class IncomeSource(StrEnum):
    UITKERINGSGEGEVENS = "uitkeringsgegevens"
    GESCHAT_UIT_NETTO = "geschat uit netto"
    GEMENGD = "uitkeringsgegevens en geschat uit netto"
    GEEN = "geen inkomen"


class IncomeKind(StrEnum):
    LOON = "loon"
    UITKERING = "uitkering"


SOURCE_DTYPE: Final = pl.Enum([s.value for s in IncomeSource])
KIND_DTYPE: Final = pl.Enum([k.value for k in IncomeKind])

NOT_TAXABLE: Final = frozenset({
    "zorgtoeslag", "huurtoeslag", "kindgebonden_budget", "kinderopvangtoeslag", "kinderbijslag",
    "bijzondere_bijstand", "iit", "pgb",
})  # fmt: skip
"""Regelingen that are money in but no part of the toetsingsinkomen (untaxed)."""

INCOME_RUBRIEKEN: Final = ("inkomen", "uitkering")

PAYMENT_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "payer": pl.String,
    "regeling": pl.String,
    "period_start": pl.Date,
    "payment_date": pl.Date,
    "gross_cents": pl.Int64,
    "wage_tax_cents": pl.Int64,
    "net_cents": pl.Int64,
    "linked_tx_key": pl.String,
}
"""Benefit payment specifications (store.models.BenefitPaymentRow) with the linked bank key."""

PERSON_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "with_partner": pl.Boolean,
    "applicant_birth": pl.Date,
    "partner_birth": pl.Date,
}
"""Who can earn in a household (aanvrager and toeslagpartner): partner and AOW age."""

INCOME_LINE_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "month": pl.Date,
    "source": SOURCE_DTYPE,
    "kind": KIND_DTYPE,
    "payer": pl.String,
    "regeling": pl.String,
    "net_cents": pl.Int64,
    "gross_cents": pl.Int64,
    "wage_tax_cents": pl.Int64,
    "is_estimate": pl.Boolean,
    "explanation": pl.String,
    "problem": pl.String,
}
"""One payer's income in one month; ``gross_cents`` null (and ``problem`` set) when refused."""

MONTHLY_INCOME_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "month": pl.Date,
    "net_cents": pl.Int64,
    "gross_cents": pl.Int64,
    "source": SOURCE_DTYPE,
    "is_estimate": pl.Boolean,
    "explanation": pl.String,
    "problem": pl.String,
}


def _conform(
    frame: pl.DataFrame, schema: dict[str, pl.DataType | type[pl.DataType]]
) -> pl.DataFrame:
    return frame.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])


def specification_lines(payments: pl.DataFrame) -> pl.DataFrame:
    """Income lines from payment specifications: the gross is known."""
    taxable = payments.filter(~pl.col("regeling").is_in(list(NOT_TAXABLE)))
    return (
        taxable.group_by("household", pl.col("payment_date").dt.truncate("1mo").alias("month"),
                         "payer", "regeling")
        .agg(pl.col("net_cents", "gross_cents", "wage_tax_cents").sum())
        .select(
            "household", "month",
            pl.lit(IncomeSource.UITKERINGSGEGEVENS.value, SOURCE_DTYPE).alias("source"),
            pl.lit(IncomeKind.UITKERING.value, KIND_DTYPE).alias("kind"),
            "payer", "regeling", "net_cents", "gross_cents", "wage_tax_cents",
            pl.lit(False).alias("is_estimate"),
            pl.concat_str(
                pl.lit("bruto "), euro_expr(pl.col("gross_cents")),
                pl.lit(" volgens de uitkeringsspecificatie van "), pl.col("payer"),
                pl.lit(" ("), pl.col("regeling"), pl.lit("), ingehouden loonheffing "),
                euro_expr(pl.col("wage_tax_cents")), pl.lit(", netto "),
                euro_expr(pl.col("net_cents")),
            ).alias("explanation"),
            pl.lit(None, pl.String).alias("problem"),
        )
    )  # fmt: skip


def bank_net_lines(classified: pl.DataFrame, payments: pl.DataFrame) -> pl.DataFrame:
    """Net income per household, month and payer from classified bank transactions that no
    specification explains (columns of :data:`INCOME_LINE_SCHEMA` up to ``net_cents``)."""
    linked = payments.get_column("linked_tx_key").drop_nulls().unique()
    rows = classified.filter(
        (pl.col("amount_cents") > 0)
        & pl.col("rubriek").cast(pl.String).is_in(INCOME_RUBRIEKEN)
        & ~pl.col("regeling").fill_null("").is_in(list(NOT_TAXABLE))
        & ~pl.col("tx_key").is_in(linked.implode())
    )
    return rows.group_by(
        "household",
        pl.col("booking_date").dt.truncate("1mo").alias("month"),
        pl.coalesce("ketenpartner", "counterparty_name", pl.lit("onbekend")).alias("payer"),
        pl.when(pl.col("rubriek").cast(pl.String) == "inkomen")
        .then(pl.lit(IncomeKind.LOON.value))
        .otherwise(pl.lit(IncomeKind.UITKERING.value))
        .cast(KIND_DTYPE)
        .alias("kind"),
    ).agg(pl.col("regeling").drop_nulls().first(), pl.col("amount_cents").sum().alias("net_cents"))


def _with_tax_kind(
    lines: pl.DataFrame, persons: pl.DataFrame, known: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Add ``year`` and ``credits`` per line: whether its payer is among the largest of the
    household's year, counting the payers of ``known`` (specification) lines too."""
    year = pl.col("month").dt.year()
    payer = pl.col("payer").str.to_lowercase().alias("_payer")
    every = lines.select("household", "month", payer, "net_cents")
    if known is not None:
        every = pl.concat([every, known.select("household", "month", payer, "net_cents")])
    ranked = (
        every.group_by("household", year.alias("year"), "_payer")
        .agg(pl.col("net_cents").sum().alias("_year_net"))
        .with_columns(
            pl.struct(-pl.col("_year_net"), "_payer")
            .rank("ordinal")
            .over("household", "year")
            .alias("_rank")
        )
    )
    out = lines.with_columns(year.alias("year"), payer).join(
        ranked.select("household", "year", "_payer", "_rank"),
        on=["household", "year", "_payer"],
    )
    out = out.join(persons, on="household", how="left")
    limit = pl.when(pl.col("with_partner").fill_null(False)).then(2).otherwise(1)
    return out.with_columns((pl.col("_rank") <= limit).alias("credits"))


def _aow_age(year: int) -> int | None:
    try:
        return load_tax_year(year).aow_age.value
    except TaxParameterMissing:
        return None


def _age_at_month_start(birth: pl.Expr, month: pl.Expr) -> pl.Expr:
    """Whole years on the first day of ``month`` (a birthday later that month does not count)."""
    before = (month.dt.month() < birth.dt.month()) | (
        (month.dt.month() == birth.dt.month()) & (birth.dt.day() > 1)
    )
    return month.dt.year().cast(pl.Int32) - birth.dt.year().cast(pl.Int32) - before.cast(pl.Int32)


def _aow_expr(years: list[int]) -> pl.Expr:
    """Whether the aanvrager or partner has reached the year's AOW age by the month's start;
    null (refused later) when that age is not in the data and a birth date is known."""
    ages = {year: _aow_age(year) for year in years}
    limit = pl.col("year").replace_strict(ages, default=None, return_dtype=pl.Int32)
    reached = [
        (_age_at_month_start(pl.col(col), pl.col("month")) >= limit).fill_null(
            pl.when(pl.col(col).is_null()).then(False)
        )
        for col in ("applicant_birth", "partner_birth")
    ]
    return (reached[0] | reached[1]).alias("aow")


def estimate_lines(
    net_lines: pl.DataFrame, persons: pl.DataFrame, known: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Estimate the gross of every bank line, vectorised per (year, AOW, labour, credits);
    ``known`` (specification lines) takes part in deciding who applies the credits."""
    frame = _with_tax_kind(net_lines, persons, known)
    if frame.height == 0:
        return pl.DataFrame(schema=INCOME_LINE_SCHEMA)
    frame = frame.with_columns(_aow_expr(frame.get_column("year").unique().to_list()))
    parts = [
        _conform(
            _estimate_group(group, int(key[0]), key[1], key[2] == IncomeKind.LOON, bool(key[3])),
            INCOME_LINE_SCHEMA,
        )
        for key, group in frame.group_by("year", "aow", "kind", "credits", maintain_order=True)
    ]
    return pl.concat(parts).sort("household", "month", "payer")


def _estimate_group(
    group: pl.DataFrame, year: int, aow: bool | None, labour: bool, credits: bool
) -> pl.DataFrame:
    kind = TaxKind(aow=bool(aow), labour=labour, credits=credits)
    params: TaxYear | None = None
    problem: str | None = None
    if aow is None:
        problem = f"bruto niet te schatten voor {year}: de AOW-leeftijd {year} is niet gevonden"
    else:
        try:
            params = load_tax_year(year)
            problem = params.missing(aow=kind.aow, labour=labour, credits=credits)
        except TaxParameterMissing as exc:
            problem = str(exc)
        if problem is not None and kind.aow:
            problem += " (de aanvrager of partner heeft de AOW-leeftijd)"
    who = pl.concat_str(
        pl.lit("netto "), euro_expr(pl.col("net_cents")), pl.lit(" van "), pl.col("payer"),
        pl.lit(f" ({'loon' if labour else 'uitkering'})"),
    )  # fmt: skip
    common = (
        pl.lit(IncomeSource.GESCHAT_UIT_NETTO.value, SOURCE_DTYPE).alias("source"),
        pl.lit(True).alias("is_estimate"),
    )
    if problem is not None or params is None:
        return group.with_columns(
            *common,
            pl.lit(None, pl.Int64).alias("gross_cents"),
            pl.lit(None, pl.Int64).alias("wage_tax_cents"),
            pl.concat_str(who, pl.lit(f": {problem}")).alias("explanation"),
            pl.lit(problem).alias("problem"),
        )
    gross = gross_from_net(group.get_column("net_cents").to_numpy(), params, kind)
    tax = monthly_wage_tax(gross, params, kind)
    method = method_text(params, kind)
    return group.with_columns(
        *common,
        pl.Series("gross_cents", gross, dtype=pl.Int64),
        pl.Series("wage_tax_cents", tax, dtype=pl.Int64),
        pl.lit(None, pl.String).alias("problem"),
    ).with_columns(
        pl.concat_str(
            who, pl.lit(" is bruto ongeveer "), euro_expr(pl.col("gross_cents")),
            pl.lit(" (ingehouden "), euro_expr(pl.col("wage_tax_cents")),
            pl.lit(f"; schatting met de {method})"),
        ).alias("explanation")
    )  # fmt: skip


def income_lines(
    classified: pl.DataFrame, payments: pl.DataFrame, persons: pl.DataFrame
) -> pl.DataFrame:
    """Every household's income per month and payer (:data:`INCOME_LINE_SCHEMA`)."""
    known = specification_lines(payments)
    estimated = estimate_lines(bank_net_lines(classified, payments), persons, known)
    both = pl.concat([_conform(known, INCOME_LINE_SCHEMA), _conform(estimated, INCOME_LINE_SCHEMA)])
    return both.sort("household", "month", "source", "payer")


def _month_range(start: dt.date, end: dt.date) -> list[dt.date]:
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(day)
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


def monthly_income(
    lines: pl.DataFrame,
    households: list[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pl.DataFrame:
    """Per household and month: net, gross, source, estimate or not (:data:`MONTHLY_INCOME_SCHEMA`).

    With ``households``, ``start`` and ``end`` every month in the range gets a row, months
    without income as zero ("geen inkomen"), so a projection can tell zero from unknown.
    """
    estimated = pl.col("source") == IncomeSource.GESCHAT_UIT_NETTO.value
    agg = lines.group_by("household", "month").agg(
        pl.col("net_cents").sum(),
        pl.when(pl.col("gross_cents").is_null().any())
        .then(None)
        .otherwise(pl.col("gross_cents").sum())
        .alias("gross_cents"),
        pl.when(estimated.all()).then(pl.lit(IncomeSource.GESCHAT_UIT_NETTO.value))
        .when(estimated.any()).then(pl.lit(IncomeSource.GEMENGD.value))
        .otherwise(pl.lit(IncomeSource.UITKERINGSGEGEVENS.value))
        .alias("source"),
        pl.col("is_estimate").any(),
        pl.col("explanation").str.join("; "),
        pl.col("problem").drop_nulls().first(),
    )  # fmt: skip
    if households is not None and start is not None and end is not None:
        grid = pl.DataFrame({"household": households}).join(
            pl.DataFrame({"month": _month_range(start, end)}, schema={"month": pl.Date}),
            how="cross",
        )
        agg = grid.join(agg, on=["household", "month"], how="left").with_columns(
            pl.col("net_cents").fill_null(0),
            pl.when(pl.col("source").is_null()).then(0).otherwise(pl.col("gross_cents"))
            .alias("gross_cents"),
            pl.col("source").fill_null(IncomeSource.GEEN.value),
            pl.col("is_estimate").fill_null(False),
            pl.col("explanation").fill_null("geen inkomen ontvangen"),
        )  # fmt: skip
    return _conform(agg, MONTHLY_INCOME_SCHEMA).sort("household", "month")
