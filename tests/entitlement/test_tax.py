"""Wage tax and the gross behind a net amount: exact cents, refusals, and the inverse."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entitlement.tax import (
    TaxKind,
    bracket_tax,
    estimate_gross,
    gross_from_net,
    monthly_wage_tax,
    net_from_gross,
    piecewise_credit,
    rate_text,
    tapered_credit,
    yearly_wage_tax,
)
from entitlement.tax_params import (
    Param,
    PiecewiseCredit,
    Segment,
    Status,
    TaxDataError,
    TaxParameterMissing,
    TaxYear,
    available_years,
    load_tax_year,
    parse_tax_year,
)

Y2024 = load_tax_year(2024)

# A credit shape to exercise the arbeidskorting arithmetic (build-up, flat, phase-out). It is a
# test input, not a tax figure (the real ones are in entitlement/data/tax, tested further down).
SHAPE = PiecewiseCredit((
    Segment(0, 0, 10_000),                 # 10% of income up to € 10.000
    Segment(10_000_00, 1_000_00, 0),       # flat € 1.000
    Segment(40_000_00, 1_000_00, -5_000),  # minus 5% above € 40.000, to zero at € 60.000
))  # fmt: skip
WITH_SHAPE = dataclasses.replace(
    Y2024,
    labour_credit=Param("arbeidskorting_onder_aow", "arbeidskorting (testvorm)", SHAPE,
                        Status.SCHATTING, ("test",)),
)  # fmt: skip


def one(values: object) -> int:
    return int(np.asarray(values)[0])


def test_the_2024_parameters_carry_their_figures_sources_and_status() -> None:
    assert Y2024.brackets.value is not None and Y2024.general_credit.value is not None
    assert [(b.upper_cents, b.rate_pcm) for b in Y2024.brackets.value] == [
        (75_518_00, 36_970), (None, 49_500)
    ]  # fmt: skip
    assert Y2024.general_credit.value.maximum_cents == 3_362_00
    assert Y2024.general_credit.status is Status.GEVERIFIEERD
    assert any("hetcak.nl" in s for s in Y2024.general_credit.sources)
    assert Y2024.labour_credit.value is not None
    assert Y2024.labour_credit.status is Status.TE_VERIFIEREN
    assert Y2024.elderly_credit.status is Status.GEVERIFIEERD
    assert any("belastingdienst.nl" in s for s in Y2024.elderly_credit.sources)
    assert Y2024.labour_credit_aow.value is None
    assert Y2024.labour_credit_aow.status is Status.NIET_GEVONDEN
    assert {2024, 2025, 2026} <= set(available_years())


def test_yearly_tax_is_exact_in_cents_below_and_above_the_top_bracket() -> None:
    # 30.000: 36,97% = 11.091,00; AHK 3.362 - 6,63% x 5.188 = 3.018,04 (down to the cent)
    assert one(bracket_tax([30_000_00], Y2024.brackets.value or ())) == 1_109_100
    assert Y2024.general_credit.value is not None
    assert one(tapered_credit([30_000_00], Y2024.general_credit.value)) == 301_804
    assert one(yearly_wage_tax([30_000_00], Y2024, TaxKind())) == 807_296
    # 80.000: 36,97% x 75.518 + 49,50% x 4.482, credit fully phased out
    assert one(yearly_wage_tax([80_000_00], Y2024, TaxKind())) == 2_791_900 + 221_859


def test_monthly_tax_is_a_twelfth_of_the_tax_on_twelve_months() -> None:
    assert one(monthly_wage_tax([2_500_00], Y2024, TaxKind())) == 807_296 // 12
    assert one(net_from_gross([2_500_00], Y2024, TaxKind())) == 2_500_00 - 67_274


def test_gross_from_net_finds_the_exact_gross_of_a_known_net() -> None:
    assert one(gross_from_net([182_726], Y2024, TaxKind())) == 2_500_00


def test_a_second_income_without_credits_needs_a_higher_gross_for_the_same_net() -> None:
    main = one(gross_from_net([150_000], Y2024, TaxKind()))
    second = one(gross_from_net([150_000], Y2024, TaxKind(credits=False)))
    assert second > main
    assert one(net_from_gross([second], Y2024, TaxKind(credits=False))) == 150_000


def test_zero_and_small_amounts() -> None:
    assert list(gross_from_net([0, 1, 100], Y2024, TaxKind())) == [0, 1, 100]  # credits cover it


def test_piecewise_credit_builds_up_stays_flat_and_phases_out() -> None:
    got = piecewise_credit([5_000_00, 20_000_00, 50_000_00, 70_000_00], SHAPE)
    assert list(got) == [500_00, 1_000_00, 500_00, 0]


def test_labour_income_uses_the_labour_credit_when_it_is_there() -> None:
    kind = TaxKind(labour=True)
    assert one(yearly_wage_tax([20_000_00], WITH_SHAPE, kind)) == (
        one(yearly_wage_tax([20_000_00], Y2024, TaxKind())) - 1_000_00
    )


def test_missing_figures_refuse_with_what_is_missing() -> None:
    with pytest.raises(TaxParameterMissing, match=r"arbeidskorting \(AOW-leeftijd\) 2024 niet"):
        estimate_gross(200_000, 2024, TaxKind(aow=True, labour=True))
    with pytest.raises(TaxParameterMissing, match=r"arbeidskorting \(AOW-leeftijd\) 2025 niet"):
        estimate_gross(200_000, 2025, TaxKind(aow=True, labour=True))
    aow_general = r"algemene heffingskorting \(AOW-leeftijd\) 2026 niet gevonden"
    with pytest.raises(TaxParameterMissing, match=aow_general):
        estimate_gross(200_000, 2026, TaxKind(aow=True))
    with pytest.raises(TaxParameterMissing, match=r"2019\.yaml ontbreekt"):
        load_tax_year(2019)


def test_the_aow_brackets_of_2024_are_there_without_credits() -> None:
    kind = TaxKind(aow=True, credits=False)
    # 19,07% up to 38.098: 30.000 x 19,07% = 5.721,00
    assert one(yearly_wage_tax([30_000_00], Y2024, kind)) == 572_100


def test_estimate_explains_itself_in_dutch() -> None:
    est = estimate_gross(182_726, 2024)
    assert est.gross_cents == 2_500_00 and est.is_estimate
    assert "€ 1.827,26" in est.explanation and "€ 2.500,00" in est.explanation
    assert "36,97% / 49,50%" in est.explanation and "geverifieerd" in est.explanation


def test_rate_text() -> None:
    assert [rate_text(p) for p in (36_970, 6_337, 49_500, 8_000)] == [
        "36,97%", "6,337%", "49,50%", "8,00%"
    ]  # fmt: skip


GOOD = """
jaar: 2030
aow_leeftijd: {waarde: 67, bron: x, status: geverifieerd}
schijven_onder_aow:
  waarde: [{tot: 40000, tarief: "30.5"}, {tot: null, tarief: "50"}]
  bron: [a, b]
  status: te verifiëren
