"""Storing an extracted file: all or nothing, never twice, never resurrecting a deletion.

A file is imported inside the caller's database transaction (``store.db.session_scope``): if
anything fails, nothing of it remains, not even the raw bytes or the import row. Duplicates are
recognised by the canonical key (``ingest.canonical``), compared against every stored
transaction of the same accounts in the file's date range, including deleted ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ingest import benefits
from ingest.amounts import format_euro
from ingest.base import detect
from ingest.canonical import KeyedTransaction, account_id, keyed
from ingest.errors import IngestError
from ingest.model import ACCOUNT_NOT_STATED, ExtractResult, Problem, Severity, Statement
from ingest.text import is_iban, normalize_iban
from store.benefits import relink, store_benefit_file
from store.households import get_household
from store.import_log import ImportSummary, begin_import, finish_import
from store.models import Account, Household, StatementRow, Transaction


def import_bytes(
    session: Session,
    household_code: str,
    data: bytes,
    filename: str,
    actor: str,
    *,
    account: str | None = None,
) -> ImportSummary:
    """Detect, extract and store one file for a household (see the module docstring).

    ``account`` names the own account for exports that do not state it (the older bunq CSV);
    a file that does state its account keeps its own.
    """
    household = get_household(session, household_code)
    if benefits.identify(data):
        parsed = benefits.parse_benefit_file(data, filename)
        return store_benefit_file(session, household, parsed, data, filename, actor)
    importer = detect(data, filename)
    result = _with_account(importer.extract(data, filename), account, filename)
    return store_result(session, household, result, data, filename, importer.name, actor)


def _with_account(result: ExtractResult, account: str | None, filename: str) -> ExtractResult:
    nameless = [s for s in result.statements if not s.account.strip()]
    if not nameless:
        return result
    if account is None:
        raise IngestError(
            filename,
            max(nameless[0].line, 1),
            ACCOUNT_NOT_STATED,
        )
    iban = normalize_iban(account) or ""
    if not is_iban(iban):
        raise IngestError(filename, 0, f"--account {account!r} is geen geldig IBAN-nummer")
    statements = tuple(
        replace(
            s,
            account=iban,
            transactions=tuple(replace(t, account=iban) for t in s.transactions),
        )
        if s in nameless
        else s
        for s in result.statements
    )
    problems = tuple(p for p in result.problems if p.message != ACCOUNT_NOT_STATED)
    return replace(result, statements=statements, problems=problems)


def store_result(
    session: Session,
    household: Household,
    result: ExtractResult,
    data: bytes,
    filename: str,
    importer_name: str,
    actor: str,
) -> ImportSummary:
    accounts = _claim_accounts(session, household, result, filename)
    period_start, period_end = _period(result.statements)
    warnings = list(result.problems)
    warnings += _continuity(session, accounts, result.statements, filename)
    record, seen_before = begin_import(
        session,
        household,
        data,
        filename,
        format=str(result.format),
        bank=result.bank,
        dialect=result.dialect,
        importer=importer_name,
        accounts=sorted(accounts),
        period=(period_start, period_end),
        n_in_file=result.transaction_count,
        actor=actor,
    )
    existing = _existing_keys(session, list(accounts.values()), period_start, period_end)
    duplicates = deleted = 0
    inserter = _Inserter(session)
    household_id, import_id = household.id, record.id  # ORM attribute reads are not free
    for row in keyed(result.statements):
        state = existing.get(row.key)
        if state is not None:
            if state:
                deleted += 1
            else:
                duplicates += 1
            continue
        existing[row.key] = False
        inserter.add(household_id, accounts[row.account], import_id, row)
    inserter.flush()
    added = inserter.count
    statement_rows = [
        {
            "import_id": record.id,
            "account_id": accounts[account_id(s)],
            "statement_id": s.statement_id,
            "opening_balance_cents": s.opening_balance_cents,
            "opening_date": s.opening_date,
            "closing_balance_cents": s.closing_balance_cents,
            "closing_date": s.closing_date,
            "n_transactions": len(s.transactions),
        }
        for s in result.statements
    ]
    if statement_rows:
        session.execute(insert(StatementRow), statement_rows)

    links = relink(session, household.id) if added else 0
    return finish_import(
        session, record, seen_before, added, duplicates, deleted, warnings, links=links
    )


_BATCH = 10_000
"""Rows per INSERT: bounds memory on million-transaction files at no cost in speed."""


_COLUMNS = (
    "household_id", "account_id", "tx_key", "booking_date", "value_date", "amount_cents",
    "currency", "counterparty_iban", "counterparty_name", "description", "end_to_end_id",
    "mandate_id", "creditor_id", "bank_reference", "bank_transaction_code", "is_reversal",
    "batch_id", "opening_balance_cents", "closing_balance_cents", "balance_after_cents",
    "import_id", "position",
)  # fmt: skip


class _Inserter:
    """Inserts transaction rows through the driver's ``executemany`` with plain tuples.

    The ORM's bulk insert builds and type-processes a parameter dict per row, which made storing
    slower than parsing; this path is the hot one of every import. Dates go to SQLite as ISO text,
    exactly as SQLAlchemy's ``Date`` type stores and reads them there.
    """

    def __init__(self, session: Session) -> None:
        self.connection = session.connection()
        dialect = self.connection.dialect
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        self.iso_dates = dialect.name == "sqlite"
        self.sql = (
            f"INSERT INTO {Transaction.__tablename__} ({', '.join(_COLUMNS)}) "
            f"VALUES ({', '.join([mark] * len(_COLUMNS))})"
        )
        self.rows: list[tuple[object, ...]] = []
        self.count = 0

    def add(self, household_id: int, account: int, import_id: int, row: KeyedTransaction) -> None:
        tx, st = row.transaction, row.statement
        booked: object = tx.booking_date
        valued: object = tx.value_date
        if self.iso_dates:
            booked = tx.booking_date.isoformat()
            valued = tx.value_date.isoformat() if tx.value_date else None
        self.rows.append(
            (
                household_id,
                account,
                row.key,
                booked,
                valued,
                tx.amount_cents,
                tx.currency,
                tx.counterparty_iban,
                tx.counterparty_name,
                tx.description,
                tx.end_to_end_id,
                tx.mandate_id,
                tx.creditor_id,
                tx.bank_reference,
                tx.bank_transaction_code,
                tx.is_reversal,
                tx.batch_id,
                st.opening_balance_cents,
                st.closing_balance_cents,
                tx.balance_after_cents,
                import_id,
                tx.line,
            )
        )
        if len(self.rows) == _BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.connection.exec_driver_sql(self.sql, self.rows)
            self.count += len(self.rows)
            self.rows = []


def _period(statements: tuple[Statement, ...]) -> tuple[dt.date | None, dt.date | None]:
    """First and last booking date, or the statements' own dates when there are no bookings."""
    first = last = None
    for statement in statements:
        for tx in statement.transactions:
            day = tx.booking_date
            if first is None or day < first:
                first = day
            if last is None or day > last:
                last = day
    if first is None:
        first = min((s.opening_date for s in statements if s.opening_date), default=None)
        last = max((s.closing_date for s in statements if s.closing_date), default=None)
    return first, last


