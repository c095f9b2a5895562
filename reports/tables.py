"""Which tables the municipality gets, and how each household falls into their classes.

A table is a breakdown of the households of an area (the gemeente, or each wijk) by one or two
characteristics, with the number of households and, per value, sum, mean and median. Each
table declares the facts columns it needs; a table whose columns are "nog niet beschikbaar"
(:mod:`reports.facts`) is left out and named in the metadata, never filled with zeros.

Income classes are a presentation choice, not a legal parameter: net income per year in steps
that separate the target group (bijstand for a single adult is about € 16.000 net a year,
DOMAIN.md section 4) from the rest. Households with fewer than 12 months of statements go to
"onbekend": a partial year is not a year's income, and it is not extrapolated.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import polars as pl

from budget.signals import KIND_LABELS, SignalKind
from reports.facts import HouseholdFacts, HouseholdType, Regeling, regeling_column, signal_column

UNKNOWN: Final = "onbekend"
YES, NO = "ja", "nee"
MISSED: Final = "nee, gemist"
"""Entitled, nothing received, and on the loket's list of missed regelingen."""

INCOME_STEPS_EUR: Final = (15_000, 20_000, 25_000, 30_000, 40_000)
SOCIAL_MINIMUM_STEPS_PCT: Final = (100, 110, 120, 130)

REGELING_LABELS: Final[dict[Regeling, str]] = {
    Regeling.ZORGTOESLAG: "zorgtoeslag",
    Regeling.HUURTOESLAG: "huurtoeslag",
    Regeling.KINDGEBONDEN_BUDGET: "kindgebonden budget",
    Regeling.KINDERBIJSLAG: "kinderbijslag",
    Regeling.BIJSTAND: "bijstand",
    Regeling.IIT: "individuele inkomenstoeslag",
    Regeling.KWIJTSCHELDING: "kwijtschelding gemeentelijke belastingen",
}


@dataclass(frozen=True, slots=True)
class Dim:
    """A characteristic: its column in the records, its Dutch name, its classes in order."""

    column: str
    label: str
    levels: tuple[str, ...]
    expr: pl.Expr


@dataclass(frozen=True, slots=True)
class Value:
    """A value summed per cell: the facts column, its Dutch name, its unit."""

    column: str
    label: str
    unit: str  # "cent" or "aantal"


@dataclass(frozen=True, slots=True)
class TableSpec:
    name: str
    title: str
    dims: tuple[Dim, ...]
    values: tuple[Value, ...]
    requires: tuple[str, ...]


def _euro(amount: int) -> str:
    return "€ " + f"{amount:,}".replace(",", ".")


def income_classes() -> tuple[str, ...]:
    steps = INCOME_STEPS_EUR
    out = [f"minder dan {_euro(steps[0])}"]
    out += [f"{_euro(lo)} tot {_euro(hi)}" for lo, hi in itertools.pairwise(steps)]
    out.append(f"{_euro(steps[-1])} of meer")
    return (*out, UNKNOWN)


def _banded(value: pl.Expr, steps: Sequence[int], labels: Sequence[str]) -> pl.Expr:
    """The label of the band ``value`` falls in (``labels`` has one more than ``steps``)."""
    index = pl.sum_horizontal([(value >= step).cast(pl.Int32) for step in steps])
    named = index.replace_strict(dict(enumerate(labels)), return_dtype=pl.String)
    return pl.when(value.is_null()).then(pl.lit(UNKNOWN)).otherwise(named)


def _yes_no(column: str) -> pl.Expr:
    col = pl.col(column)
    return (
        pl.when(col.is_null())
        .then(pl.lit(UNKNOWN))
        .when(col)
        .then(pl.lit(YES))
        .otherwise(pl.lit(NO))
    )


FULL_YEAR_INCOME: Final = (
    pl.when(pl.col("months_observed") == 12).then(pl.col("net_income_year_cents")).otherwise(None)
)


