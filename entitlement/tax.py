"""Wage tax (loonheffing) on a monthly basis, and its inverse: the gross behind a net amount.

Why: toeslagen are tested against *gross* yearly income, but a bank statement shows only what
was paid out. Where no payment specification gives the gross, it is estimated by asking which
gross monthly amount, after that year's loonheffing, leaves exactly the net that arrived.

The model is the monthly table of the loonheffing as a payer applies it: the monthly gross is
annualised (x 12), the box 1 brackets (tax and premiums volksverzekeringen together) are applied
to that yearly amount, the tax credits are subtracted (never below zero), and a twelfth is
withheld. A payer applies the credits (*loonheffingskorting*) only when asked to, normally the
main payer; a second income is taxed without them, hence :attr:`TaxKind.credits`. The employee
pays no Zvw contribution on wages (the employer does); on some benefits and pensions the
recipient does, which this model leaves out (the estimate is then slightly low).

All arithmetic is in integer cents with rates in thousandths of a percent, every product rounded
down to the cent; it runs on numpy arrays so that many household-months are estimated at once.
The inverse is a bisection over integer cents: net pay never falls when gross pay rises (checked
by a property test), so the smallest gross whose net reaches the target is well defined and the
round trip net -> gross -> net is exact to a cent or two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from entitlement.tax_params import (
    PCM,
    Bracket,
    PiecewiseCredit,
    TaperedCredit,
    TaxParameterMissing,
    TaxYear,
    load_tax_year,
)
from ingest.amounts import format_euro

IntArray = npt.NDArray[np.int64]

MONTHS: Final = 12


@dataclass(frozen=True, slots=True)
class TaxKind:
    """What kind of income is taxed: by someone of AOW age, labour income (arbeidskorting),
    and whether this payer applies the tax credits."""

    aow: bool = False
    labour: bool = False
    credits: bool = True

    def describe(self) -> str:
        if not self.credits:
            return "zonder heffingskortingen (tweede inkomstenbron)"
        parts = ["algemene heffingskorting"]
        if self.labour:
            parts.append("arbeidskorting")
        if self.aow:
            parts.append("ouderenkorting")
        return "met " + " en ".join(parts)


def _as_int(values: npt.ArrayLike) -> IntArray:
    return np.asarray(values, dtype=np.int64)


def bracket_tax(income: npt.ArrayLike, brackets: tuple[Bracket, ...]) -> IntArray:
    """Tax and premiums over a yearly income in cents, bracket by bracket, rounded down."""
    amount = np.maximum(_as_int(income), 0)
    tax = np.zeros_like(amount)
    lower = 0
    for bracket in brackets:
        upper = bracket.upper_cents
        part = amount - lower if upper is None else np.clip(amount - lower, 0, upper - lower)
        tax += np.maximum(part, 0) * bracket.rate_pcm // PCM
        if upper is None:
            break
        lower = upper
    return tax


def tapered_credit(income: npt.ArrayLike, credit: TaperedCredit) -> IntArray:
    """The maximum, reduced by the rate over the income above the start, never below zero."""
    above = np.maximum(_as_int(income) - credit.start_cents, 0)
    return _as_int(np.maximum(credit.maximum_cents - above * credit.rate_pcm // PCM, 0))


def piecewise_credit(income: npt.ArrayLike, credit: PiecewiseCredit) -> IntArray:
    """The linear piece the income falls in, never below zero."""
    amount = np.maximum(_as_int(income), 0)
    out = np.zeros_like(amount)
    for seg in credit.segments:
        here = amount >= seg.from_cents
        value = seg.amount_cents + (amount - seg.from_cents) * seg.rate_pcm // PCM
        out = np.where(here, value, out)
    return _as_int(np.maximum(out, 0))


def _require(params: TaxYear, kind: TaxKind) -> None:
    why = params.missing(aow=kind.aow, labour=kind.labour, credits=kind.credits)
    if why is not None:
        raise TaxParameterMissing(why)


def yearly_wage_tax(yearly_gross: npt.ArrayLike, params: TaxYear, kind: TaxKind) -> IntArray:
    """Loonheffing over a yearly gross in cents; :class:`TaxParameterMissing` if a figure the
    kind needs was not found."""
    _require(params, kind)
    gross = _as_int(yearly_gross)
    brackets = params.brackets_aow.value if kind.aow else params.brackets.value
    assert brackets is not None  # _require checked
    tax = bracket_tax(gross, brackets)
    if not kind.credits:
        return tax
    general = params.general_credit_aow.value if kind.aow else params.general_credit.value
    assert general is not None
    credit = tapered_credit(gross, general)
    if kind.aow:
        assert params.elderly_credit.value is not None
        credit = credit + tapered_credit(gross, params.elderly_credit.value)
    if kind.labour:
        labour = params.labour_credit_aow.value if kind.aow else params.labour_credit.value
        assert labour is not None
        credit = credit + piecewise_credit(gross, labour)
    return _as_int(np.maximum(tax - credit, 0))


def monthly_wage_tax(monthly_gross: npt.ArrayLike, params: TaxYear, kind: TaxKind) -> IntArray:
    """Loonheffing withheld on a monthly gross: a twelfth of the tax on twelve times it."""
    return yearly_wage_tax(_as_int(monthly_gross) * MONTHS, params, kind) // MONTHS


def net_from_gross(monthly_gross: npt.ArrayLike, params: TaxYear, kind: TaxKind) -> IntArray:
    gross = _as_int(monthly_gross)
    return gross - monthly_wage_tax(gross, params, kind)


def _knots(params: TaxYear, kind: TaxKind, top: int) -> IntArray:
    """Monthly gross amounts where net pay changes slope: bracket bounds and the points where a
    credit starts, peaks or runs out (yearly amounts / 12, both roundings), plus 0 and ``top``,
    refined until net pay is a straight line (to the cent) between neighbours."""
    yearly: list[int] = []
    brackets = params.brackets_aow.value if kind.aow else params.brackets.value
    yearly += [b.upper_cents for b in brackets or () if b.upper_cents is not None]
    if kind.credits:
        tapered = [params.general_credit_aow.value if kind.aow else params.general_credit.value]
        if kind.aow:
            tapered.append(params.elderly_credit.value)
        for credit in tapered:
            if credit is not None and credit.rate_pcm > 0:
                yearly += [
                    credit.start_cents,
                    credit.start_cents + credit.maximum_cents * PCM // credit.rate_pcm,
                ]
        labour = params.labour_credit_aow.value if kind.aow else params.labour_credit.value
        if kind.labour and labour is not None:
            yearly += [seg.from_cents for seg in labour.segments]
            yearly += [
                seg.from_cents + seg.amount_cents * PCM // -seg.rate_pcm
                for seg in labour.segments
                if seg.rate_pcm < 0
            ]
    points = {0, top}
    for amount in yearly:
        points.update((amount // MONTHS, -(-amount // MONTHS)))
    knots = np.array(sorted(p for p in points if 0 <= p <= top), dtype=np.int64)
    # Kinks not known in advance (where the credits stop covering the tax): halve every
    # interval whose midpoint is off the straight line by more than a cent.
    for _ in range(64):
        net = net_from_gross(knots, params, kind)
        mids = (knots[:-1] + knots[1:]) // 2
        line = np.interp(mids, knots, net)
        bent = (np.abs(net_from_gross(mids, params, kind) - line) > 1) & (np.diff(knots) > 1)
        if not bent.any():
            break
        knots = np.union1d(knots, mids[bent])
    return knots


def gross_from_net(monthly_net: npt.ArrayLike, params: TaxYear, kind: TaxKind) -> IntArray:
    """The smallest monthly gross whose net after loonheffing reaches ``monthly_net``.

    Net pay is piecewise linear in gross (up to rounding to the cent), so interpolating between
    its kinks (:func:`_knots`) lands within a few cents of the answer; a bisection on integer
    cents over a small window around that guess makes it exact. Rows whose window turns out not
    to hold the answer fall back to the safe bounds [net, 3 x net + 1] (the marginal burden,
    top rate plus the phase-out of credits, stays far below two thirds). Only the rows still
    open are computed in each round.
    """
    _require(params, kind)
    target = np.maximum(_as_int(monthly_net), 0)
    if target.size == 0:
        return target.copy()
    knots = _knots(params, kind, int(target.max()) * 3 + 1)
    guess = np.interp(target, net_from_gross(knots, params, kind), knots).astype(np.int64)
    lo = np.maximum(guess - 8, target)
    hi = np.minimum(guess + 8, target * 3 + 1)
    below = net_from_gross(np.maximum(lo - 1, 0), params, kind) >= target
    lo = np.where(below & (lo > target), target, lo)
    short = net_from_gross(hi, params, kind) < target
    hi = np.where(short, target * 3 + 1, hi)
    open_idx = np.flatnonzero(lo < hi)
    while open_idx.size:
        mid = (lo[open_idx] + hi[open_idx]) // 2
        reached = net_from_gross(mid, params, kind) >= target[open_idx]
        hi[open_idx] = np.where(reached, mid, hi[open_idx])
        lo[open_idx] = np.where(reached, lo[open_idx], mid + 1)
        open_idx = open_idx[lo[open_idx] < hi[open_idx]]
    return lo


def rate_text(pcm: int) -> str:
    """36 970 -> '36,97%'; 6 337 -> '6,337%' (two decimals at least, three when needed)."""
    text = f"{pcm / 1000:.3f}"
    if text.endswith("0"):
        text = text[:-1]
    return text.replace(".", ",") + "%"


def method_text(params: TaxYear, kind: TaxKind) -> str:
    """How the gross of this kind was estimated, in Dutch, with the figures and their status."""
    brackets = params.brackets_aow if kind.aow else params.brackets
    assert brackets.value is not None
    rates = " / ".join(rate_text(b.rate_pcm) for b in brackets.value)
    parts = [f"tarieven box 1 {params.year} {rates} ({brackets.status})"]
    if kind.credits:
        general = params.general_credit_aow if kind.aow else params.general_credit
        assert general.value is not None
        parts.append(
            f"algemene heffingskorting max. {format_euro(general.value.maximum_cents)}, "
            f"afbouw {rate_text(general.value.rate_pcm)} boven "
            f"{format_euro(general.value.start_cents)} ({general.status})"
        )
        if kind.labour:
            labour = params.labour_credit_aow if kind.aow else params.labour_credit
            parts.append(f"arbeidskorting ({labour.status})")
    return (
        f"loonheffing {params.year} op maandbasis (jaarloon = 12 x maandloon) "
        f"{kind.describe()}: " + "; ".join(parts)
    )


@dataclass(frozen=True, slots=True)
class GrossEstimate:
    """One estimate with its derivation, for a single amount (a coach's quick check)."""

    year: int
    net_cents: int
    gross_cents: int
    wage_tax_cents: int
    kind: TaxKind
    explanation: str
    is_estimate: bool = True


def estimate_gross(net_cents: int, year: int, kind: TaxKind | None = None) -> GrossEstimate:
    """Per-amount convenience over :func:`gross_from_net`; raises TaxParameterMissing."""
    kind = kind or TaxKind()
    params = load_tax_year(year)
    gross = int(gross_from_net(np.array([net_cents]), params, kind)[0])
    tax = int(monthly_wage_tax(np.array([gross]), params, kind)[0])
    text = (
        f"netto {format_euro(net_cents)} per maand is bruto ongeveer {format_euro(gross)} "
        f"(ingehouden {format_euro(tax)}), geschat met de {method_text(params, kind)}"
    )
    return GrossEstimate(year, net_cents, gross, tax, kind, text)
