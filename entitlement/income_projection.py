"""The yearly toetsingsinkomen projected from the months so far, with a low and a high band.

Why: a toeslag voorschot rests on an estimate of the whole year's income, and a clawback comes
from the difference with the actual year. Halfway through the year only part of it is known, so
the rest is forecast from the *recent level of structural income*:

* **level**: the median gross of the last ``recent_months`` months up to the as-of month
  (default 3; a single holiday-pay or one-off month does not move a median; with an even
  number of months the two middle ones are averaged, rounded down to the cent);
* **low / high band**: the lowest and the highest of those months, as if the rest of the year
  went like the worst or the best recent month;
* **projected** = gross so far + level x remaining months (+ holiday allowance still to come)
  (+ income supplied separately, e.g. a toeslagpartner whose account is not imported;
  Awir art 7/8 add the partner's income to the toetsingsinkomen).

Holiday allowance (vakantiegeld, at least 8% of the wage, Wet minimumloon en
minimumvakantiebijslag art 15) is part of the yearly gross. Monthly payments do not contain it:
it arrives as one larger payment, by default in May. When that month is still ahead, 8% of twelve
times the level is added; when it has passed, the payment itself is among the months so far (and
the median keeps it out of the level). Set the rate to 0 for income without vakantiegeld.

Months with no income row count as zero income; a month whose gross could not be estimated makes
the projection unknown (null) with the reason, never a guess.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import polars as pl

from entitlement.money_text import euro_expr, month_text
from entitlement.tax import rate_text
from entitlement.tax_params import PCM

WML_HOLIDAY_SOURCE: Final = (
    "http://www.wetboek-online.nl/wet/Wet%20minimumloon%20en%20minimumvakantiebijslag/15.html"
)

EXTRA_INCOME_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "year": pl.Int32,
    "gross_cents": pl.Int64,
    "description": pl.String,
}
"""Yearly gross income that is not in the household's accounts (e.g. the partner's salary)."""

PROJECTION_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "year": pl.Int32,
    "as_of": pl.Date,
    "months_known": pl.Int8,
    "gross_so_far_cents": pl.Int64,
    "level_cents": pl.Int64,
    "low_level_cents": pl.Int64,
    "high_level_cents": pl.Int64,
    "months_remaining": pl.Int8,
    "holiday_allowance_cents": pl.Int64,
    "extra_cents": pl.Int64,
    "projected_cents": pl.Int64,
    "low_cents": pl.Int64,
    "high_cents": pl.Int64,
    "is_estimate": pl.Boolean,
    "explanation": pl.String,
    "problem": pl.String,
}


@dataclass(frozen=True, slots=True)
class HolidayAllowance:
    """Vakantiegeld still to come: ``rate_pcm`` of the yearly level, paid in ``month``."""

    rate_pcm: int = 8_000
    month: int = 5
    source: str = WML_HOLIDAY_SOURCE


def _shift(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _known_months(year: int, as_of: dt.date) -> int:
    if as_of.year > year:
        return 12
    return 0 if as_of.year < year else as_of.month


def project_one_as_of(
    monthly: pl.DataFrame,
    year: int,
    as_of: dt.date,
    *,
    recent_months: int = 3,
    holiday: HolidayAllowance = HolidayAllowance(),
    extra: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """:func:`project_toetsingsinkomen` for a single as-of month."""
    if recent_months < 1:
        raise ValueError("het aantal recente maanden moet minstens 1 zijn")
    as_of = as_of.replace(day=1)
    known = _known_months(year, as_of)
    remaining = 12 - known
    window = [_shift(as_of, -i) for i in range(recent_months)][::-1]
    households = monthly.select("household").unique()
    grid = households.join(pl.DataFrame({"month": window}, schema={"month": pl.Date}), how="cross")
    recent = grid.join(monthly, on=["household", "month"], how="left").with_columns(
        pl.when(pl.col("source").is_null()).then(0).otherwise(pl.col("gross_cents"))
        .alias("gross_cents"),
        pl.col("is_estimate").fill_null(False),
    )  # fmt: skip
    level = recent.sort("month").group_by("household").agg(
        pl.col("gross_cents").median().floor().cast(pl.Int64).alias("level_cents"),
        pl.col("gross_cents").min().alias("low_level_cents"),
        pl.col("gross_cents").max().alias("high_level_cents"),
        pl.col("gross_cents").is_null().any().alias("_recent_unknown"),
        pl.col("is_estimate").any().alias("_recent_estimate"),
        pl.col("problem").drop_nulls().first().alias("_recent_problem"),
        euro_expr(pl.col("gross_cents")).fill_null("onbekend").str.join(", ").alias("_amounts"),
    )  # fmt: skip
    in_year = monthly.filter((pl.col("month").dt.year() == year) & (pl.col("month") <= as_of))
    so_far = in_year.group_by("household").agg(
        pl.when(pl.col("gross_cents").is_null().any()).then(None)
        .otherwise(pl.col("gross_cents").sum()).alias("gross_so_far_cents"),
        pl.col("is_estimate").any().alias("_so_far_estimate"),
        pl.col("problem").drop_nulls().first().alias("_so_far_problem"),
    )  # fmt: skip
    frame = households.join(level, on="household", how="left").join(
        so_far, on="household", how="left"
    )
    frame = frame.with_columns(
        pl.col("gross_so_far_cents").fill_null(pl.when(pl.col("_so_far_problem").is_null()).then(0))
    )
    frame = _add_extra(frame, extra, year)
    ahead = holiday.rate_pcm > 0 and (
        as_of.year < year or (as_of.year == year and holiday.month > as_of.month)
    )

    def holiday_on(col: str) -> pl.Expr:
        if not ahead:
            return pl.lit(0, pl.Int64)
        return pl.col(col) * 12 * holiday.rate_pcm // PCM

    def total(col: str) -> pl.Expr:
        return (
            pl.col("gross_so_far_cents") + pl.col(col) * remaining + holiday_on(col)
            + pl.col("extra_cents")
        )  # fmt: skip

    problem = pl.coalesce("_so_far_problem", pl.when(remaining > 0).then("_recent_problem"))
    frame = frame.with_columns(
        pl.lit(year, pl.Int32).alias("year"),
        pl.lit(as_of).alias("as_of"),
        pl.lit(known, pl.Int8).alias("months_known"),
        pl.lit(remaining, pl.Int8).alias("months_remaining"),
        holiday_on("level_cents").alias("holiday_allowance_cents"),
        total("level_cents").alias("projected_cents"),
        total("low_level_cents").alias("low_cents"),
        total("high_level_cents").alias("high_cents"),
        (
            pl.lit(remaining > 0)
            | pl.col("_so_far_estimate").fill_null(False)
            | (pl.lit(remaining > 0) & pl.col("_recent_estimate"))
        ).alias("is_estimate"),
        problem.alias("problem"),
    )
    frame = frame.with_columns(
        _explanation(year, as_of, known, remaining, window, holiday if ahead else None)
    )
    return frame.select([pl.col(name).cast(dtype) for name, dtype in PROJECTION_SCHEMA.items()])


def _add_extra(frame: pl.DataFrame, extra: pl.DataFrame | None, year: int) -> pl.DataFrame:
    if extra is None:
        return frame.with_columns(
            pl.lit(0, pl.Int64).alias("extra_cents"), pl.lit(None, pl.String).alias("_extra_text")
        )
    summed = (
        extra.filter(pl.col("year") == year)
        .group_by("household")
        .agg(
            pl.col("gross_cents").sum().alias("extra_cents"),
            pl.concat_str(pl.col("description"), pl.lit(" "), euro_expr(pl.col("gross_cents")))
            .str.join("; ")
            .alias("_extra_text"),
        )
    )
    joined = frame.join(summed, on="household", how="left")
    return joined.with_columns(pl.col("extra_cents").fill_null(0))


def _explanation(
    year: int,
    as_of: dt.date,
    known: int,
    remaining: int,
    window: list[dt.date],
    holiday: HolidayAllowance | None,
) -> pl.Expr:
    head = f"Toetsingsinkomen {year}, stand {month_text(as_of)}: "
    estimated = (
        pl.when(pl.col("_so_far_estimate").fill_null(False))
        .then(pl.lit(" (deels geschat uit netto)"))
        .otherwise(pl.lit(""))
    )
    parts: list[pl.Expr] = [
        pl.lit(head + f"{known} maand(en) ontvangen, bruto "),
        euro_expr(pl.col("gross_so_far_cents")),
        estimated,
        pl.lit(". "),
    ]
    if remaining:
        span = f"{month_text(window[0])} t/m {month_text(window[-1])}"
        parts += [
            pl.lit(f"Voor de resterende {remaining} maand(en) rekenen we met "),
            euro_expr(pl.col("level_cents")),
            pl.lit(f" per maand (mediaan van {span}: "), pl.col("_amounts"),
            pl.lit("); band "), euro_expr(pl.col("low_level_cents")), pl.lit(" tot "),
            euro_expr(pl.col("high_level_cents")),
            pl.lit(" per maand (laagste en hoogste van die maanden). "),
        ]  # fmt: skip
    if holiday is not None:
        month = month_text(dt.date(year, holiday.month, 1)).split()[0]
        parts += [
            pl.lit(f"Vakantiegeld {rate_text(holiday.rate_pcm)} (WML art. 15), nog te "
                   f"ontvangen in {month}: "),
            euro_expr(pl.col("holiday_allowance_cents")), pl.lit(". "),
        ]  # fmt: skip
    extra = pl.when(pl.col("_extra_text").is_not_null()).then(
        pl.concat_str(pl.lit("Opgegeven inkomen buiten de rekeningen: "), pl.col("_extra_text"),
                      pl.lit(". "))
    ).otherwise(pl.lit(""))  # fmt: skip
    parts += [
        extra,
        pl.lit("Verwacht toetsingsinkomen: "), euro_expr(pl.col("projected_cents")),
        pl.lit(" (band "), euro_expr(pl.col("low_cents")), pl.lit(" tot "),
        euro_expr(pl.col("high_cents")), pl.lit(")."),
    ]  # fmt: skip
    failed = pl.concat_str(pl.lit(f"Toetsingsinkomen {year} niet te berekenen: "),
                           pl.col("problem"))  # fmt: skip
    return (
        pl.when(pl.col("problem").is_not_null())
        .then(failed)
        .otherwise(pl.concat_str(parts))
        .alias("explanation")
    )


def project_toetsingsinkomen(
    monthly: pl.DataFrame,
    year: int,
    as_of: dt.date | Sequence[dt.date],
    *,
    recent_months: int = 3,
    holiday: HolidayAllowance = HolidayAllowance(),
    extra: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Per household x as-of month: the year's toetsingsinkomen so far, projected, and its band.

    ``monthly`` is :data:`entitlement.income.MONTHLY_INCOME_SCHEMA` (best with every month of
    the year and the recent window filled, see :func:`entitlement.income.monthly_income`);
    ``extra`` is :data:`EXTRA_INCOME_SCHEMA`. Result: :data:`PROJECTION_SCHEMA`.
    """
    dates = [as_of] if isinstance(as_of, dt.date) else list(as_of)
    frames = [
        project_one_as_of(
            monthly, year, day, recent_months=recent_months, holiday=holiday, extra=extra
        )
        for day in dates
    ]
    if not frames:
        return pl.DataFrame(schema=PROJECTION_SCHEMA)
    return pl.concat(frames).sort("household", "as_of")