def table_specs() -> tuple[TableSpec, ...]:
    """Every table the aggregates can hold, in the order of the export."""
    incomes = income_classes()
    pct_labels = ["tot 100%", "100% tot 110%", "110% tot 120%", "120% tot 130%", "130% of meer"]
    yes_no = (YES, NO, UNKNOWN)
    specs = [
        TableSpec(
            "huishoudens",
            "Huishoudens naar samenstelling",
            (
                Dim(
                    "huishoudtype",
                    "huishoudtype",
                    tuple(t.value for t in HouseholdType),
                    pl.col("household_type").cast(pl.String),
                ),
            ),
            (),
            ("household_type",),
        ),
        TableSpec(
            "inkomen",
            "Netto inkomen per jaar (huishoudens met 12 maanden gegevens)",
            (
                Dim(
                    "inkomensklasse",
                    "inkomensklasse",
                    incomes,
                    _banded(FULL_YEAR_INCOME, [s * 100 for s in INCOME_STEPS_EUR], incomes),
                ),
            ),
            (Value("netto_inkomen", "netto inkomen per jaar", "cent"),),
            ("net_income_year_cents", "months_observed"),
        ),
        TableSpec(
            "inkomen_sociaal_minimum",
            "Netto inkomen tegenover het sociaal minimum (bijstandsnorm)",
            (
                Dim(
                    "sociaal_minimum",
                    "inkomen t.o.v. sociaal minimum",
                    (*pct_labels, UNKNOWN),
                    _banded(
                        pl.col("income_pct_social_minimum"), SOCIAL_MINIMUM_STEPS_PCT, pct_labels
                    ),
                ),
            ),
            (),
            ("income_pct_social_minimum",),
        ),
        TableSpec(
            "leefgeld",
            "Leefgeld tegenover het Nibud-minimum (laatste volledige maand van het jaar)",
            (
                Dim(
                    "onder_minimum",
                    "leefgeld onder Nibud-minimum",
                    yes_no,
                    _yes_no("below_minimum"),
                ),
            ),
            (
                Value("leefgeld", "leefgeld per maand", "cent"),
                Value("leefgeld_verschil", "leefgeld min Nibud-minimum per maand", "cent"),
            ),
            ("below_minimum", "leefgeld_gap_month_cents"),
        ),
    ]
    for regeling in Regeling:
        specs.append(_regeling_spec(regeling))
    specs += [
        TableSpec(
            "terugvordering",
            "Verwachte terugvordering van toeslagen",
            (
                Dim(
                    "heeft_terugvordering",
                    "verwachte terugvordering",
                    yes_no,
                    _yes_no_positive("expected_clawback_cents"),
                ),
            ),
            (Value("terugvordering", "verwachte terugvordering", "cent"),),
            ("expected_clawback_cents",),
        ),
        TableSpec(
            "signalen",
            "Open signalen",
            (
                Dim(
                    "heeft_open_signalen",
                    "open signalen",
                    yes_no,
                    _yes_no_positive("open_signals"),
                ),
            ),
            (Value("open_signalen", "aantal open signalen", "aantal"),),
            ("open_signals",),
        ),
    ]
    specs += [_signal_spec(kind) for kind in SignalKind]
    return tuple(specs)


def themes() -> dict[str, tuple[str, ...]]:
    """The tables a page shows together (a theme), by theme; every table of
    :func:`table_specs` but the per-kind signal tables belongs to one."""
    names = [s.name for s in table_specs()]
    return {
        "huishoudens": ("huishoudens", "inkomen", "inkomen_sociaal_minimum"),
        "regelingen": tuple(n for n in names if n.startswith("regeling_")),
        "leefgeld": ("leefgeld",),
        "terugvordering": ("terugvordering",),
        "signalen": ("signalen",),
    }


def _yes_no_positive(column: str) -> pl.Expr:
    col = pl.col(column)
    return (
        pl.when(col.is_null())
        .then(pl.lit(UNKNOWN))
        .when(col > 0)
        .then(pl.lit(YES))
        .otherwise(pl.lit(NO))
    )


def _signal_spec(kind: SignalKind) -> TableSpec:
    """Households with at least one open signal of this kind. One table per kind: a household
    can have several kinds, so the kinds are no partition and cannot share one table."""
    column = signal_column(kind)
    return TableSpec(
        f"signalen_{kind.value}",
        f"Open signalen: {KIND_LABELS[kind]}",
        (
            Dim(
                f"heeft_{kind.value}",
                f"open signaal: {KIND_LABELS[kind]}",
                (YES, NO, UNKNOWN),
                _yes_no_positive(column),
            ),
        ),
        (),
        (column,),
    )


def _receipt_expr(col: str, *, with_missed: bool) -> pl.Expr:
    receiving = pl.col(f"{col}receiving")
    expr = pl.when(receiving.is_null()).then(pl.lit(UNKNOWN)).when(receiving).then(pl.lit(YES))
    if with_missed:
        expr = expr.when(pl.col(f"{col}missed").fill_null(False)).then(pl.lit(MISSED))
    return expr.otherwise(pl.lit(NO))


