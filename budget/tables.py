"""Monthly tables per household: where the money came from and where it went, month by month.

The coach's month overview (:mod:`budget.overview`) lists every payment of one household; these
tables are its totals, computed for *many* households at once from the classified canonical
table (:data:`budget.classify.CLASSIFIED_SCHEMA`), as the budget, the signals and the analyst's
aggregates need them. Everything is a polars group-by over all rows: no Python runs per
household or per transaction.

Every transaction lands in exactly one *groep*, fixed by its rubriek (:data:`GROUP_OF`):

================= =========================================================================
groep             rubrieken
================= =========================================================================
inkomen           inkomen, uitkering, toeslag, kinderbijslag, studiefinanciering
vaste_lasten      huur, energie, water, zorgverzekering, eigen bijdrage zorg, gemeentelijke
                  belastingen, waterschapsbelasting, belastingen, telefoon/internet,
                  verzekeringen
aflossingen       aflossing schulden
leefgeld          leefgeld (out on the managed account, in on the participant's own account)
eigen_rekening    other transfers between the household's own accounts
overig            boodschappen, contant, overig: the rest of what is spent (and unexplained
                  money in)
================= =========================================================================

Amounts keep the sign of the transactions (+ in, - out): ``in_cents`` sums the credits,
``out_cents`` the debits, ``net_cents`` both. A month's ``net_cents`` over all groups is its
balance, so ``closing = opening + net`` holds in every row of :func:`month_summary`.

Opening and closing balances (:func:`month_balances`) come from what the statements state, per
account, and are summed over the household's accounts:

1. a running balance after a booking (``balance_after_cents``, e.g. ING's "Saldo na mutatie")
   on the first booking of a month gives that month's opening (``balance_after - amount``);
2. otherwise the statement opening balance on the account's very first booking (the balance
   before it), or the statement closing balance on its very last booking (the balance after it);
3. between stated months the balance is carried by the month totals; before the first and after
   the last stated month likewise.

A household month's balance is null ("onbekend") when any of its accounts has no stated balance
at all: nobody should read a guessed saldo. For one household in the database,
:func:`store.transactions.balance_at_start` answers the same question from the stored statements
(which also know statement dates); the frame version here has only the canonical columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import polars as pl

from budget.categories import RUBRIEKEN, Rubriek

__all__ = [
    "BALANCE_SCHEMA",
    "GROUP_OF",
    "LINE_SCHEMA",
    "SUMMARY_SCHEMA",
    "Group",
    "MonthlyTables",
    "fixed_costs_by_partner",
    "income_by_source",
    "leefgeld_transfers",
    "month_balances",
    "month_lines",
    "month_summary",
    "monthly_tables",
    "other_spending",
]


class Group(StrEnum):
    """Where a transaction counts in the month totals (see the module docstring)."""

    INKOMEN = "inkomen"
    VASTE_LASTEN = "vaste_lasten"
    AFLOSSINGEN = "aflossingen"
    LEEFGELD = "leefgeld"
    EIGEN_REKENING = "eigen_rekening"
    OVERIG = "overig"


GROUP_OF: Final[dict[Rubriek, Group]] = {
    Rubriek.INKOMEN: Group.INKOMEN,
    Rubriek.UITKERING: Group.INKOMEN,
    Rubriek.TOESLAG: Group.INKOMEN,
    Rubriek.KINDERBIJSLAG: Group.INKOMEN,
    Rubriek.STUDIEFINANCIERING: Group.INKOMEN,
    Rubriek.HUUR: Group.VASTE_LASTEN,
    Rubriek.ENERGIE: Group.VASTE_LASTEN,
    Rubriek.WATER: Group.VASTE_LASTEN,
    Rubriek.ZORGVERZEKERING: Group.VASTE_LASTEN,
    Rubriek.EIGEN_BIJDRAGE_ZORG: Group.VASTE_LASTEN,
    Rubriek.GEMEENTELIJKE_BELASTINGEN: Group.VASTE_LASTEN,
    Rubriek.WATERSCHAPSBELASTING: Group.VASTE_LASTEN,
    Rubriek.BELASTINGEN: Group.VASTE_LASTEN,
    Rubriek.TELEFOON_INTERNET: Group.VASTE_LASTEN,
    Rubriek.VERZEKERINGEN: Group.VASTE_LASTEN,
    Rubriek.AFLOSSING_SCHULDEN: Group.AFLOSSINGEN,
    Rubriek.LEEFGELD: Group.LEEFGELD,
    Rubriek.EIGEN_REKENING: Group.EIGEN_REKENING,
    Rubriek.BOODSCHAPPEN: Group.OVERIG,
    Rubriek.CONTANT: Group.OVERIG,
    Rubriek.OVERIG: Group.OVERIG,
}

GROUP_DTYPE: Final = pl.Enum([g.value for g in Group])
RUBRIEK_DTYPE: Final = pl.Enum(list(RUBRIEKEN))
"""As the classifier's ``rubriek`` column; a closed set, so a table cannot grow a typo."""
_GROUP_BY_CODE: Final = {i: GROUP_OF[Rubriek(r)].value for i, r in enumerate(RUBRIEKEN)}

