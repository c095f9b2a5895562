"""The signal margins a coach sets per household: read, change, reset; every change audited.

A stored ``NULL`` means "the product default" (:data:`budget.signals.DEFAULT_MARGINS`), so only
what a coach chose is stored and a later change of a default reaches everyone else. Each change
records who made it and when on the row, and writes the old and new values to the audit log in
the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from budget.signals import DEFAULT_MARGINS, MARGIN_FIELDS, Margins
from store.households import audit, get_household
from store.models import Household, SignalSettings, utcnow

LIMITS: dict[str, tuple[int, int]] = {
    "amount_tolerance_pct": (0, 100),
    "amount_tolerance_cents": (0, 100_000_000),
    "date_tolerance_days": (0, 60),
    "income_drop_pct": (1, 100),
    "balance_floor_cents": (-100_000_000, 100_000_000),
    "buffer_target_cents": (0, 100_000_000),
}
"""Bounds that catch typing mistakes (500 days, 1 000 %, a million euros), not a policy: within
them every value is the coach's call."""

DUTCH_NAMES: dict[str, str] = {
    "amount_tolerance_pct": "bedragmarge in procenten",
    "amount_tolerance_cents": "bedragmarge in euro",
    "date_tolerance_days": "datummarge in dagen",
    "income_drop_pct": "inkomensdaling in procenten",
    "balance_floor_cents": "ondergrens saldo",
    "buffer_target_cents": "buffer",
}


class InvalidSettingError(ValueError):
    """A margin outside its bounds or an unknown name; the message is for the user (Dutch)."""


@dataclass(frozen=True, slots=True)
class SignalSettingsView:
    """The effective margins of a household and which of them a coach set."""

    household: str
    margins: Margins
    custom: frozenset[str]
    updated_at: dt.datetime | None
    updated_by: str | None

    def is_default(self, field: str) -> bool:
        return field not in self.custom


def _row(session: Session, household: Household) -> SignalSettings | None:
    return session.get(SignalSettings, household.id)


def _view(code: str, row: SignalSettings | None) -> SignalSettingsView:
    if row is None:
        return SignalSettingsView(code, DEFAULT_MARGINS, frozenset(), None, None)
    stored = {f: getattr(row, f) for f in MARGIN_FIELDS if getattr(row, f) is not None}
    return SignalSettingsView(
        code, replace(DEFAULT_MARGINS, **stored), frozenset(stored), row.updated_at, row.updated_by
    )


def get_settings(session: Session, household_code: str) -> SignalSettingsView:
    household = get_household(session, household_code)
    return _view(household.code, _row(session, household))


def _check(field: str, value: int) -> None:
    if field not in LIMITS:
        raise InvalidSettingError(f"onbekende marge {field!r}; kies uit {', '.join(LIMITS)}")
    low, high = LIMITS[field]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidSettingError(
            f"{DUTCH_NAMES[field]} moet een geheel getal tussen {low} en {high} zijn, "
            f"niet {value!r}"
        )


def _text(value: int | None) -> str:
    return "standaard" if value is None else str(value)


def _store(
    session: Session, household: Household, actor: str, new: dict[str, int | None], action: str
) -> SignalSettingsView:
    row = _row(session, household)
    if row is None:
        row = SignalSettings(household_id=household.id, updated_by=actor)
        session.add(row)
    changes = []
    for field, value in new.items():
        old = getattr(row, field)
        if old != value:
            changes.append(f"{field} {_text(old)} -> {_text(value)}")
            setattr(row, field, value)
    if changes:
        row.updated_at, row.updated_by = utcnow(), actor
        session.flush()
        audit(session, actor, action, household.id, "; ".join(changes))
    return _view(household.code, row)


def set_settings(
    session: Session, household_code: str, actor: str, **values: int
) -> SignalSettingsView:
    """Set some margins (cents, days, whole percentages); the others keep their value."""
    for field, value in values.items():
        _check(field, value)
    household = get_household(session, household_code)
    return _store(session, household, actor, dict(values), "signal_settings.set")


def reset_settings(
    session: Session, household_code: str, actor: str, fields: Iterable[str] | None = None
) -> SignalSettingsView:
    """Back to the product default: the given margins, or all of them."""
    chosen = tuple(fields) if fields is not None else MARGIN_FIELDS
    for field in chosen:
        if field not in LIMITS:
            raise InvalidSettingError(f"onbekende marge {field!r}; kies uit {', '.join(LIMITS)}")
    household = get_household(session, household_code)
    return _store(session, household, actor, dict.fromkeys(chosen), "signal_settings.reset")


def margins_frame(session: Session, household_codes: Sequence[str] | None = None) -> pl.DataFrame:
    """``household`` and the stored margins (null = default) of many households at once, for
    :func:`budget.signals.with_defaults`; households without a row are left out."""
    query = select(Household.code, *(getattr(SignalSettings, f) for f in MARGIN_FIELDS)).join(
        SignalSettings, SignalSettings.household_id == Household.id
    )
    if household_codes is not None:
        query = query.where(Household.code.in_(list(household_codes)))
    rows = session.execute(query).all()
    schema: dict[str, pl.DataType | type[pl.DataType]] = {"household": pl.String}
    schema.update(dict.fromkeys(MARGIN_FIELDS, pl.Int64))
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