def _claim_accounts(
    session: Session, household: Household, result: ExtractResult, filename: str
) -> dict[str, int]:
    """Map each account in the file to its id, creating it for this household if new.

    An account already tied to another household is refused without naming that household: a
    coach who picked the wrong household must not learn who else is in the system.
    """
    wanted: dict[str, Statement] = {}
    for statement in result.statements:
        wanted.setdefault(account_id(statement), statement)
    found = {
        a.identifier: a
        for a in session.scalars(select(Account).where(Account.identifier.in_(list(wanted))))
    }
    ids: dict[str, int] = {}
    for identifier, statement in wanted.items():
        account = found.get(identifier)
        if account is None:
            account = Account(
                household_id=household.id,
                identifier=identifier,
                currency=statement.currency,
                bank=result.bank,
            )
            session.add(account)
            session.flush()
        elif account.household_id != household.id:
            raise IngestError(
                filename,
                max(statement.line, 1),
                f"rekening {identifier} is al gekoppeld aan een ander huishouden; controleer of "
                "u het juiste huishouden heeft gekozen",
            )
        ids[identifier] = account.id
    return ids


def _existing_keys(
    session: Session, account_ids: list[int], start: dt.date | None, end: dt.date | None
) -> dict[str, bool]:
    """Stored keys in the period: ``True`` when that transaction was deleted by a user.

    Keys embed the account, so the key alone identifies a transaction across accounts.
    """
    if not account_ids or start is None or end is None:
        return {}
    query = select(Transaction.tx_key, Transaction.deleted_at).where(
        Transaction.account_id.in_(account_ids),
        Transaction.booking_date >= start,
        Transaction.booking_date <= end,
    )
    return {k: d is not None for k, d in session.execute(query)}


def _already_stored(session: Session, account: int, statement: Statement) -> bool:
    """A re-imported statement is not compared with itself."""
    query = select(StatementRow.id).where(
        StatementRow.account_id == account,
        StatementRow.opening_date == statement.opening_date,
        StatementRow.opening_balance_cents == statement.opening_balance_cents,
        StatementRow.closing_date == statement.closing_date,
        StatementRow.closing_balance_cents == statement.closing_balance_cents,
    )
    return session.execute(query.limit(1)).first() is not None


def _continuity(
    session: Session, accounts: dict[str, int], statements: tuple[Statement, ...], filename: str
) -> list[Problem]:
    """Warn where a statement's opening balance does not follow on from the previous closing.

    Checked between consecutive statements in the file and against the stored statement that
    ends last before this one begins. A mismatch usually means a missing statement; it is a
    warning, because the transactions themselves are still right.
    """
    problems: list[Problem] = []
    previous: dict[str, tuple[dt.date | None, int | None]] = {}
    for statement in statements:
        if statement.opening_balance_cents is None:
            continue
        account = account_id(statement)
        if _already_stored(session, accounts[account], statement):
            previous[account] = (statement.closing_date, statement.closing_balance_cents)
            continue
        if account not in previous:
            stored = session.execute(
                select(StatementRow.closing_date, StatementRow.closing_balance_cents)
                .where(
                    StatementRow.account_id == accounts[account],
                    StatementRow.closing_balance_cents.is_not(None),
                    StatementRow.closing_date <= (statement.opening_date or dt.date.max),
                )
                .order_by(StatementRow.closing_date.desc(), StatementRow.id.desc())
                .limit(1)
            ).first()
            previous[account] = (stored[0], stored[1]) if stored else (None, None)
        prev_date, prev_balance = previous[account]
        if prev_balance is not None and prev_balance != statement.opening_balance_cents:
            opening = format_euro(statement.opening_balance_cents)
            when = f"{prev_date:%d-%m-%Y}" if prev_date else "het vorige afschrift"
            problems.append(
                Problem(
                    filename,
                    max(statement.line, 1),
                    f"beginsaldo {opening} van rekening {account} sluit niet aan op eindsaldo "
                    f"{format_euro(prev_balance)} van {when}; mogelijk ontbreekt een afschrift",
                    Severity.WARNING,
                )
            )
        previous[account] = (statement.closing_date, statement.closing_balance_cents)
    return problems
