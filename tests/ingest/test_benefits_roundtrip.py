"""Property: whatever the writers produce, the parser reads back unchanged (JSON and CSV)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.benefits import (
    BenefitPayment,
    Toeslag,
    ToeslagDecision,
    identify,
    parse_benefit_file,
    write_benefit_csv,
    write_benefit_json,
)
from ingest.payers import default_registry

PAYER_IDS = sorted(p.id for p in default_registry().payers)
dates = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2030, 12, 31))
cents = st.integers(min_value=0, max_value=10_000_000)
# Remittance text as banks allow it, including the CSV separator and quotes.
references = st.one_of(
    st.none(),
    st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?().,'+ ;\"éë",
        min_size=1,
        max_size=80,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(bool),
)


@st.composite
def payments(draw: st.DrawFn) -> BenefitPayment:
    start = draw(dates)
    end = start + dt.timedelta(days=draw(st.integers(0, 93)))
    gross = draw(cents)
    tax = draw(st.integers(0, gross))
    return BenefitPayment(
        payer=draw(st.sampled_from(PAYER_IDS)),
        regeling=draw(st.sampled_from(["ww", "bijstand", "zorgtoeslag", "kinderbijslag", "aow"])),
        period_start=start,
        period_end=end,
        payment_date=draw(dates),
        gross_cents=gross,
        wage_tax_cents=tax,
        net_cents=gross - tax,
        reference=draw(references),
    )


@st.composite
def decisions(draw: st.DrawFn) -> ToeslagDecision:
    month = draw(st.integers(0, 500_000))
    return ToeslagDecision(
        regeling=draw(st.sampled_from(list(Toeslag))),
        year=draw(st.integers(2015, 2030)),
        advance_year_cents=month * 12,
        advance_month_cents=month,
        income_estimate_cents=draw(cents),
        decision_date=draw(dates),
        with_partner=draw(st.booleans()),
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(payments(), max_size=8), st.lists(decisions(), max_size=4))
def test_json_round_trip(ps: list[BenefitPayment], ds: list[ToeslagDecision]) -> None:
    data = write_benefit_json(ps, ds, household_id="hh-1")
    assert identify(data)
    result = parse_benefit_file(data, "w.json")
    assert result.payments == tuple(ps)
    assert result.decisions == tuple(ds)
    assert result.household_id == "hh-1"


@settings(max_examples=60, deadline=None)
@given(st.lists(payments(), max_size=8), st.lists(decisions(), max_size=4))
def test_csv_round_trip(ps: list[BenefitPayment], ds: list[ToeslagDecision]) -> None:
    data = write_benefit_csv(ps, ds)
    assert identify(data)
    result = parse_benefit_file(data, "w.csv")
    assert result.payments == tuple(ps)
    assert result.decisions == tuple(ds)
