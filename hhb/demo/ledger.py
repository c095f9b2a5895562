"""Statements and the generator's own ledger, cut per account and month.

The ledger (opening, closing, money in, money out, count per account and month) is what the
generator *meant* to write. Tests import the written files and compare against it, so a writer
or importer that loses, doubles or flips a transaction shows up as a difference in a named month.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from hhb.demo.dates import add_months, month_end
from hhb.demo.model import DemoAccount, Household
from ingest.model import Statement

LEDGER_HEADER = ("household", "account", "month", "opening_cents", "closing_cents", "in_cents",
                 "out_cents", "count")  # fmt: skip


@dataclass(frozen=True, slots=True)
class LedgerRow:
    household: str
    account: str
    month: str
    opening_cents: int
    closing_cents: int
    in_cents: int
    out_cents: int
    count: int

    def cells(self) -> tuple[str, ...]:
        return (self.household, self.account, self.month, str(self.opening_cents),
                str(self.closing_cents), str(self.in_cents), str(self.out_cents),
                str(self.count))  # fmt: skip


def monthly_statements(household: Household, account: DemoAccount) -> list[Statement]:
    """One statement per month of the window, balances carried from month to month."""
    rows = household.transactions[account.iban]
    by_month = {k: tuple(g) for k, g in itertools.groupby(rows, key=lambda t: (
        t.booking_date.year, t.booking_date.month))}  # fmt: skip
    balance = account.opening_cents
    out: list[Statement] = []
    for i in range(household.months):
        first = add_months(household.first_month, i)
        txs = by_month.get((first.year, first.month), ())
        closing = balance + sum(t.amount_cents for t in txs)
        out.append(Statement(account=account.iban, transactions=txs,
                             statement_id=f"{first:%Y%m}-{account.iban[-4:]}",
                             opening_balance_cents=balance, opening_date=first,
                             closing_balance_cents=closing,
                             closing_date=month_end(first)))  # fmt: skip
        balance = closing
    return out


def ledger_rows(household: Household) -> Iterator[LedgerRow]:
    for account in household.accounts:
        yield from statement_ledger(household.code, monthly_statements(household, account))


def statement_ledger(code: str, statements: Iterable[Statement]) -> Iterator[LedgerRow]:
    """The ledger rows of one account's monthly statements (for callers that already have them)."""
    for st in statements:
        assert st.opening_balance_cents is not None and st.closing_balance_cents is not None
        assert st.opening_date is not None
        amounts = [t.amount_cents for t in st.transactions]
        yield LedgerRow(code, st.account, f"{st.opening_date:%Y-%m}", st.opening_balance_cents,
                        st.closing_balance_cents, sum(a for a in amounts if a > 0),
                        sum(a for a in amounts if a < 0), len(amounts))  # fmt: skip


def file_groups(account: DemoAccount, statements: list[Statement]) -> Iterator[list[Statement]]:
    """Monthly files, or quarterly files (calendar quarters) of three monthly statements."""
    if not account.quarterly:
        yield from ([s] for s in statements)
        return

    def quarter(s: Statement) -> tuple[int, int]:
        assert s.opening_date is not None
        return s.opening_date.year, (s.opening_date.month - 1) // 3

    for _, group in itertools.groupby(statements, key=quarter):
        yield list(group)
