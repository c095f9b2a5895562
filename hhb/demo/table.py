"""A demo household as rows of the canonical tables, without writing or parsing a bank file.

The rows come from the very :class:`~ingest.model.Statement` records that
:func:`hhb.demo.files.write_household` hands to the bank-file writers, keyed by
:func:`ingest.canonical.keyed`, so ``tx_key`` is the key an import of those files computes.
``keyed`` counts occurrences per file, and we key all months of an account at once; the keys
still agree because a key's group is (account, day, amount) and a day never spans two files
(files hold whole months or whole quarters).

What the table carries that an import would not: every field the generator knows, whatever the
bank format of the account can say. An ING CSV has no end-to-end id, mandate or creditor id and
no statement balances; an MT940 or CAMT file has no running balance; Volksbank's MT940 cuts a
month into daily statements. Here every row has the generator's end-to-end id (cards and ATM
withdrawals have none), mandate and creditor id, the balances of its *monthly* statement and the
running balance after the booking. ``bank_transaction_code`` is the code of the account's own
format, as in the file. ``import_id`` is null (there was no import) and ``position`` is the
1-based index of the transaction in its account over the whole window, in booking order, where
an import stores the line in its file.
"""

from __future__ import annotations

import itertools
import operator
from typing import Any

import polars as pl

from hhb.demo.ledger import monthly_statements
from hhb.demo.model import DemoAccount, Household
from ingest.canonical import keyed
from ingest.model import Statement

Columns = dict[str, list[Any]]

PAYMENT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "household": pl.String,
    "payer": pl.String,
    "regeling": pl.String,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "payment_date": pl.Date,
    "gross_cents": pl.Int64,
    "wage_tax_cents": pl.Int64,
    "net_cents": pl.Int64,
    "reference": pl.String,
    "position": pl.Int32,
}
"""Benefit payments as ``store.models.BenefitPaymentRow`` holds them (without ids and keys)."""

DECISION_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "household": pl.String,
    "regeling": pl.String,
    "year": pl.Int32,
    "advance_year_cents": pl.Int64,
    "advance_month_cents": pl.Int64,
    "income_estimate_cents": pl.Int64,
    "decision_date": pl.Date,
    "with_partner": pl.Boolean,
    "actual_income_cents": pl.Int64,
    "position": pl.Int32,
}
"""Toeslag decisions as ``store.models.ToeslagDecisionRow`` holds them, plus the income the
household really had that year (the generator's knowledge; no file states it)."""


def columns(schema: dict[str, Any]) -> Columns:
    return {name: [] for name in schema}


def to_frame(data: Columns, schema: dict[str, pl.DataType | type[pl.DataType]]) -> pl.DataFrame:
    return pl.DataFrame(data, schema=schema)


TX_FIELDS = ("value_date", "amount_cents", "currency", "counterparty_iban",
              "counterparty_name", "description", "end_to_end_id", "mandate_id", "creditor_id",
              "bank_reference", "bank_transaction_code", "is_reversal",
              "batch_id")  # fmt: skip


_TX_VALUES = operator.attrgetter("booking_date", *TX_FIELDS)
_ROW_VALUES = operator.attrgetter("account", "key", "statement.opening_balance_cents",
                                  "statement.closing_balance_cents")  # fmt: skip


def account_statements(household: Household) -> list[tuple[DemoAccount, list[Statement]]]:
    return [(a, monthly_statements(household, a)) for a in household.accounts]


def add_transactions(
    out: Columns,
    household: Household,
    statements: list[tuple[DemoAccount, list[Statement]]] | None = None,
) -> int:
    """Append the household's canonical rows (accounts in order, bookings in order)."""
    added = 0
    for account, monthly in statements or account_statements(household):
        rows = list(keyed(monthly))
        if not rows:
            continue
        n = len(rows)
        # One tuple per row, transposed: a tenth of the cost of a getattr per field and row.
        tx_columns = zip(*map(_TX_VALUES, (r.transaction for r in rows)), strict=True)
        for name, values in zip(("booking_date", *TX_FIELDS), tx_columns, strict=True):
            out[name] += values
        accounts, keys, openings, closings = zip(*map(_ROW_VALUES, rows), strict=True)
        out["household"] += [household.code] * n
        out["account"] += accounts
        out["opening_balance_cents"] += openings
        out["closing_balance_cents"] += closings
        after = itertools.accumulate(out["amount_cents"][-n:], initial=account.opening_cents)
        out["balance_after_cents"] += itertools.islice(after, 1, None)  # skip the opening
        out["import_id"] += [None] * n
        out["position"] += range(1, n + 1)
        out["tx_key"] += keys
        added += n
    return added


def add_benefits(payments: Columns, decisions: Columns, household: Household) -> None:
    """Append payments (in the order of the benefit file) and decisions."""
    ordered = sorted(household.payments, key=lambda p: (p.payment_date, p.payer, p.regeling))
    for i, p in enumerate(ordered, 1):
        for name, value in (("household", household.code), ("payer", p.payer),
                            ("regeling", p.regeling), ("period_start", p.period_start),
                            ("period_end", p.period_end), ("payment_date", p.payment_date),
                            ("gross_cents", p.gross_cents), ("wage_tax_cents", p.wage_tax_cents),
                            ("net_cents", p.net_cents), ("reference", p.reference),
                            ("position", i)):  # fmt: skip
            payments[name].append(value)
    for i, d in enumerate(household.decisions, 1):
        for name, value in (("household", household.code), ("regeling", d.regeling),
                            ("year", d.year), ("advance_year_cents", d.yearly_cents),
                            ("advance_month_cents", d.monthly_cents),
                            ("income_estimate_cents", d.income_estimate_cents),
                            ("decision_date", d.decided_on), ("with_partner", d.partner),
                            ("actual_income_cents", d.actual_income_cents),
                            ("position", i)):  # fmt: skip
            decisions[name].append(value)