LINE_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "month": pl.Date,
    "group": GROUP_DTYPE,
    "rubriek": RUBRIEK_DTYPE,
    "ketenpartner": pl.String,
    "in_cents": pl.Int64,
    "out_cents": pl.Int64,
    "net_cents": pl.Int64,
    "tx_count": pl.UInt32,
}
"""One row per household, month, rubriek and ketenpartner that had a transaction; ``month`` is
the first day of the month."""

BALANCE_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "month": pl.Date,
    "opening_cents": pl.Int64,
    "closing_cents": pl.Int64,
}
"""Per household and every month from its first to its last month with a transaction."""

SUMMARY_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "month": pl.Date,
    "income_cents": pl.Int64,
    "fixed_costs_cents": pl.Int64,
    "debt_repayments_cents": pl.Int64,
    "leefgeld_out_cents": pl.Int64,
    "leefgeld_in_cents": pl.Int64,
    "other_in_cents": pl.Int64,
    "other_out_cents": pl.Int64,
    "own_transfers_cents": pl.Int64,
    "net_cents": pl.Int64,
    "tx_count": pl.UInt32,
    "opening_cents": pl.Int64,
    "closing_cents": pl.Int64,
}
"""One row per household and month (months without transactions in between included, with
zeros), all amounts signed; ``closing = opening + net`` where the balances are known."""


def _group_expr(rubriek: pl.Expr) -> pl.Expr:
    """The groep of a :data:`RUBRIEK_DTYPE` column, looked up by its codes (no text per row)."""
    return rubriek.to_physical().replace_strict(_GROUP_BY_CODE, return_dtype=GROUP_DTYPE)


def _coded(column: str) -> pl.Expr:
    """A text key column as ``Categorical``: grouping and sorting then hash and compare 4-byte
    codes, and each text is copied once per result row when converted back at the end."""
    return pl.col(column).cast(pl.Categorical)


def _month(date: pl.Expr) -> pl.Expr:
    return date.dt.truncate("1mo").alias("month")


def _typed(frame: pl.DataFrame, schema: dict[str, pl.DataType | type[pl.DataType]]) -> pl.DataFrame:
    return frame.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])


