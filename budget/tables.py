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

import numpy as np
import numpy.typing as npt
import polars as pl

from budget.categories import RUBRIEKEN, Rubriek

__all__ = [
    "BALANCE_SCHEMA",
    "GROUP_OF",
    "INPUT_COLUMNS",
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
    return _balances_of(per_month, [])


def _balances_of(per_month: pl.DataFrame, sums: list[str]) -> pl.DataFrame:
    """The balances from the totals and stated balances per household, account and month
    (``household`` and ``account`` ``Categorical``), with the ``sums`` columns of ``per_month``
    summed per household and month as well (null in months without a booking)."""
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
            *[pl.col(c).sum() for c in sums],
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
    """All month tables of the classified canonical table, for every household in it.

    A table in booking order (see :func:`_runs`), as the store and the demo world give it, takes
    one pass over its rows (:func:`_tables_in_order`); any other order the general group-bys.
    Both give the same tables (a test compares them).
    """
    frame = classified.collect() if isinstance(classified, pl.LazyFrame) else classified
    fast = _tables_in_order(frame)
    if fast is not None:
        return fast
    lines = _lines(frame)
    summary = _summary(lines, _balances(frame))
    return MonthlyTables(_typed(lines, LINE_SCHEMA), summary)


_FLOWS: Final[tuple[tuple[str, Group, str], ...]] = (
    ("income_cents", Group.INKOMEN, "net"),
    ("fixed_costs_cents", Group.VASTE_LASTEN, "net"),
    ("debt_repayments_cents", Group.AFLOSSINGEN, "net"),
    ("leefgeld_out_cents", Group.LEEFGELD, "out"),
    ("leefgeld_in_cents", Group.LEEFGELD, "in"),
    ("other_in_cents", Group.OVERIG, "in"),
    ("other_out_cents", Group.OVERIG, "out"),
    ("own_transfers_cents", Group.EIGEN_REKENING, "net"),
)
"""The summary's group totals: column, groep and which part of the amounts (as :func:`_summary`)."""
_GROUP_CODE: Final = np.array(
    [list(Group).index(GROUP_OF[Rubriek(r)]) for r in RUBRIEKEN], dtype=np.int8
)
"""Per rubriek code the index of its groep in :class:`Group`."""
_TABLE_COLUMNS: Final = (
    "household",
    "account",
    "booking_date",
    "position",
    "amount_cents",
    "rubriek",
    "ketenpartner",
    "balance_after_cents",
    "opening_balance_cents",
    "closing_balance_cents",
)
"""The columns the month tables read."""
INPUT_COLUMNS: Final = _TABLE_COLUMNS
"""The columns of the classified table :func:`monthly_tables` reads."""
_MAX_CELLS: Final = 1 << 23
"""The largest dense grid :func:`_lines_in_order` counts in (one array of 8 bytes a cell);
a part of the benchmark (about 3 700 households x 24 months x 60 rubriek-partner pairs) needs
5 million."""


def _runs(rows: pl.DataFrame) -> npt.NDArray[np.int64] | None:
    """Where each (account, month) run of the rows starts, if the rows are in booking order:
    what :func:`_in_booking_order` asks (computed here on the run starts instead of every row),
    also with missing accounts counted as ``""``, and one household per account. Then every
    (household, account, month) group of :func:`_balances` is one run of rows, whose first and
    last rows are the ones its ``first``/``last`` take; otherwise ``None``."""
    account, household = rows["account"], rows["household"]  # Series: no chunk alignment
    new = account.ne_missing(account.shift(1)).to_numpy()
    day = rows["booking_date"].cast(pl.Int32).to_numpy()
    order = (
        day.astype(np.int64) * (1 << 32) + rows["position"].fill_null(0).cast(pl.Int64).to_numpy()
    )
    if not np.all(new[1:] | (order[1:] >= order[:-1])):
        return None
    if not _unique_at(account, np.flatnonzero(new)):
        return None
    if account.null_count():
        filled = account.fill_null("")
        new = filled.ne_missing(filled.shift(1)).fill_null(True).to_numpy()
        if not _unique_at(filled, np.flatnonzero(new)):
            return None
    new[:1] = True
    if np.any(household.ne_missing(household.shift(1)).to_numpy() & ~new):
        return None
    month = _month_numbers(day)
    new[1:] |= month[1:] != month[:-1]
    return np.flatnonzero(new)


def _month_numbers(days: npt.NDArray[np.int32] | npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The month (months since January 1970) of each date given as days since 1970-01-01:
    looked up in a table of the dates' span, far cheaper than numpy's calendar conversion per
    element."""
    if len(days) == 0:
        return np.zeros(0, dtype=np.int64)
    first, last = int(days.min()), int(days.max())
    span = np.arange(first, last + 1).astype("datetime64[D]").astype("datetime64[M]")
    return span.astype(np.int64)[days - first]


def _month_starts(months: npt.NDArray[np.int64]) -> npt.NDArray[np.datetime64]:
    """The first day of each month number (as :func:`_month_numbers`), by a table of their
    span."""
    if len(months) == 0:
        return np.zeros(0, dtype="datetime64[D]")
    first, last = int(months.min()), int(months.max())
    span = np.arange(first, last + 1).astype("datetime64[M]").astype("datetime64[D]")
    return span[months - first]


def _unique_at(values: pl.Series, starts: npt.NDArray[np.int64]) -> bool:
    """Whether the runs of equal values starting at ``starts`` are as many as the distinct
    values (``runs == accounts`` of :func:`_in_booking_order`): each value in one run."""
    every = np.union1d(starts, [0])  # row 0 starts a run, counted or not
    return len(starts) == values.gather(every).n_unique()


def _tables_in_order(frame: pl.DataFrame) -> MonthlyTables | None:
    """:func:`monthly_tables` in one pass over rows in booking order (see :func:`_runs`), or
    ``None`` for rows in another order.

    Per (account, month) run the sums come from ``np.add.reduceat`` and the stated balances
    from its first and last row; the summary's group totals are summed per run too, so the
    summary needs no second group-by over the lines. The lines are counted in a dense grid of
    household, month, rubriek and ketenpartner numbers (:func:`_lines_in_order`) instead of
    a group-by on four columns of text.
    """
    # Built from the columns, not by ``select``: a select (and a filter) copies every column
    # whose chunks do not line up with the others', as a classifier's output has them.
    rows = pl.DataFrame([frame[name] for name in _TABLE_COLUMNS])
    if rows["amount_cents"].null_count() or rows["booking_date"].null_count():
        rows = rows.filter(
            pl.col("amount_cents").is_not_null() & pl.col("booking_date").is_not_null()
        )
    if rows.height == 0:
        return None
    starts = _runs(rows)
    if starts is None:
        return None
    amount = rows["amount_cents"].cast(pl.Int64).to_numpy()
    credit = np.maximum(amount, 0)
    debit = np.minimum(amount, 0)
    rubriek = rows["rubriek"].cast(RUBRIEK_DTYPE).to_physical().to_numpy().astype(np.int64)
    group = _GROUP_CODE[rubriek]
    lengths = np.diff(np.append(starts, len(amount)))
    ends = starts + lengths - 1
    sums = _flows_per_run(starts, lengths, group, amount, credit, debit)

    def head(name: str) -> pl.Series:
        return rows[name].gather(starts)

    run_household = head("household")
    households = run_household.drop_nulls().unique().sort()
    h_run = households.search_sorted(run_household.fill_null("")).to_numpy().astype(np.int64)
    h_run[run_household.is_null().to_numpy()] = len(households)  # none: after the texts
    run_month = _month_numbers(head("booking_date").cast(pl.Int32).to_numpy())
    account = head("account").fill_null("")
    new_account = account.ne_missing(account.shift(1)).fill_null(True).to_numpy()
    net = np.add.reduceat(amount, starts)
    runs = _Runs(
        households=households,
        household=h_run,
        month=run_month,
        new_account=new_account,
        net=net,
        stated_before=_nullable(head("balance_after_cents").cast(pl.Int64) - amount[starts]),
        statement_opening=_nullable(head("opening_balance_cents")),
        statement_closing=_nullable(rows["closing_balance_cents"].gather(ends)),
        flows={**sums, "net_cents": net, "tx_count": lengths},
    )
    summary = _summary_in_order(runs)
    lines = _lines_in_order(rows, starts, runs, credit, debit, rubriek)
    return MonthlyTables(lines, summary)


def _flows_per_run(
    starts: npt.NDArray[np.int64],
    lengths: npt.NDArray[np.int64],
    group: npt.NDArray[np.int8],
    amount: npt.NDArray[np.int64],
    credit: npt.NDArray[np.int64],
    debit: npt.NDArray[np.int64],
) -> dict[str, npt.NDArray[np.int64]]:
    """The summary's group totals (:data:`_FLOWS`) per run. Three ``bincount`` over (run,
    groep) numbers while their float sums are exact, instead of a masked copy and a
    ``reduceat`` per total; otherwise those."""
    part = {"net": amount, "in": credit, "out": debit}
    groups = list(Group)
    largest = int(max(credit.max(), -debit.min()))
    if largest * len(amount) >= 2**53:
        return {
            name: np.add.reduceat(np.where(group == groups.index(g), part[which], 0), starts)
            for name, g, which in _FLOWS
        }
    n_groups = len(groups)
    cell = np.repeat(np.arange(len(starts), dtype=np.int64) * n_groups, lengths) + group
    size = len(starts) * n_groups
    table = {
        which: np.bincount(cell, weights=values, minlength=size)
        .astype(np.int64)
        .reshape(len(starts), n_groups)
        for which, values in part.items()
    }
    return {
        name: np.ascontiguousarray(table[which][:, groups.index(g)]) for name, g, which in _FLOWS
    }


def _nullable(values: pl.Series) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """A nullable integer column as its values (0 where null) and where it is not null."""
    valid = values.is_not_null().to_numpy()
    return values.fill_null(0).cast(pl.Int64).to_numpy(), valid


@dataclass(frozen=True, slots=True)
class _Runs:
    """The (account, month) runs of rows in booking order, in row order: each run's household
    (its number in ``households``, sorted; ``len(households)`` for none), month (as
    :func:`_month_numbers`), whether it starts an account, its sum, stated balances (values and
    where stated) and the summary's group totals."""

    households: pl.Series
    household: npt.NDArray[np.int64]
    month: npt.NDArray[np.int64]
    new_account: npt.NDArray[np.bool_]
    net: npt.NDArray[np.int64]
    stated_before: tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]
    statement_opening: tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]
    statement_closing: tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]
    flows: dict[str, npt.NDArray[np.int64]]


