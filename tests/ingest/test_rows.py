"""Row batches keep the canonical keys: stored keys must never change (ingest.canonical)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.canonical import keyed, tx_key
from ingest.model import ExtractResult, RawTransaction, SourceFormat, Statement
from ingest.rows import STORE_COLUMNS, Batcher, KeyMaker, ResultExtraction, as_row

ACCOUNTS = ("NL91ABNA0417164300", "nl02 abna 0123 4567 89", "0123456789")
DAY0 = dt.date(2024, 1, 1)

statements = st.lists(
    st.tuples(
        st.sampled_from(ACCOUNTS),
        st.lists(
            st.tuples(st.integers(0, 3), st.sampled_from([-2500, 130000, -999, 0])), max_size=12
        ),
    ),
    min_size=1,
    max_size=4,
)


def build(spec: list[tuple[str, list[tuple[int, int]]]]) -> ExtractResult:
    return ExtractResult(
        SourceFormat.CSV,
        "TEST",
        "test",
        tuple(
            Statement(
                account=account,
                transactions=tuple(
                    RawTransaction(
                        account=account,
                        booking_date=DAY0 + dt.timedelta(days=d),
                        amount_cents=a,
                        line=i,
                    )
                    for i, (d, a) in enumerate(txs)
                ),
            )
            for account, txs in spec
        ),
    )


@settings(max_examples=80, deadline=None)
@given(spec=statements, size=st.integers(1, 7))
def test_batches_carry_the_canonical_keys_in_file_order(
    spec: list[tuple[str, list[tuple[int, int]]]], size: int
) -> None:
    """Any statements (same account twice, days out of order, equal payments), any batch size."""
    result = build(spec)
    expected = [(k.account, k.key, k.transaction.line) for k in keyed(result.statements)]
    got = []
    key, position = STORE_COLUMNS.index("tx_key"), STORE_COLUMNS.index("position")
    for batch in ResultExtraction(result, size=size).batches():
        assert len(batch) <= 2 * size
        if not len(batch):
            continue  # only statements that began (an empty one)
        accounts = batch.accounts or [batch.account or ""] * len(batch)
        got += [
            (a, k, p)
            for a, k, p in zip(accounts, batch.columns[key], batch.columns[position], strict=True)
        ]
    assert got == expected


def test_a_repeated_payment_counts_on_across_statements() -> None:
    maker = KeyMaker()
    day = "2024-03-04"
    first = maker.keys("NL91ABNA0417164300", [day, day], [-500, -500])
    second = maker.keys("NL91ABNA0417164300", [day], [-500])
    assert first + second == [
        tx_key("NL91ABNA0417164300", dt.date(2024, 3, 4), -500, n) for n in (1, 2, 3)
    ]


def test_a_batch_of_two_accounts_names_the_account_per_row() -> None:
    batcher = Batcher(size=10)
    a = RawTransaction(account="A", booking_date=DAY0, amount_cents=1)
    b = RawTransaction(account="B", booking_date=DAY0, amount_cents=1)
    batcher.open("A", "EUR", 1)
    batcher.add("A", None, None, [as_row(a)])
    batcher.open("B", "EUR", 2)
    batcher.add("B", 100, 101, [as_row(b)])
    batch = batcher.take(7)
    assert batch is not None
    assert (batch.account, batch.accounts, batch.progress) == (None, ["A", "B"], 7)
    assert [o.account for o in batch.opened] == ["A", "B"]
    opening = batch.columns[STORE_COLUMNS.index("opening_balance_cents")]
    assert list(opening) == [None, 100]