def _lines(classified: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """:func:`month_lines` with ``household`` and ``ketenpartner`` still ``Categorical``."""
    amount = pl.col("amount_cents")
    return (
        classified.lazy()
        .filter(amount.is_not_null() & pl.col("booking_date").is_not_null())
        .group_by(
            _coded("household"),
            _month(pl.col("booking_date")),
            pl.col("rubriek").cast(RUBRIEK_DTYPE),
            _coded("ketenpartner"),
        )
        .agg(
            in_cents=amount.clip(lower_bound=0).sum(),
            out_cents=amount.clip(upper_bound=0).sum(),
            net_cents=amount.sum(),
            tx_count=pl.len(),
        )
        .with_columns(group=_group_expr(pl.col("rubriek")))
        .collect()
    )


def month_lines(classified: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Totals per household, month, rubriek and ketenpartner (:data:`LINE_SCHEMA`), in no
    particular order."""
    return _typed(_lines(classified), LINE_SCHEMA)


def _lines_of(lines: pl.DataFrame, group: Group) -> pl.DataFrame:
    return lines.filter(pl.col("group") == group.value)


def income_by_source(lines: pl.DataFrame) -> pl.DataFrame:
    """Income per household and month by rubriek (inkomen, uitkering, toeslag, ...) and
    ketenpartner: the ``inkomen`` rows of :func:`month_lines`."""
    return _lines_of(lines, Group.INKOMEN)


def fixed_costs_by_partner(lines: pl.DataFrame) -> pl.DataFrame:
    """Fixed costs per household and month by ketenpartner (the ``vaste_lasten`` rows)."""
    return _lines_of(lines, Group.VASTE_LASTEN)


def other_spending(lines: pl.DataFrame) -> pl.DataFrame:
    """Boodschappen, contant and overig per household and month (the ``overig`` rows)."""
    return _lines_of(lines, Group.OVERIG)


def leefgeld_transfers(lines: pl.DataFrame) -> pl.DataFrame:
    """Leefgeld paid out (``out_cents``) and received on the own account (``in_cents``)."""
    return _lines_of(lines, Group.LEEFGELD)


def _in_booking_order(rows: pl.LazyFrame) -> bool:
    """Whether each account's rows are together and in (booking date, position) order, as the
    store and the demo table give them: then the first and last row of a month need no
    ordering, and the result is the same as for any other row order."""
    account = pl.col("account")
    order = pl.col("booking_date").cast(pl.Int64) * (1 << 32) + pl.col("position").fill_null(
        0
    ).cast(pl.Int64)
    new_run = account.ne_missing(account.shift(1))
    check = rows.select(
        runs=new_run.sum(),
        accounts=account.n_unique(),
        ordered=(new_run | (order >= order.shift(1))).all(),
    ).collect()
    runs, accounts, ordered = check.row(0)
    return bool(ordered) and runs == accounts


def month_balances(classified: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Opening and closing balance per household and month (:data:`BALANCE_SCHEMA`), from the
    balances the statements state (see the module docstring for the rules); sorted by
    household and month."""
    return _typed(_balances(classified), BALANCE_SCHEMA).sort("household", "month")


def _balances(classified: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """:func:`month_balances` with ``household`` still ``Categorical``, in no order."""
    amount = pl.col("amount_cents")
    rows = classified.lazy().filter(amount.is_not_null() & pl.col("booking_date").is_not_null())
    first: Callable[[pl.Expr], pl.Expr]
    last: Callable[[pl.Expr], pl.Expr]
    if _in_booking_order(rows):
        first, last = pl.Expr.first, pl.Expr.last
    else:
        # Booking date, then the position in the statement.
        day = pl.col("booking_date").cast(pl.Int64) * (1 << 32)
        order = day + pl.col("position").fill_null(0).cast(pl.Int64)

        def first(column: pl.Expr) -> pl.Expr:
            return column.get(order.arg_min())

        def last(column: pl.Expr) -> pl.Expr:
            return column.get(order.arg_max())

    per_month = (
        rows.group_by(
            _coded("household"),
            pl.col("account").fill_null("").cast(pl.Categorical),
            _month(pl.col("booking_date")),
        )
        .agg(
            net=amount.sum(),
            stated_before=first(pl.col("balance_after_cents") - amount),
            statement_opening=first(pl.col("opening_balance_cents")),
            statement_closing=last(pl.col("closing_balance_cents")),
        )
        .collect()
    )
    if per_month.height == 0:
        return pl.DataFrame(schema=BALANCE_SCHEMA).with_columns(_coded("household"))
    span = per_month.group_by("household").agg(
        first=pl.col("month").min(), last=pl.col("month").max()
    )
    account_span = per_month.group_by("household", "account").agg(
        acct_first=pl.col("month").min(), acct_last=pl.col("month").max()
    )
    grid = (
        account_span.join(span, on="household")
        .with_columns(month=pl.date_ranges("first", "last", "1mo"))
        .explode("month")
        .join(per_month, on=["household", "account", "month"], how="left")
        .sort("household", "account", "month")
    )
    acct = ["household", "account"]
    net = pl.col("net").fill_null(0)
    before = net.cum_sum().over(acct) - net
    # An offset turns "sum of the account's bookings before this month" into a balance.
    stated = pl.coalesce(
        pl.col("stated_before"),
        pl.when(pl.col("month") == pl.col("acct_first")).then(pl.col("statement_opening")),
        pl.when(pl.col("month") == pl.col("acct_last")).then(pl.col("statement_closing") - net),
    )
    offset = (stated - before).forward_fill().backward_fill().over(acct)
    accounts = grid.with_columns(opening=offset + before, net=net)
    return (
        accounts.group_by("household", "month")
        .agg(
            opening_cents=pl.when(pl.col("opening").null_count() == 0).then(
                pl.col("opening").sum()
            ),
            net=pl.col("net").sum(),
        )
        .with_columns(closing_cents=pl.col("opening_cents") + pl.col("net"))
        .drop("net")
    )


def month_summary(lines: pl.DataFrame, balances: pl.DataFrame) -> pl.DataFrame:
    """One row per household and month with the group totals and balances
    (:data:`SUMMARY_SCHEMA`), from :func:`month_lines` and :func:`month_balances`; sorted by
    household and month."""
    coded = _coded("household")
    return _summary(lines.with_columns(coded), balances.with_columns(coded))


def _summary(lines: pl.DataFrame, balances: pl.DataFrame) -> pl.DataFrame:
    """:func:`month_summary` on tables whose ``household`` is ``Categorical``."""
    group = pl.col("group")

    def total(g: Group, column: str = "net_cents") -> pl.Expr:
        # Masked before grouping: a plain sum per group is cheaper than a filter per group.
        return pl.when(group == g.value).then(pl.col(column)).otherwise(0).sum()

    totals = lines.group_by("household", "month").agg(
        income_cents=total(Group.INKOMEN),
        fixed_costs_cents=total(Group.VASTE_LASTEN),
        debt_repayments_cents=total(Group.AFLOSSINGEN),
        leefgeld_out_cents=total(Group.LEEFGELD, "out_cents"),
        leefgeld_in_cents=total(Group.LEEFGELD, "in_cents"),
        other_in_cents=total(Group.OVERIG, "in_cents"),
        other_out_cents=total(Group.OVERIG, "out_cents"),
        own_transfers_cents=total(Group.EIGEN_REKENING),
        net_cents=pl.col("net_cents").sum(),
        tx_count=pl.col("tx_count").sum(),
    )
    flows = [
        n
        for n in SUMMARY_SCHEMA
        if n not in ("household", "month", "opening_cents", "closing_cents")
    ]
    joined = balances.join(totals, on=["household", "month"], how="left")
    filled = joined.with_columns(pl.col(flows).fill_null(0))
    return _typed(filled, SUMMARY_SCHEMA).sort("household", "month")


@dataclass(frozen=True, slots=True)
class MonthlyTables:
    """The month tables of a set of households: lines per rubriek and ketenpartner, and one
    summary row per household and month."""

    lines: pl.DataFrame
    summary: pl.DataFrame

    @property
    def income(self) -> pl.DataFrame:
        return income_by_source(self.lines)

    @property
    def fixed_costs(self) -> pl.DataFrame:
        return fixed_costs_by_partner(self.lines)

    @property
    def other_spending(self) -> pl.DataFrame:
        return other_spending(self.lines)

    @property
    def leefgeld(self) -> pl.DataFrame:
        return leefgeld_transfers(self.lines)


def monthly_tables(classified: pl.DataFrame | pl.LazyFrame) -> MonthlyTables:
    """All month tables of the classified canonical table, for every household in it."""
    frame = classified.collect() if isinstance(classified, pl.LazyFrame) else classified
    lines = _lines(frame)
    summary = _summary(lines, _balances(frame))
    return MonthlyTables(_typed(lines, LINE_SCHEMA), summary)
