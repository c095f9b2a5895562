"""Dutch amounts inside polars expressions, for explanations built over whole frames.

Every result row of the income and clawback tables carries a sentence a coach can read, with
amounts written the Dutch way (``€ 1.234,56``). Formatting row by row in Python would dominate
the cost on large frames, so this builds the same text as :func:`ingest.amounts.format_euro`
as a polars expression (checked against it by a property test).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import polars as pl

from entitlement.rules.registry import default_rules


def _pad(expr: pl.Expr, width: int) -> pl.Expr:
    return expr.cast(pl.String).str.zfill(width)


def euro_expr(cents: pl.Expr) -> pl.Expr:
    """``123456`` -> ``€ 1.234,56``, ``-8536`` -> ``€ -85,36``; null stays null."""
    magnitude = cents.abs()
    whole = magnitude // 100
    groups = [whole % 1000, (whole // 1000) % 1000, (whole // 1_000_000) % 1000,
              whole // 1_000_000_000]  # fmt: skip
    number = (
        pl.when(whole >= 1_000_000_000)
        .then(pl.concat_str(groups[3].cast(pl.String), pl.lit("."), _pad(groups[2], 3),
                            pl.lit("."), _pad(groups[1], 3), pl.lit("."), _pad(groups[0], 3)))
        .when(whole >= 1_000_000)
        .then(pl.concat_str(groups[2].cast(pl.String), pl.lit("."), _pad(groups[1], 3),
                            pl.lit("."), _pad(groups[0], 3)))
        .when(whole >= 1000)
        .then(pl.concat_str(groups[1].cast(pl.String), pl.lit("."), _pad(groups[0], 3)))
        .otherwise(groups[0].cast(pl.String))
    )  # fmt: skip
    sign = pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str(pl.lit("€ "), sign, number, pl.lit(","), _pad(magnitude % 100, 2))


MONTH_NAMES = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)  # fmt: skip


def month_expr(day: pl.Expr) -> pl.Expr:
    """A date column -> 'maart 2024'."""
    names = {i + 1: name for i, name in enumerate(MONTH_NAMES)}
    return pl.concat_str(
        day.dt.month().cast(pl.Int64).replace_strict(names, return_dtype=pl.String),
        pl.lit(" "),
        day.dt.year().cast(pl.String),
    )


def month_text(day: dt.date) -> str:
    """The same for one date: 2024-03-01 -> 'maart 2024'."""
    return f"{MONTH_NAMES[day.month - 1]} {day.year}"


RECEIVED_NAMES: Final = {
    "iit": "individuele inkomenstoeslag",
    "kinderopvangtoeslag": "kinderopvangtoeslag",
}
"""Names the classifier and the payment specifications use that are not a regeling file."""


def in_sentence(title: str) -> str:
    """'Kindgebonden budget' -> 'kindgebonden budget'; an abbreviation ('AOW') stays."""
    if len(title) > 1 and title[0].isupper() and title[1].islower():
        return title[0].lower() + title[1:]
    return title


def regeling_names() -> dict[str, str]:
    """Every regeling identifier (file name or classifier name) -> its Dutch name for a sentence,
    from the ``naam`` in its YAML file."""
    rules = default_rules()
    names = {name: in_sentence(rules[name].title) for name in rules}
    return {**RECEIVED_NAMES, **names}


def regeling_name(name: str) -> str:
    """The Dutch name of one regeling identifier; an unknown one without underscores."""
    return regeling_names().get(name, name.replace("_", " "))


def regeling_name_expr(name: pl.Expr) -> pl.Expr:
    """:func:`regeling_name` over a column of identifiers."""
    known = regeling_names()
    return name.replace_strict(
        known, default=name.str.replace_all("_", " "), return_dtype=pl.String
    )