def _regeling_spec(regeling: Regeling) -> TableSpec:
    """Right x receipt, where receipt tells the loket's *gemist* apart from other "nee" (see
    :func:`resolve` for what is left when a column is not known)."""
    label = REGELING_LABELS[regeling]
    col = regeling_column(regeling, "")
    return TableSpec(
        f"regeling_{regeling.value}",
        f"Regeling: {label}",
        (
            Dim(f"{col}recht", "recht", (YES, NO, UNKNOWN), _yes_no(f"{col}eligible")),
            Dim(
                f"{col}ontvangst",
                "ontvangt",
                (YES, MISSED, NO, UNKNOWN),
                _receipt_expr(col, with_missed=True),
            ),
        ),
        (
            Value(f"{col}bedrag_recht", "bedrag waar recht op is per jaar", "cent"),
            Value(f"{col}bedrag_ontvangen", "ontvangen per jaar", "cent"),
            Value(f"{col}bedrag_gemist", "gemist per jaar", "cent"),
        ),
        (),
    )


PLAIN_RECEIPT: Final[dict[str, tuple[str, Dim]]] = {
    f"{regeling_column(r, '')}ontvangst": (
        regeling_column(r, "missed"),
        Dim(
            f"{regeling_column(r, '')}ontvangst",
            "ontvangt",
            (YES, NO, UNKNOWN),
            _receipt_expr(regeling_column(r, ""), with_missed=False),
        ),
    )
    for r in Regeling
}
"""The receipt without *gemist*, for facts whose ``missed`` is not known."""


VALUE_SOURCES: Final[dict[str, str]] = {
    "netto_inkomen": "net_income_year_cents",
    "leefgeld": "leefgeld_month_cents",
    "leefgeld_verschil": "leefgeld_gap_month_cents",
    "terugvordering": "expected_clawback_cents",
    "open_signalen": "open_signals",
    **{
        f"{regeling_column(r, '')}{name}": regeling_column(r, source)
        for r in Regeling
        for name, source in (
            ("bedrag_recht", "entitled_year_cents"),
            ("bedrag_ontvangen", "received_year_cents"),
            ("bedrag_gemist", "missed_year_cents"),
        )
    },
}
"""The facts column behind each value (the income value uses full years only)."""

DIM_SOURCES: Final[dict[str, str]] = {
    **{f"{regeling_column(r, '')}recht": regeling_column(r, "eligible") for r in Regeling},
    **{f"{regeling_column(r, '')}ontvangst": regeling_column(r, "receiving") for r in Regeling},
}


def resolve(spec: TableSpec, facts: HouseholdFacts) -> tuple[TableSpec | None, str | None]:
    """The table as far as the facts allow, or (None, why it is left out).

    A regeling table keeps the dimensions whose column is known (the right, the receipt, or
    both); its receipt tells *gemist* apart only when ``missed`` is known. Values whose column
    is not available are dropped.
    """
    missing = [c for c in spec.requires if c in facts.unavailable]
    if missing:
        return None, facts.unavailable[missing[0]]
    dropped = [d.column for d in spec.dims if DIM_SOURCES.get(d.column) in facts.unavailable]
    if spec.dims and len(dropped) == len(spec.dims):
        return None, facts.unavailable[DIM_SOURCES[dropped[0]]]
    dims = tuple(
        PLAIN_RECEIPT[d.column][1]
        if d.column in PLAIN_RECEIPT and PLAIN_RECEIPT[d.column][0] in facts.unavailable
        else d
        for d in spec.dims
        if d.column not in dropped
    )
    values = tuple(v for v in spec.values if VALUE_SOURCES[v.column] not in facts.unavailable)
    return TableSpec(spec.name, spec.title, dims, values, spec.requires), None


def records(facts: pl.DataFrame, specs: Sequence[TableSpec]) -> pl.DataFrame:
    """One row per household: every class column and value column the tables use."""
    columns: dict[str, pl.Expr] = {}
    for spec in specs:
        for dim in spec.dims:
            columns[dim.column] = dim.expr
        for value in spec.values:
            source = pl.col(VALUE_SOURCES[value.column])
            columns[value.column] = FULL_YEAR_INCOME if value.column == "netto_inkomen" else source
    area = pl.col("wijk").fill_null(UNKNOWN)
    return facts.select(area.alias("wijk"), *(e.alias(c) for c, e in columns.items()))