def _summary_in_order(runs: _Runs) -> pl.DataFrame:
    """:func:`_balances_of` and the summary of :func:`_tables_in_order` (typed, sorted) from the
    runs, in numpy: every account of a run is one stretch of runs in month order, so the grid of
    account months, the sums before each month and the filled offsets need no join, sort or
    window, and the household months come out in order.

    The same rules as :func:`_balances_of`: per account, every month from its household's first
    to its last month; the stated balance of a month is the first of: the running balance before
    its first booking, the statement opening balance in the account's first month, the statement
    closing balance minus the month's sum in its last month; the offset (stated minus the sum of
    the bookings before) is carried forward, then backward; a household month's opening is the
    sum over its accounts, unknown when one of them is. Rows without a household have no
    summary.
    """
    # Households numbered with none first, as ``sort`` puts a null.
    n_known = len(runs.households)
    household = np.where(runs.household == n_known, 0, runs.household + 1)
    names = pl.Series([None], dtype=pl.String).append(runs.households)
    month, net = runs.month, runs.net
    first_month = int(month.min())
    n_months = int(month.max()) - first_month + 1
    # Accounts: their first and last run, household, first and last month.
    account = np.cumsum(runs.new_account) - 1
    account_start = np.flatnonzero(runs.new_account)
    account_end = np.append(account_start[1:], len(month)) - 1
    account_household = household[account_start]
    account_first, account_last = month[account_start], month[account_end]
    span_first = np.full(len(names), np.iinfo(np.int64).max, dtype=np.int64)
    span_last = np.full(len(names), np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(span_first, account_household, account_first)
    np.maximum.at(span_last, account_household, account_last)
    # The stated balance of each run (first of the three candidates that is there).
    before_value, before_valid = runs.stated_before
    opening_value, opening_valid = runs.statement_opening
    closing_value, closing_valid = runs.statement_closing
    at_opening = (month == account_first[account]) & opening_valid
    at_closing = (month == account_last[account]) & closing_valid
    stated = np.where(
        before_valid, before_value, np.where(at_opening, opening_value, closing_value - net)
    )
    stated_valid = before_valid | at_opening | at_closing
    # The grid: per account, its household's months; each run's place in it.
    length = span_last[account_household] - span_first[account_household] + 1
    offset = np.cumsum(length) - length
    size = int(length.sum())
    cell_account = np.repeat(np.arange(len(account_start)), length)
    index = np.arange(size, dtype=np.int64)
    cell_start = offset[cell_account]
    cell_end = cell_start + length[cell_account] - 1
    cell_month = span_first[account_household][cell_account] + index - cell_start
    place = offset[account] + month - span_first[household]
    cell_net = np.zeros(size, dtype=np.int64)
    cell_net[place] = net
    total = np.cumsum(cell_net)
    before = total - cell_net - (total[offset] - cell_net[offset])[cell_account]
    cell_valid = np.zeros(size, dtype=bool)
    cell_valid[place] = stated_valid
    difference = np.zeros(size, dtype=np.int64)
    difference[place] = stated
    difference -= before
    # Forward, then backward fill of the offset within each account.
    previous = np.maximum.accumulate(np.where(cell_valid, index, cell_start - 1))
    following = np.minimum.accumulate(np.where(cell_valid, index, cell_end + 1)[::-1])[::-1]
    has_previous = previous >= cell_start
    has_following = following <= cell_end
    filled = np.where(
        has_previous,
        difference[np.maximum(previous, 0)],
        difference[np.minimum(following, size - 1)],
    )
    known = has_previous | has_following
    opening = filled + before
    # Per household month: every account's month of the grid, the runs' totals.
    grid_cell = account_household[cell_account] * n_months + cell_month - first_month
    run_cell = household * n_months + month - first_month
    n_cells = len(names) * n_months
    present = np.bincount(grid_cell, minlength=n_cells) > 0
    present[:n_months] = False  # no household: left out, as the join on households does
    unknown = np.bincount(grid_cell, weights=~known, minlength=n_cells) > 0
    opening_sum = np.zeros(n_cells, dtype=np.int64)
    np.add.at(opening_sum, grid_cell, np.where(known, opening, 0))
    cells = np.flatnonzero(present)
    h, m = np.divmod(cells, n_months)

    def per_cell(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        out = np.zeros(n_cells, dtype=np.int64)
        np.add.at(out, run_cell, values)
        return out[cells]

    totals = {name: per_cell(values) for name, values in runs.flows.items()}
    opening_cents = pl.Series(opening_sum[cells]).set(pl.Series(unknown[cells]), None)
    columns: dict[str, pl.Series | npt.NDArray[np.generic]] = {
        "household": names.gather(h),
        "month": pl.Series(_month_starts(m + first_month)),
        **totals,
        "opening_cents": opening_cents,
        "closing_cents": opening_cents + totals["net_cents"],
    }
    return _typed(pl.DataFrame(columns), SUMMARY_SCHEMA)


def _lines_in_order(
    rows: pl.DataFrame,
    starts: npt.NDArray[np.int64],
    runs: _Runs,
    credit: npt.NDArray[np.int64],
    debit: npt.NDArray[np.int64],
    rubriek: npt.NDArray[np.int64],
) -> pl.DataFrame:
    """:func:`month_lines` (typed) on one integer per row: the number of its (household, month,
    rubriek, ketenpartner) cell in a dense grid. ``bincount`` sums the cells while the grid is
    small and the float sums exact; otherwise a group-by on the cell number."""
    lengths = np.diff(np.append(starts, len(rows)))
    households = runs.households.append(pl.Series([None], dtype=pl.String))
    h_run, run_month = runs.household, runs.month
    first_month = int(run_month.min())
    n_months = int(run_month.max()) - first_month + 1
    partner_of, partners = _partner_codes(rows["ketenpartner"])
    pair = rubriek * len(partners) + partner_of
    used = np.zeros(len(RUBRIEKEN) * len(partners), dtype=bool)
    used[pair] = True
    pair_codes = np.flatnonzero(used)
    n_pairs = len(pair_codes)
    run_cell = (h_run * n_months + run_month - first_month) * n_pairs
    cell = np.repeat(run_cell, lengths) + (np.cumsum(used) - 1)[pair]
    n_cells = len(households) * n_months * n_pairs
    largest = int(max(credit.max(), -debit.min()))
    if n_cells <= _MAX_CELLS and largest * len(credit) < 2**53:  # float64 sums exact
        counts = np.bincount(cell, minlength=n_cells)
        found = np.flatnonzero(counts)
        tx_count = counts[found].astype(np.uint32)
        # The sums over the cells in use only: the grid array becomes each cell's rank, so the
        # float arrays are as long as the result and no more grid-sized memory is touched.
        np.cumsum(counts > 0, out=counts)
        rank = counts[cell] - 1
        in_cents = np.bincount(rank, weights=credit, minlength=len(found)).astype(np.int64)
        out_cents = np.bincount(rank, weights=debit, minlength=len(found)).astype(np.int64)
    else:
        grouped = (
            pl.DataFrame({"cell": cell, "in_cents": credit, "out_cents": debit})
            .group_by("cell")
            .agg(pl.col("in_cents").sum(), pl.col("out_cents").sum(), tx_count=pl.len())
        )
        found = grouped["cell"].to_numpy()
        in_cents = grouped["in_cents"].to_numpy()
        out_cents = grouped["out_cents"].to_numpy()
        tx_count = grouped["tx_count"].to_numpy()
    hm, pair_of = np.divmod(found, n_pairs)
    h, m = np.divmod(hm, n_months)
    r, p = np.divmod(pair_codes[pair_of], len(partners))
    month = _month_starts(m + first_month)
    lines = pl.DataFrame(
        {
            "household": households.gather(h),
            "month": pl.Series(month),
            "rubriek": pl.Series(list(RUBRIEKEN), dtype=RUBRIEK_DTYPE).gather(r),
            "ketenpartner": partners.gather(p),
            "in_cents": in_cents,
            "out_cents": out_cents,
            "tx_count": tx_count,
        }
    ).with_columns(
        group=_group_expr(pl.col("rubriek")), net_cents=pl.col("in_cents") + pl.col("out_cents")
    )
    return _typed(lines, LINE_SCHEMA)


def _partner_codes(partner: pl.Series) -> tuple[npt.NDArray[np.int64], pl.Series]:
    """A dense number per row's ketenpartner and the texts they stand for (the last: none)."""
    coded = partner.cast(pl.Categorical)
    known = coded.drop_nulls().unique()
    codes = known.to_physical().cast(pl.Int64).to_numpy()
    order = np.argsort(codes)
    codes = codes[order]
    texts = known.cast(pl.String).gather(order).append(pl.Series([None], dtype=pl.String))
    phys = coded.to_physical().cast(pl.Int64).fill_null(-1).to_numpy()
    if len(codes) and codes[-1] >= _MAX_CELLS:
        dense = np.where(phys < 0, len(codes), np.searchsorted(codes, phys))
        return dense.astype(np.int64), texts
    table = np.full(int(codes[-1]) + 2 if len(codes) else 1, len(codes), dtype=np.int64)
    table[codes] = np.arange(len(codes))
    return table[phys], texts  # a missing partner (-1) reads the last entry: none
