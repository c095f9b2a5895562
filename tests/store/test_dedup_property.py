"""Property: importing overlapping statements of one account, in any order and any number of
times, stores exactly the transactions of their union, identical payments included."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.model import ExtractResult, RawTransaction, SourceFormat, Statement
from store.db import make_engine, session_scope
from store.households import create_household, get_household
from store.importing import store_result
from store.models import Base
from store.transactions import transactions_frame

ACCOUNT = "NL02ABNA0123456789"
DAY0 = dt.date(2024, 1, 1)

# Few distinct amounts and days so that identical transactions are common.
day_txs = st.lists(
    st.tuples(st.integers(0, 9), st.sampled_from([-2500, -2500, 130000, -999])),
    min_size=1,
    max_size=30,
)


def statement_for(txs: list[tuple[int, int]], first: int, last: int) -> ExtractResult:
    """The statement of days ``first..last``: every transaction of those whole days."""
    chosen = [
        RawTransaction(account=ACCOUNT, booking_date=DAY0 + dt.timedelta(days=d), amount_cents=a)
        for d, a in txs
        if first <= d <= last
    ]
    return ExtractResult(
        SourceFormat.CSV, "TEST", "test", (Statement(account=ACCOUNT, transactions=tuple(chosen)),)
    )


@settings(max_examples=60, deadline=None)
@given(
    txs=day_txs,
    windows=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=1, max_size=4),
)
def test_overlapping_imports_store_exactly_the_union(
    txs: list[tuple[int, int]], windows: list[tuple[int, int]]
) -> None:
    txs = sorted(txs)  # a bank lists a day's transactions in one fixed order
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    with session_scope(engine) as session:
        create_household(session, "H", "t")
    covered: set[int] = set()
    for i, (a, b) in enumerate(windows + windows[:1]):  # the first window also comes twice
        first, last = min(a, b), max(a, b)
        covered.update(range(first, last + 1))
        with session_scope(engine) as session:
            household = get_household(session, "H")
            store_result(
                session, household, statement_for(txs, first, last), f"f{i}".encode(), "f", "t", "t"
            )
    with session_scope(engine) as session:
        frame = transactions_frame(session, "H")
    stored = Counter(
        ((d - DAY0).days, a)
        for d, a in zip(frame["booking_date"], frame["amount_cents"], strict=True)
    )
    expected = Counter((d, a) for d, a in txs if d in covered)
    assert stored == expected
