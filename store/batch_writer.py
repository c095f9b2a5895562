"""Insert batches of canonical rows: claim accounts, skip what is stored already, count.

This is the hot path of every import, so rows go to the driver's ``executemany`` as plain
tuples zipped from the batch's columns (no ORM, no per-row dict, no intermediate list), and
deduplication is the database's: ``INSERT ... ON CONFLICT (account_id, tx_key) DO NOTHING``
against the unique key both backends already keep. Only when a batch meets stored rows do we
ask which of those were deleted by a user, to report them apart from plain duplicates.
"""

from __future__ import annotations

import datetime as dt
from itertools import repeat
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ingest.errors import IngestError
from ingest.rows import STORE_COLUMNS, Opened, RowBatch
from store.models import Account, Household, Transaction

_COLUMNS = ("household_id", "account_id", "import_id", *STORE_COLUMNS[:-1], "position")
_DATE_COLUMNS = (STORE_COLUMNS.index("booking_date"), STORE_COLUMNS.index("value_date"))


def _dates(values: Any) -> list[dt.date | None]:
    """ISO text to dates, for drivers that bind ``date`` objects (each distinct value once)."""
    found: dict[str | None, dt.date | None] = {None: None}
    for value in set(values):
        if value not in found:
            found[value] = dt.date.fromisoformat(value)
    return [found[v] for v in values]


class BatchWriter:
    """Stores the batches of one import inside the caller's transaction."""

    def __init__(
        self, session: Session, household: Household, import_id: int, bank: str, filename: str
    ) -> None:
        self.session = session
        self.household_id = household.id
        self.import_id = import_id
        self.bank = bank
        self.filename = filename
        connection = session.connection()
        self.iso_dates = connection.dialect.name == "sqlite"
        mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        self.sql = (
            f"INSERT INTO {Transaction.__tablename__} ({', '.join(_COLUMNS)}) "
            f"VALUES ({', '.join([mark] * len(_COLUMNS))}) "
            "ON CONFLICT (account_id, tx_key) DO NOTHING"
        )
        dbapi = connection.connection.dbapi_connection
        assert dbapi is not None
        self.cursor: Any = dbapi.cursor()  # the driver's own cursor: executemany of an iterator
        self.accounts: dict[str, int] = {}
        self.created: list[int] = []
        self.rows = self.added = self.duplicates = self.deleted = 0
        self.first_day: str | None = None
        self.last_day: str | None = None

    def claim(self, opened: Opened) -> None:
        """The account's id, creating it for this household if it is new.

        An account already tied to another household is refused without naming that household:
        a coach who picked the wrong household must not learn who else is in the system.
        """
        if opened.account in self.accounts:
            return
        account = self.session.scalars(
            select(Account).where(Account.identifier == opened.account)
        ).first()
        if account is None:
            account = Account(
                household_id=self.household_id,
                identifier=opened.account,
                currency=opened.currency,
                bank=self.bank,
            )
            self.session.add(account)
            self.session.flush()
            self.created.append(account.id)
        elif account.household_id != self.household_id:
            raise IngestError(
                self.filename,
                max(opened.line, 1),
                f"rekening {opened.account} is al gekoppeld aan een ander huishouden; controleer "
                "of u het juiste huishouden heeft gekozen",
            )
        self.accounts[opened.account] = account.id

    def write(self, batch: RowBatch) -> None:
        for opened in batch.opened:
            self.claim(opened)
        n = len(batch)
        if not n:
            return
        columns = list(batch.columns)
        if not self.iso_dates:
            for i in _DATE_COLUMNS:
                columns[i] = _dates(columns[i])
        if batch.account is not None:
            ids: Any = repeat(self.accounts[batch.account], n)
        else:
            assert batch.accounts is not None
            ids = [self.accounts[a] for a in batch.accounts]
        rows = zip(repeat(self.household_id), ids, repeat(self.import_id), *columns)
        self.cursor.executemany(self.sql, rows)
        added = self.cursor.rowcount
        self.rows += n
        self.added += added
        if added < n:
            deleted = self._deleted_among(batch)
            self.deleted += deleted
            self.duplicates += n - added - deleted
        if self.first_day is None or (batch.first_day or "") < self.first_day:
            self.first_day = batch.first_day
        if self.last_day is None or (batch.last_day or "") > self.last_day:
            self.last_day = batch.last_day

    def _deleted_among(self, batch: RowBatch) -> int:
        """How many rows of ``batch`` a user deleted before (they stay deleted).

        Called only for a batch that met stored rows; it reads the deleted rows of the batch's
        accounts and days, usually none, through the household/date index.
        """
        assert batch.first_day is not None and batch.last_day is not None
        keys = batch.columns[0]
        accounts = (
            [batch.account] if batch.account is not None else sorted(set(batch.accounts or ()))
        )
        deleted = set(
            self.session.scalars(
                select(Transaction.tx_key).where(
                    Transaction.household_id == self.household_id,
                    Transaction.account_id.in_([self.accounts[a] for a in accounts]),
                    Transaction.booking_date >= dt.date.fromisoformat(batch.first_day),
                    Transaction.booking_date <= dt.date.fromisoformat(batch.last_day),
                    Transaction.deleted_at.is_not(None),
                )
            )
        )
        return sum(1 for key in keys if key in deleted) if deleted else 0

    def settle_bank(self, bank: str) -> None:
        """Accounts created before the file named its bank (CAMT) get the bank it named."""
        if bank != self.bank and self.created:
            self.session.execute(
                update(Account).where(Account.id.in_(self.created)).values(bank=bank)
            )
            self.bank = bank

    def close(self) -> None:
        self.cursor.close()
