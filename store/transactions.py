"""Reading the canonical transaction table back, and deleting a transaction as a user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ingest.canonical import TRANSACTION_SCHEMA
from store.households import NotFoundError, audit, get_household
from store.models import Account, Household, StatementRow, Transaction, utcnow

_COLUMNS = [c for c in TRANSACTION_SCHEMA if c not in ("household", "account")]


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """``"2024-03"`` → (2024-03-01, 2024-03-31); ValueError with a Dutch message otherwise."""
    try:
        first = dt.datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise ValueError(
            f"maand {month!r} is ongeldig; gebruik jjjj-mm, bijvoorbeeld 2024-03"
        ) from None
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def transactions_frame(
    session: Session,
    household_code: str,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    include_deleted: bool = False,
) -> pl.DataFrame:
    """The household's canonical transactions, ordered by account, booking date and position."""
    household = get_household(session, household_code)
    return transactions_of(
        session,
        {household.id: household.code},
        start=start,
        end=end,
        include_deleted=include_deleted,
    )


def transactions_of(
    session: Session,
    codes: Mapping[int, str],
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    include_deleted: bool = False,
) -> pl.DataFrame:
    """The canonical transactions (:data:`TRANSACTION_SCHEMA`) of the households in ``codes``
    (id to code): one household after the other by id, each ordered by account, booking date
    and position. The one read behind :func:`transactions_frame` (one household) and
    :func:`store.bulk.transactions` (a chunk of them)."""
    ids, household = list(codes), Transaction.household_id
    which = household == ids[0] if len(ids) == 1 else household.in_(ids)
    query = (
        select(household, Account.identifier, *(getattr(Transaction, c) for c in _COLUMNS))
        .join(Account, Account.id == Transaction.account_id)
        .where(which)
        .order_by(
            household,
            Account.identifier,
            Transaction.booking_date,
            Transaction.import_id,
            Transaction.position,
        )
    )
    if start is not None:
        query = query.where(Transaction.booking_date >= start)
    if end is not None:
        query = query.where(Transaction.booking_date <= end)
    if not include_deleted:
        query = query.where(Transaction.deleted_at.is_(None))
    rows = session.execute(query).all()
    columns: dict[str, list[object]] = {"household": [codes[r[0]] for r in rows]}
    columns["account"] = [r[1] for r in rows]
    for index, name in enumerate(_COLUMNS, start=2):
        columns[name] = [r[index] for r in rows]
    return pl.DataFrame(columns, schema=TRANSACTION_SCHEMA)


def delete_transaction(session: Session, household_code: str, key: str, actor: str) -> None:
    """Mark a transaction deleted; the tombstone keeps re-imports from bringing it back."""
    household: Household = get_household(session, household_code)
    tx = session.scalar(
        select(Transaction).where(
            Transaction.household_id == household.id, Transaction.tx_key == key
        )
    )
    if tx is None or tx.deleted_at is not None:
        raise NotFoundError(
            f"transactie {key!r} bestaat niet (meer) bij huishouden {household_code!r}"
        )
    tx.deleted_at = utcnow()
    tx.deleted_by = actor
    audit(session, actor, "transaction.delete", household.id, f"tx {key}")


def balance_at_start(session: Session, household_code: str, day: dt.date) -> int | None:
    """The household's balance over all its accounts at the start of ``day``, or ``None``.

    Anchored on a statement's *closing* balance, which every format states the same way (the
    balance at the end of its last day), while an opening date may name the previous day. The
    stored closing nearest before ``day`` is moved forward by the transactions after it; without
    one, the first closing after ``day`` is moved back. ``None`` when an account has no stated
    balance at all (a CSV export without balance column), so nobody reads a guessed saldo.
    """
    household = get_household(session, household_code)
    total = 0
    for account in session.scalars(select(Account).where(Account.household_id == household.id)):
        with_balance = (
            select(StatementRow.closing_date, StatementRow.closing_balance_cents)
            .where(
                StatementRow.account_id == account.id,
                StatementRow.closing_balance_cents.is_not(None),
                StatementRow.closing_date.is_not(None),
            )
            .order_by(StatementRow.id.desc())
        )
        before = session.execute(
            with_balance.where(StatementRow.closing_date < day)
            .order_by(StatementRow.closing_date.desc())
            .limit(1)
        ).first()
        live = (Transaction.account_id == account.id, Transaction.deleted_at.is_(None))
        amount = func.coalesce(func.sum(Transaction.amount_cents), 0)
        if before is not None:
            closed_on, closing = before
            assert closed_on is not None and closing is not None  # filtered in the query
            moved = session.scalar(
                select(amount).where(
                    *live, Transaction.booking_date > closed_on, Transaction.booking_date < day
                )
            )
            total += closing + int(moved or 0)
            continue
        after = session.execute(
            with_balance.where(StatementRow.closing_date >= day)
            .order_by(StatementRow.closing_date)
            .limit(1)
        ).first()
        if after is None:
            return None
        closed_on, closing = after
        assert closed_on is not None and closing is not None  # filtered in the query
        moved = session.scalar(
            select(amount).where(
                *live, Transaction.booking_date >= day, Transaction.booking_date <= closed_on
            )
        )
        total += closing - int(moved or 0)
    return total
