"""Signals as a coach meets them: each kind on a small inline history, hit and just not hit at
its margin, margins changing the outcome, and stable ids. Histories run through the real
recurring detector, so these also check that the two agree on what a series is."""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from budget import signals as signals_module
from budget.forecast import forecast
from budget.recurring import detect_recurring
from budget.signals import (
    SIGNAL_SCHEMA,
    Margins,
    Severity,
    Signal,
    SignalKind,
    detect_signals,
    household_context,
    household_signals,
    signal_id,
    with_defaults,
)
from ingest.canonical import tx_key

D = dt.date
ACCOUNT = "NL01TEST0123456789"
PAYERS: dict[str, tuple[str | None, str | None]] = {
    "Portaal": ("NL91ABNA0417164300", "huur"),
    "UWV": ("NL35INGB0000006630", "uitkering"),
    "Vitens": ("NL30RABO0300011111", "water"),
    "KPN": ("NL27INGB0000026500", "telefoon_internet"),
    "Eigen rekening": ("NL20INGB0001234567", "leefgeld"),
    "Albert Heijn": (None, "boodschappen"),
}
"""Who pays or is paid: IBAN and rubriek; any other name is a shop without IBAN."""

Row = tuple[dt.date, int, str]


def month(m: int, day: int) -> dt.date:
    """Month ``m`` counted from January 2024 (13 is January 2025)."""
    return D(2024 + (m - 1) // 12, (m - 1) % 12 + 1, day)


def frame(rows: list[Row], household: str = "h1") -> pl.DataFrame:
    seen: dict[tuple[dt.date, int], int] = {}
    out = []
    for day, cents, name in rows:
        n = seen[(day, cents)] = seen.get((day, cents), 0) + 1
        out.append(
            {
                "household": household,
                "account": ACCOUNT,
                "booking_date": day,
                "amount_cents": cents,
                "counterparty_iban": PAYERS.get(name, (None, None))[0],
                "counterparty_name": name,
                "tx_key": tx_key(ACCOUNT, day, cents, n),
            }
        )
    schema = {
        "household": pl.String,
        "account": pl.String,
        "booking_date": pl.Date,
        "amount_cents": pl.Int64,
        "counterparty_iban": pl.String,
        "counterparty_name": pl.String,
        "tx_key": pl.String,
    }
    return pl.DataFrame(out, schema=schema)


def series_of(tx: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    rubriek = {name: r for name, (_, r) in PAYERS.items()}
    found = detect_recurring(tx.filter(pl.col("booking_date") <= as_of), as_of=as_of)
    return found.with_columns(
        rubriek=pl.col("counterparty_name").replace_strict(rubriek, default="boodschappen")
    )


def signals(
    rows: list[Row],
    as_of: dt.date,
    margins: Margins | None = None,
    *,
    since: dt.date | None = None,
    balance: int | None = None,
    with_forecast: bool = False,
) -> tuple[Signal, ...]:
    tx = frame(rows).filter(pl.col("booking_date") <= as_of)
    series = series_of(tx, as_of)
    start = since or D(as_of.year, as_of.month, 1)
    ctx = household_context(
        "h1",
        as_of,
        since=start,
        history_start=month(1, 1),
        balance_date=start if balance is not None else None,
        balance_cents=balance,
        margins=margins or Margins(),
    )
    summary = forecast(series, tx, ctx).summary if with_forecast else None
    return household_signals(series, tx, ctx, forecast_summary=summary)


def of(found: tuple[Signal, ...], kind: SignalKind) -> list[Signal]:
    return [s for s in found if s.kind is kind]


def rent(months: range, cents: int = -61250, day: int = 1) -> list[Row]:
    return [(month(m, day), cents, "Portaal") for m in months]


# ---------------------------------------------------------------- payment missing


def test_missing_rent_after_the_date_margin() -> None:
    rows = rent(range(1, 6))  # January to May; June's rent never comes
    on_margin = signals(rows, D(2024, 6, 6))
    assert of(on_margin, SignalKind.PAYMENT_MISSING) == []
    late = of(signals(rows, D(2024, 6, 7)), SignalKind.PAYMENT_MISSING)
    assert len(late) == 1
    sig = late[0]
    assert sig.date == D(2024, 6, 1) and sig.amount_cents == -61250
    assert sig.severity is Severity.ALERT and sig.counterparty == "Portaal"
    assert sig.message == (
        "Huur Portaal (maandelijks, € 612,50) is niet betaald: verwacht rond 1 juni 2024, "
        "marge 5 dagen"
    )


def test_more_days_of_margin_wait_longer() -> None:
    rows = rent(range(1, 6))
    assert (
        of(
            signals(rows, D(2024, 6, 7), Margins(date_tolerance_days=10)),
            SignalKind.PAYMENT_MISSING,
        )
        == []
    )
    assert (
        len(
            of(
                signals(rows, D(2024, 6, 12), Margins(date_tolerance_days=10)),
                SignalKind.PAYMENT_MISSING,
            )
        )
        == 1
    )


def test_a_gap_in_the_middle_is_missing_too() -> None:
    rows = [r for r in rent(range(1, 7)) if r[0] != month(4, 1)]
    found = of(signals(rows, D(2024, 6, 30), since=D(2024, 3, 1)), SignalKind.PAYMENT_MISSING)
    assert [s.date for s in found] == [D(2024, 4, 1)]


def test_a_late_payment_settles_it() -> None:
    rows = [*rent(range(1, 6)), (month(6, 12), -61250, "Portaal")]
    assert of(signals(rows, D(2024, 6, 20)), SignalKind.PAYMENT_MISSING) == []


def test_income_not_received_is_worded_as_such() -> None:
    rows = [(month(m, 25), 150000, "UWV") for m in range(1, 6)]
    sig = of(signals(rows, D(2024, 7, 2), since=D(2024, 6, 1)), SignalKind.PAYMENT_MISSING)[0]
    assert "is niet ontvangen: verwacht rond 25 juni 2024" in sig.message


@pytest.mark.parametrize("early", [6, 8, 12, 15])
def test_an_early_payment_settles_it(early: int) -> None:
    """A benefit paid before the holidays: a week or two early is money that came."""
    rows = [(month(m, 25), 150000, "UWV") for m in (*range(1, 6), 7)]
    rows.append((month(6, 25) - dt.timedelta(days=early), 150000, "UWV"))
    assert of(signals(rows, D(2024, 7, 31), since=D(2024, 6, 1)), SignalKind.PAYMENT_MISSING) == []


def test_a_yearly_bill_paid_weeks_ahead_settles_it() -> None:
    """The date before the window takes part only where its own payments were read: a year
    back they were not, and it must not take this year's early payment for last year's."""
    rows = [(month(m, 15), -45000, "Vitens") for m in (3, 15, 27)]
    rows.append((month(39, 15) - dt.timedelta(days=40), -45000, "Vitens"))
    found = signals(rows, D(2027, 4, 30), since=D(2027, 1, 1))
    assert of(found, SignalKind.PAYMENT_MISSING) == []


def test_a_payment_settles_one_date_only() -> None:
    """One payment between two expected dates, too late for the one and early for the other,
    settles one of them: the other is still missing."""
    rows = [(month(m, 25), 150000, "UWV") for m in (*range(1, 5), 7, 8, 9)]
    rows.append((month(6, 12), 150000, "UWV"))  # none on 25 May nor on 25 June
    found = of(signals(rows, D(2024, 9, 30), since=D(2024, 5, 1)), SignalKind.PAYMENT_MISSING)
    assert len(found) == 1 and month(5, 20) <= found[0].date <= month(6, 25)


def test_the_date_before_the_window_keeps_its_own_late_payment() -> None:
    """April's income paid on 12 May is April's, not an early payment of the window's first
    date, 25 May, which is still missing."""
    rows = [(month(m, 25), 150000, "UWV") for m in (1, 2, 3, 6, 7, 8)]
    rows.append((month(5, 12), 150000, "UWV"))
    found = of(signals(rows, D(2024, 8, 31), since=D(2024, 5, 1)), SignalKind.PAYMENT_MISSING)
    assert [s.date for s in found] == [month(5, 25)]


@st.composite
def shifted_income(draw: st.DrawFn) -> tuple[list[Row], int]:
    """Monthly UWV income for January to October, each paid on time, a little off or one to
    two weeks early, and one or none of June, July and August not paid at all."""
    skipped = draw(st.sampled_from([None, 6, 7, 8]))
    rows: list[Row] = []
    for m in range(1, 11):
        if m == skipped:
            continue
        shift = draw(st.sampled_from([0, 0, 0, 0, 0, -2, 2, -8, -11, -14]))
        rows.append((month(m, 25) + dt.timedelta(days=shift), 150000, "UWV"))
    return rows, 0 if skipped is None else 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=shifted_income())
def test_each_month_without_a_payment_is_one_signal(history: tuple[list[Row], int]) -> None:
    """Given the detector sees one active monthly series (paid early often, it may see none),
    the signals count the months that were not paid, whether the others came early or not."""
    rows, skipped = history
    as_of = D(2024, 10, 31)
    found = series_of(frame(rows), as_of)
    assume(found.height == 1 and found.row(0, named=True)["periodicity"] == "monthly")
    assume(found.row(0, named=True)["status"] == "active")
    missing = of(signals(rows, as_of, since=D(2024, 6, 1)), SignalKind.PAYMENT_MISSING)
    assert len(missing) == skipped


# ---------------------------------------------------------------- amount differs


@pytest.mark.parametrize(("june", "hit"), [(-61250 - 1838, True), (-61250 - 1837, False)])
def test_amount_beyond_the_percentage(june: int, hit: bool) -> None:
    rows = [*rent(range(1, 6)), (month(6, 1), june, "Portaal")]
    found = of(signals(rows, D(2024, 6, 30)), SignalKind.AMOUNT_DIFFERS)
    assert bool(found) is hit  # 3 % of € 612,50 is € 18,375: a cent more than € 18,37 counts


def test_amount_message_names_both_amounts_and_the_margin() -> None:
    rows = [*rent(range(1, 6)), (month(6, 1), -63700, "Portaal")]
    sig = of(signals(rows, D(2024, 6, 30)), SignalKind.AMOUNT_DIFFERS)[0]
    assert (sig.amount_cents, sig.reference_cents, sig.date) == (-63700, -61250, D(2024, 6, 1))
    assert sig.message == (
        "Huur Portaal (maandelijks): € 637,00 betaald op 1 juni 2024 in plaats van € 612,50 "
        "(+€ 24,50, +4,0 %); marge 3 % en € 2,50"
    )
    assert len(sig.tx_keys) == 1
    assert not of(
        signals(rows, D(2024, 6, 30), Margins(amount_tolerance_pct=5)), SignalKind.AMOUNT_DIFFERS
    )


@pytest.mark.parametrize(("july", "hit"), [(-1500 - 251, True), (-1500 - 250, False)])
def test_small_amounts_need_the_euro_margin(july: int, hit: bool) -> None:
    rows = [(month(m, 22), -1500, "KPN") for m in range(1, 7)] + [(month(7, 22), july, "KPN")]
    assert bool(of(signals(rows, D(2024, 7, 31)), SignalKind.AMOUNT_DIFFERS)) is hit


def test_a_new_level_is_reported_once() -> None:
    rows = [*rent(range(1, 7)), *rent(range(7, 10), cents=-63700)]
    found = of(signals(rows, D(2024, 9, 30), since=D(2024, 6, 1)), SignalKind.AMOUNT_DIFFERS)
    assert [s.date for s in found] == [D(2024, 7, 1)]


# ---------------------------------------------------------------- extra transactions


def test_double_debit_in_one_period() -> None:
    rows = [(month(m, 24), -2621, "Vitens") for m in range(1, 7)]
    found = of(
        signals([*rows, (month(6, 10), -2621, "Vitens")], D(2024, 6, 30)),
        SignalKind.EXTRA_TRANSACTIONS,
    )
    assert len(found) == 1
    assert found[0].message == (
        "Water Vitens (maandelijks): extra betaling van € 26,21 op 10 juni 2024, naast € 26,21 "
        "op 24 juni 2024; één betaling per periode verwacht"
    )
    assert len(found[0].tx_keys) == 2
    other_amount = [*rows, (month(6, 10), -9000, "Vitens")]
    assert of(signals(other_amount, D(2024, 6, 30)), SignalKind.EXTRA_TRANSACTIONS) == []


# ---------------------------------------------------------------- negative balance


def _spending(last: int) -> list[Row]:
    return [*rent(range(1, 4), cents=-50000), (month(3, 15), last, "Albert Heijn")]


@pytest.mark.parametrize(("groceries", "hit"), [(-10001, True), (-10000, False)])
def test_balance_below_zero(groceries: int, hit: bool) -> None:
    # € 600 on 1 March, rent € 500 the same day, groceries on the 15th
    found = of(
        signals(_spending(groceries), D(2024, 3, 31), balance=60000), SignalKind.NEGATIVE_BALANCE
    )
    assert bool(found) is hit
    if hit:
        sig = found[0]
        assert (sig.date, sig.amount_cents, sig.reference_cents) == (D(2024, 3, 15), -1, 0)
        assert sig.message == (
            "Saldo onder de ondergrens van € 0,00 vanaf 15 maart 2024 (€ -0,01); laagste saldo "
            "€ -0,01 op 15 maart 2024"
        )


def test_a_lower_floor_allows_an_overdraft() -> None:
    found = signals(
        _spending(-10001), D(2024, 3, 31), Margins(balance_floor_cents=-5000), balance=60000
    )
    assert of(found, SignalKind.NEGATIVE_BALANCE) == []


def test_a_window_that_starts_below_the_floor() -> None:
    found = of(
        signals(rent(range(1, 4)), D(2024, 3, 31), balance=-8536), SignalKind.NEGATIVE_BALANCE
    )
    assert [(s.date, s.amount_cents) for s in found] == [(D(2024, 3, 1), -8536 - 61250)]
    assert "(€ -85,36)" in found[0].message


def test_no_balance_no_balance_signal() -> None:
    assert of(signals(_spending(-90000), D(2024, 3, 31)), SignalKind.NEGATIVE_BALANCE) == []


# ---------------------------------------------------------------- income dropped


def _income(june: int) -> list[Row]:
    return [*((month(m, 25), 150000, "UWV") for m in range(1, 6)), (month(6, 25), june, "UWV")]


@pytest.mark.parametrize(("june", "hit"), [(134999, True), (135000, False)])
def test_income_drop_beyond_the_margin(june: int, hit: bool) -> None:
    found = of(signals(_income(june), D(2024, 6, 30)), SignalKind.INCOME_DROPPED)
    assert bool(found) is hit
    if hit:
        sig = found[0]
        assert (sig.date, sig.amount_cents, sig.reference_cents) == (D(2024, 6, 1), 134999, 150000)
        assert sig.message == (
            "Structureel inkomen in juni 2024 € 1.349,99 per maand, 10,0 % minder dan in mei "
            "2024 (€ 1.500,00); marge 10 %. Lager: Uitkering UWV € 1.500,00 → € 1.349,99"
        )


def test_a_wider_income_margin() -> None:
    found = signals(_income(130000), D(2024, 6, 30), Margins(income_drop_pct=15))
    assert of(found, SignalKind.INCOME_DROPPED) == []
    assert of(signals(_income(130000), D(2024, 6, 30)), SignalKind.INCOME_DROPPED)


def test_income_that_stops_is_a_drop() -> None:
    rows = [(month(m, 25), 150000, "UWV") for m in range(1, 6)]
    found = of(signals(rows, D(2024, 7, 31), since=D(2024, 6, 1)), SignalKind.INCOME_DROPPED)
    assert [(s.date, s.amount_cents) for s in found] == [(D(2024, 6, 1), 0)]  # June: none came


# ---------------------------------------------------------------- fixed cost stopped


def test_fixed_cost_stopped_after_two_missed_dates() -> None:
    # January to April; the detector expects May's on the 23rd (the 22nd is 70 % into a month)
    rows = [(month(m, 22), -3500, "KPN") for m in range(1, 5)]
    found = signals(rows, D(2024, 6, 30), since=D(2024, 5, 1))
    stopped = of(found, SignalKind.FIXED_COST_STOPPED)
    assert [(s.date, s.severity) for s in stopped] == [(D(2024, 6, 22), Severity.ALERT)]
    assert stopped[0].message == (
        "Telefoon en internet KPN (maandelijks, € 35,00) lijkt gestopt: laatste betaling "
        "22 april 2024, niet betaald rond 23 mei 2024 en 22 juni 2024 (marge 5 dagen); "
        "mogelijk een achterstand"
    )
    assert [s.date for s in of(found, SignalKind.PAYMENT_MISSING)] == [D(2024, 5, 23)]
    not_yet = signals(rows, D(2024, 6, 27), since=D(2024, 5, 1))
    assert of(not_yet, SignalKind.FIXED_COST_STOPPED) == []


def test_leefgeld_that_stops_is_not_a_fixed_cost() -> None:
    rows = [(month(m, 3), -46016, "Eigen rekening") for m in range(1, 5)]
    found = signals(rows, D(2024, 6, 30), since=D(2024, 5, 1))
    assert of(found, SignalKind.FIXED_COST_STOPPED) == []
    assert [s.severity for s in of(found, SignalKind.PAYMENT_MISSING)] == [Severity.WARNING]


# ---------------------------------------------------------------- forecast signals


def test_forecast_below_zero_and_below_the_buffer() -> None:
    rows = [*((month(m, 25), 100000, "UWV") for m in range(1, 7)), *rent(range(1, 7), -120000)]
    found = signals(rows, D(2024, 6, 30), balance=170000, with_forecast=True)
    # € 1.700 on 1 June; June: -€ 200, end € 1.500; then -€ 200 a month
    zero = of(found, SignalKind.FORECAST_BELOW_ZERO)
    assert [(s.date, s.amount_cents, s.severity) for s in zero] == [
        (D(2025, 2, 28), -10000, Severity.ALERT)
    ]
    assert zero[0].message == (
        "Verwacht saldo eind februari 2025 € -100,00, onder de ondergrens van € 0,00 "
        "(prognose vanaf 30 juni 2024)"
    )
    buffer = of(found, SignalKind.FORECAST_BELOW_BUFFER)
    assert [(s.date, s.amount_cents) for s in buffer] == [(D(2024, 8, 31), 110000)]
    assert buffer[0].severity is Severity.INFO


# ---------------------------------------------------------------- ids, frames, many households


def test_ids_are_stable_and_depend_on_what_they_name() -> None:
    rows = rent(range(1, 6))
    first = of(signals(rows, D(2024, 6, 7)), SignalKind.PAYMENT_MISSING)[0]
    again = of(signals(rows, D(2024, 6, 20)), SignalKind.PAYMENT_MISSING)[0]
    assert first.id == again.id == signal_id(first.kind, "h1", first.series, D(2024, 6, 1))
    assert first.id != signal_id(first.kind, "h2", first.series, D(2024, 6, 1))
    assert len(first.id) == 16 and first.series is not None
    assert first.series.startswith(ACCOUNT + "|NL91ABNA0417164300|out|monthly|")


def test_many_households_at_once_equal_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    histories = {
        "h1": rent(range(1, 6)),
        "h2": [*rent(range(1, 6)), (month(6, 1), -70000, "Portaal")],
        "h3": [(month(m, 25), 150000, "UWV") for m in range(1, 6)],
    }
    as_of = D(2024, 6, 30)
    tx = pl.concat([frame(rows, h) for h, rows in histories.items()])
    series = series_of(tx, as_of)
    ctx = pl.concat(
        [
            household_context(h, as_of, balance_date=D(2024, 5, 1), balance_cents=0)
            for h in histories
        ]
    )
    together = detect_signals(series, tx, ctx)
    assert together.schema == pl.Schema(SIGNAL_SCHEMA)
    for h in histories:
        alone = detect_signals(
            series.filter(pl.col("household") == h),
            tx.filter(pl.col("household") == h),
            ctx.filter(pl.col("household") == h),
        )
        assert alone.equals(together.filter(pl.col("household") == h))
    assert set(together["household"]) == set(histories)
    monkeypatch.setattr(signals_module, "CHUNK_HOUSEHOLDS", 1)
    assert detect_signals(series, tx, ctx).equals(together)  # chunks change nothing


def test_defaults_fill_what_a_context_leaves_out() -> None:
    ctx = with_defaults(pl.DataFrame({"household": ["h"], "as_of": [D(2024, 3, 10)]}))
    row = ctx.row(0, named=True)
    assert row["since"] == D(2024, 2, 1)
    assert {k: row[k] for k in Margins().as_dict()} == Margins().as_dict()
    assert row["balance_cents"] is None


def test_nothing_to_say() -> None:
    tx = frame(rent(range(1, 4)))
    ctx = household_context("h1", D(2024, 3, 31))
    assert detect_signals(series_of(tx, D(2024, 3, 31)), tx, ctx).height == 0
    empty = frame([])
    assert detect_signals(series_of(empty, D(2024, 3, 31)), empty, ctx).height == 0


# ---------------------------------------------------------------- property: wider never adds

FORECAST_KINDS = {SignalKind.FORECAST_BELOW_ZERO, SignalKind.FORECAST_BELOW_BUFFER}


@st.composite
def histories(draw: st.DrawFn) -> list[Row]:
    rows: list[Row] = []
    skip = draw(st.sets(st.integers(1, 8), max_size=3))
    for name, day, cents in (("Portaal", 1, -61250), ("UWV", 25, 140000), ("Vitens", 20, -2621)):
        for m in range(1, 9):
            if name == "Portaal" and m in skip:
                continue
            change = draw(st.sampled_from([0, 0, 0, 1, -1])) * draw(st.integers(0, 4000))
            shift = draw(st.sampled_from([0, 0, 0, 3, 7, 12]))
            rows.append((month(m, day) + dt.timedelta(days=shift), cents + change, name))
    for _ in range(draw(st.integers(0, 3))):
        rows.append((month(draw(st.integers(1, 8)), draw(st.integers(2, 27))), -2621, "Vitens"))
    for m in range(1, 9):
        rows.append((month(m, 14), -draw(st.integers(5000, 60000)), "Albert Heijn"))
    return rows


@st.composite
def margin_pairs(draw: st.DrawFn) -> tuple[Margins, Margins]:
    base = Margins(
        amount_tolerance_pct=draw(st.integers(0, 10)),
        amount_tolerance_cents=draw(st.integers(0, 1000)),
        date_tolerance_days=draw(st.integers(0, 10)),
        income_drop_pct=draw(st.integers(1, 30)),
        balance_floor_cents=draw(st.integers(-20000, 20000)),
        buffer_target_cents=draw(st.integers(0, 300000)),
    )
    wider = Margins(
        amount_tolerance_pct=base.amount_tolerance_pct + draw(st.integers(0, 5)),
        amount_tolerance_cents=base.amount_tolerance_cents + draw(st.integers(0, 1000)),
        date_tolerance_days=base.date_tolerance_days + draw(st.integers(0, 10)),
        income_drop_pct=min(100, base.income_drop_pct + draw(st.integers(0, 20))),
        balance_floor_cents=base.balance_floor_cents - draw(st.integers(0, 20000)),
        buffer_target_cents=max(0, base.buffer_target_cents - draw(st.integers(0, 100000))),
    )
    return base, wider


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=histories(), margins=margin_pairs(), balance=st.integers(-50000, 200000))
def test_widening_a_margin_never_adds_a_signal(
    rows: list[Row], margins: tuple[Margins, Margins], balance: int
) -> None:
    base, wider = margins
    as_of = D(2024, 8, 31)
    narrow = signals(rows, as_of, base, since=D(2024, 6, 1), balance=balance, with_forecast=True)
    wide = signals(rows, as_of, wider, since=D(2024, 6, 1), balance=balance, with_forecast=True)
    assert {s.id for s in wide if s.kind not in FORECAST_KINDS} <= {
        s.id for s in narrow if s.kind not in FORECAST_KINDS
    }
    for kind in FORECAST_KINDS:
        assert len(of(wide, kind)) <= len(of(narrow, kind))


def test_margins_are_plain_values() -> None:
    m = Margins(date_tolerance_days=8)
    assert dataclasses.replace(m, date_tolerance_days=5) == Margins()
    assert m.as_dict()["date_tolerance_days"] == 8
