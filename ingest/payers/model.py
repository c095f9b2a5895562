"""Records of the payer registry: what a payer is and what a match says about a transaction.

A match carries the pattern (or IBAN) that decided it, so a classification shown to a coach can
say *why* a transaction was taken for, say, zorgtoeslag ("geen zwarte doos").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class PayerKind(StrEnum):
    """What the counterparty is to the household; the classifier turns this into a budget line."""

    UITKERING = "uitkering"
    TOESLAG = "toeslag"
    INKOMEN = "inkomen"
    HUUR = "huur"
    ENERGIE = "energie"
    WATER = "water"
    ZORGVERZEKERING = "zorgverzekering"
    GEMEENTELIJKE_BELASTINGEN = "gemeentelijke_belastingen"
    WATERSCHAPSBELASTING = "waterschapsbelasting"
    TELEFOON_INTERNET = "telefoon_internet"
    STUDIEFINANCIERING = "studiefinanciering"
    EIGEN_BIJDRAGE_ZORG = "eigen_bijdrage_zorg"
    BELASTING = "belasting"


class MatchedOn(StrEnum):
    """Which field of the transaction decided the payer; an IBAN is the strongest evidence."""

    IBAN = "iban"
    NAME = "name"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class PayerMatch:
    """The payer a transaction belongs to and the evidence for it.

    ``pattern`` is the registry pattern (or the IBAN) that identified the payer;
    ``regeling_pattern`` the text pattern that named the regeling, when that was another one.
    """

    payer_id: str
    name: str
    kind: PayerKind
    regeling: str | None
    matched_on: MatchedOn
    pattern: str
    regeling_pattern: str | None = None


@dataclass(frozen=True, slots=True)
class Pattern:
    """One compiled registry pattern with what it implies beyond the payer itself."""

    source: str
    regex: re.Pattern[str]
    order: int
    regeling: str | None = None
    kind: PayerKind | None = None
    standalone: bool = False


@dataclass(frozen=True, slots=True)
class VerifiedIban:
    """An IBAN published by the organisation itself, with the page it was read from."""

    iban: str
    source: str
    checked: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Payer:
    id: str
    name: str
    kind: PayerKind
    requires_text: bool = False
    names: tuple[Pattern, ...] = ()
    texts: tuple[Pattern, ...] = ()
    ibans: tuple[VerifiedIban, ...] = ()