schijven_aow: {status: niet gevonden}
algemene_heffingskorting_onder_aow: {status: niet gevonden}
algemene_heffingskorting_aow: {status: niet gevonden}
arbeidskorting_onder_aow:
  waarde: [{vanaf: 0, bedrag: 0, percentage: "8.425"}, {vanaf: 11490, bedrag: 968, percentage: 0}]
  bron: y
  status: schatting
arbeidskorting_aow: {status: niet gevonden}
ouderenkorting: {status: niet gevonden}
"""


def test_a_complete_file_parses_with_units_converted_exactly() -> None:
    year = parse_tax_year(GOOD, "2030.yaml")
    assert year.brackets.value is not None and year.labour_credit.value is not None
    assert year.brackets.value[0].rate_pcm == 30_500 and year.brackets.sources == ("a", "b")
    assert year.labour_credit.value.segments[1] == Segment(11_490_00, 968_00, 0)
    assert year.missing(aow=False, labour=False, credits=False) is None
    assert "algemene heffingskorting" in (year.missing(aow=False, labour=False, credits=True) or "")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('tarief: "30.5"', 'tarief: "30.5555"'), "hoogstens 3 decimalen"),
        (("tot: 40000,", "tot: 400.001,"), "meer dan twee decimalen"),
        (("status: te verifiëren", "status: misschien"), "kies uit"),
        (
            (
                "ouderenkorting: {status: niet gevonden}",
                "ouderenkorting: {status: niet gevonden, waarde: 1}",
            ),
            "geen 'waarde'",
        ),
        (("arbeidskorting_aow: {status: niet gevonden}", ""), "arbeidskorting_aow: ontbreekt"),
        (("jaar: 2030", "jaar: 2030\nbox9: 1"), "onbekende sleutel"),
        (('{tot: null, tarief: "50"}', '{tot: 30000, tarief: "50"}'), "oplopend"),
    ],
)
def test_malformed_files_are_refused_with_the_key_and_the_cause(
    change: tuple[str, str], message: str
) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    with pytest.raises(TaxDataError, match=message):
        parse_tax_year(text, "2030.yaml")


KINDS = st.sampled_from([TaxKind(), TaxKind(credits=False), TaxKind(aow=True, credits=False)])
PARAMS = st.sampled_from([Y2024, WITH_SHAPE])


def _kind_for(params: TaxYear, kind: TaxKind, labour: bool) -> TaxKind:
    return dataclasses.replace(kind, labour=labour and params is WITH_SHAPE and not kind.aow)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 2_000_000), min_size=2, max_size=40), KINDS, PARAMS, st.booleans())
def test_net_pay_never_falls_when_gross_rises(
    gross: list[int], kind: TaxKind, params: TaxYear, labour: bool
) -> None:
    kind = _kind_for(params, kind, labour)
    ordered = np.sort(np.array(gross + [g + 1 for g in gross], dtype=np.int64))
    net = net_from_gross(ordered, params, kind)
    assert (np.diff(net) >= 0).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 1_500_000), min_size=1, max_size=40), KINDS, PARAMS, st.booleans())
def test_gross_estimate_is_monotone_and_round_trips_within_a_euro(
    net: list[int], kind: TaxKind, params: TaxYear, labour: bool
) -> None:
    kind = _kind_for(params, kind, labour)
    ordered = np.sort(np.array(net, dtype=np.int64))
    gross = gross_from_net(ordered, params, kind)
    assert (np.diff(gross) >= 0).all()
    assert (gross >= ordered).all()
    back = net_from_gross(gross, params, kind)
    assert (np.abs(back - ordered) <= 100).all()
    assert (back >= ordered).all()
    above = gross > ordered  # the smallest such gross: one cent less falls short
    assert (net_from_gross(gross[above] - 1, params, kind) < ordered[above]).all()


# --- The real figures of 2024-2026 (entitlement/data/tax/*.yaml) against what was published ---

YEARS = {year: load_tax_year(year) for year in (2024, 2025, 2026)}
WAGE = TaxKind(labour=True)

# Per year: the kinks of the arbeidskorting with the amount published there (Wet IB 2001 art.
# 8.11: the partial maxima and the maximum at the afbouwpunt), and the first income at which
# the published tables give no arbeidskorting at all.
LABOUR_KINKS = {
    2024: ([(11_490_00, 968_00), (24_820_00, 5_158_00), (39_957_00, 5_532_00)], 124_934_00),
    2025: ([(12_169_00, 980_00), (26_288_00, 5_220_00), (43_071_00, 5_599_00)], 129_078_00),
    2026: ([(11_965_00, 996_00), (25_845_00, 5_300_00), (45_592_00, 5_685_00)], 132_920_00),
}


@pytest.mark.parametrize("year", sorted(LABOUR_KINKS))
def test_the_arbeidskorting_is_the_published_amount_at_every_kink_and_runs_out_as_published(
    year: int,
) -> None:
    credit = YEARS[year].labour_credit.value
    assert credit is not None
    kinks, nil = LABOUR_KINKS[year]
    assert list(piecewise_credit([k for k, _ in kinks], credit)) == [a for _, a in kinks]
    afbouw, maximum = kinks[-1]
    before, after, almost, gone = piecewise_credit(
        [afbouw - 1, afbouw + 100_00, nil - 10_00, nil], credit
    )
    assert before <= maximum and after == maximum - 6_51  # 6,51% of € 100
    assert almost > 0 and gone == 0


@pytest.mark.parametrize("year", sorted(LABOUR_KINKS))
def test_the_arbeidskorting_never_falls_before_the_afbouwpunt_and_never_rises_after(
    year: int,
) -> None:
    # Every cent up to the afbouwpunt: the partial maxima of the law ("waarbij de som ... niet
    # meer bedraagt dan") must not let the credit drop by a cent where the next piece starts.
    credit = YEARS[year].labour_credit.value
    assert credit is not None
    afbouw = LABOUR_KINKS[year][0][-1][0]
    rising = piecewise_credit(np.arange(0, afbouw + 1, dtype=np.int64), credit)
    assert (np.diff(rising) >= 0).all() and rising[-1] == LABOUR_KINKS[year][0][-1][1]
    falling = piecewise_credit(np.arange(afbouw, LABOUR_KINKS[year][1] + 1, 7), credit)
    assert (np.diff(falling) <= 0).all()


@pytest.mark.parametrize("year", sorted(YEARS))
def test_the_algemene_heffingskorting_runs_out_where_the_top_rate_starts(year: int) -> None:
    # The published afbouw is chosen so that the credit is gone at the start of the top bracket
    # (2024: "€ 0 vanaf € 75.518"; 2025: "volledig afgebouwd vanaf € 76.820"; 2026: "€ 0 bij een
    # inkomen van € 78.426"): a wrong afbouw_vanaf or percentage shows up here.
    params = YEARS[year]
    assert params.brackets.value is not None and params.general_credit.value is not None
    top = params.brackets.value[-2].upper_cents
    assert top is not None
    left = one(tapered_credit([top], params.general_credit.value))
    assert 0 <= left < 1_00


@pytest.mark.parametrize(("year", "nil"), [(2024, 58_170_00), (2025, 58_875_00), (2026, 59_782_00)])
def test_the_ouderenkorting_runs_out_where_published(year: int, nil: int) -> None:
    elderly = YEARS[year].elderly_credit.value
    assert elderly is not None
    assert one(tapered_credit([nil - 10_00], elderly)) > 0
    assert one(tapered_credit([nil], elderly)) == 0


# The Belastingdienst's witte maandtabel loonbelasting/premie volksverzekeringen 2026 (Nederland,
# standaard, uitgave januari 2026): tabelloon, "zonder loonheffingskorting", "met
# loonheffingskorting" (jonger dan de AOW-leeftijd). The rows are quoted from the table in
# braedonsaunders/openbooks, engine/src/payroll/nl/loonheffing.test.ts (the table itself was not
# reached from here). The table rounds the tax of each bracket down and every credit up to whole
# euros a year, so it is at most 3 + 2 = 5 euros a year (42 cents a month) below this model's
# exact cents, never above it.
WITTE_MAANDTABEL_2026 = [
    (999_00, 357_08, 13_83),
    (2_002_50, 715_83, 61_42),
    (2_497_50, 892_83, 186_00),
    (3_240_00, 1_158_25, 484_50),
    (3_244_50, 1_159_92, 486_33),
    (4_999_50, 1_819_08, 1_325_08),
    (6_534_00, 2_395_42, 2_099_58),
    (6_538_50, 2_397_42, 2_101_92),
    (11_092_50, 4_651_67, 4_651_67),
]


@pytest.mark.parametrize(("wage", "without", "with_credits"), WITTE_MAANDTABEL_2026)
def test_monthly_wage_tax_2026_matches_the_published_witte_maandtabel(
    wage: int, without: int, with_credits: int
) -> None:
    plain = one(monthly_wage_tax([wage], YEARS[2026], TaxKind(credits=False)))
    assert -1 <= plain - without <= 42
    credited = one(monthly_wage_tax([wage], YEARS[2026], WAGE))
    assert -1 <= credited - with_credits <= 42


@pytest.mark.parametrize(("wage", "without", "with_credits"), WITTE_MAANDTABEL_2026)
def test_the_gross_of_a_net_from_the_witte_maandtabel_is_found_within_a_euro(
    wage: int, without: int, with_credits: int
) -> None:
    # Net = tabelloon - loonheffing met korting. This model withholds up to 42 cents more, so
    # it needs a slightly higher gross: at most 42 cents / (1 - 56%), the steepest marginal rate
    # (49,50% + 6,51% afbouw arbeidskorting), i.e. under a euro.
    estimate = estimate_gross(wage - with_credits, 2026, WAGE)
    assert wage <= estimate.gross_cents <= wage + 1_00


@pytest.mark.parametrize("year", sorted(YEARS))
def test_a_wage_earner_and_a_benefit_recipient_are_estimated_in_every_year(year: int) -> None:
    for net in (1_650_00, 2_400_00, 4_100_00):  # all above what the credits leave untaxed
        for kind in (WAGE, TaxKind()):
            est = estimate_gross(net, year, kind)
            assert est.gross_cents > net
            assert one(net_from_gross([est.gross_cents], YEARS[year], kind)) >= net
            assert one(net_from_gross([est.gross_cents - 1], YEARS[year], kind)) < net
    assert estimate_gross(900_00, year, WAGE).gross_cents == 900_00  # credits cover the tax
    wage = estimate_gross(2_000_00, year, WAGE)
    benefit = estimate_gross(2_000_00, year)
    assert wage.gross_cents < benefit.gross_cents  # the arbeidskorting leaves more net
    assert f"loonheffing {year}" in wage.explanation
    assert "arbeidskorting (te verifiëren)" in wage.explanation


REAL = st.sampled_from([
    (YEARS[2024], WAGE), (YEARS[2025], WAGE), (YEARS[2026], WAGE),
    (YEARS[2025], TaxKind()), (YEARS[2026], TaxKind()), (YEARS[2026], TaxKind(credits=False)),
    (YEARS[2024], TaxKind(aow=True)), (YEARS[2025], TaxKind(aow=True)),
])  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 2_000_000), min_size=2, max_size=40), REAL)
def test_with_the_real_figures_net_never_falls_and_the_inverse_is_the_smallest_gross(
    gross: list[int], case: tuple[TaxYear, TaxKind]
) -> None:
    params, kind = case
    ordered = np.sort(np.array(gross + [g + 1 for g in gross], dtype=np.int64))
    net = net_from_gross(ordered, params, kind)
    assert (np.diff(net) >= 0).all()
    found = gross_from_net(net, params, kind)
    assert (net_from_gross(found, params, kind) >= net).all()
    above = found > net
    assert (net_from_gross(found[above] - 1, params, kind) < net[above]).all()
