"""Hypothesis strategies for statements, shared by the round-trip tests of every writer.

Each format carries a different subset of fields; a round-trip test builds statements with
``statements(...)`` switched to what its format can hold, writes them, parses them back and
compares.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from ingest.model import RawTransaction, Statement
from ingest.text import iban_from_nl_bban

BANK_CODES = ("INGB", "RABO", "ABNA", "SNSB", "ASNB", "RBRB", "TRIO", "KNAB", "BUNQ")

ibans = st.builds(
    iban_from_nl_bban,
    st.integers(min_value=10_000_000, max_value=9_999_999_999).map(str),
    st.sampled_from(BANK_CODES),
)

# Printable text as banks allow it in remittance information (SEPA character set, plus the
# accents Dutch names carry), without leading/trailing or doubled spaces.
_SEPA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?().,'+ "
names = (
    st.text(alphabet=_SEPA + "éëèïöü&", min_size=1, max_size=60)
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)
descriptions = st.text(alphabet=_SEPA, min_size=0, max_size=140).map(lambda s: " ".join(s.split()))
dates = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2027, 12, 31))
amounts = st.integers(min_value=-5_000_000, max_value=5_000_000).filter(lambda c: c != 0)


def transactions(
    account: str, *, with_value_date: bool = True
) -> st.SearchStrategy[RawTransaction]:
    return st.builds(
        RawTransaction,
        account=st.just(account),
        booking_date=dates,
        amount_cents=amounts,
        value_date=dates if with_value_date else st.none(),
        counterparty_iban=st.one_of(st.none(), ibans),
        counterparty_name=st.one_of(st.none(), names),
        description=descriptions,
    )


@st.composite
def statements(draw: st.DrawFn, *, max_transactions: int = 20) -> Statement:
    """One account, transactions sorted by booking date, with consistent balances."""
    account = draw(ibans)
    txs = draw(st.lists(transactions(account), min_size=1, max_size=max_transactions))
    txs.sort(key=lambda t: t.booking_date)
    opening = draw(st.integers(min_value=-1_000_000, max_value=10_000_000))
    closing = opening + sum(t.amount_cents for t in txs)
    return Statement(
        account=account,
        transactions=tuple(txs),
        opening_balance_cents=opening,
        opening_date=txs[0].booking_date,
        closing_balance_cents=closing,
        closing_date=txs[-1].booking_date,
    )
