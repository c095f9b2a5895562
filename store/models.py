"""The database schema (SQLAlchemy 2). Migrations in ``store/migrations`` must match it; a test
compares them.

Money is stored as integer cents (BIGINT), never as floating point. A transaction is never
physically deleted by a user: ``deleted_at`` keeps a tombstone, so a re-import does not bring it
back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Household(Base):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    accounts: Mapped[list[Account]] = relationship(back_populates="household")


class Account(Base):
    """A bank account (IBAN, or BBAN for old files) belongs to exactly one household."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    identifier: Mapped[str] = mapped_column(String(34), unique=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    bank: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    household: Mapped[Household] = relationship(back_populates="accounts")


class RawFile(Base):
    """Every imported file, addressed by SHA-256, for audit and replay (bytes in chunks).

    The bytes live in :class:`RawFileChunk` rows, so a file of a gigabyte is written and read
    a few MB at a time on every backend (see ``store.raw``).
    """

    __tablename__ = "raw_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    first_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RawFileChunk(Base):
    """One piece of a raw file, in order of ``seq`` (0, 1, ...)."""

    __tablename__ = "raw_file_chunks"

    sha256: Mapped[str] = mapped_column(ForeignKey("raw_files.sha256"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    codec: Mapped[str] = mapped_column(String(8), server_default="none")
    """How ``data`` holds the bytes: ``none`` (as they are) or ``zlib`` (compressed)."""
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Import(Base):
    """One row per imported file: what it was, what it brought, and who imported it when."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("raw_files.sha256"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(16))
    bank: Mapped[str] = mapped_column(String(64))
    dialect: Mapped[str] = mapped_column(String(64))
    importer: Mapped[str] = mapped_column(String(64))
    accounts: Mapped[list[str]] = mapped_column(JSON)
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    n_in_file: Mapped[int] = mapped_column(Integer)
    n_added: Mapped[int] = mapped_column(Integer)
    n_duplicates: Mapped[int] = mapped_column(Integer)
    n_deleted_skipped: Mapped[int] = mapped_column(Integer)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(128))


class StatementRow(Base):
    """Balances as a statement states them, for continuity checks between statements."""

    __tablename__ = "statements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    statement_id: Mapped[str | None] = mapped_column(String(64))
    opening_balance_cents: Mapped[int | None] = mapped_column(BigInteger)
    opening_date: Mapped[dt.date | None] = mapped_column(Date)
    closing_balance_cents: Mapped[int | None] = mapped_column(BigInteger)
    closing_date: Mapped[dt.date | None] = mapped_column(Date)
    n_transactions: Mapped[int] = mapped_column(Integer)


class Transaction(Base):
    """The canonical transaction (see ``ingest.canonical.TRANSACTION_SCHEMA``)."""

    __tablename__ = "transactions"
    __table_args__ = (
        UniqueConstraint("account_id", "tx_key", name="uq_transactions_account_key"),
        Index("ix_transactions_household_date", "household_id", "booking_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    tx_key: Mapped[str] = mapped_column(String(32))
    booking_date: Mapped[dt.date] = mapped_column(Date)
    value_date: Mapped[dt.date | None] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    counterparty_iban: Mapped[str | None] = mapped_column(String(34))
    counterparty_name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text)
    end_to_end_id: Mapped[str | None] = mapped_column(String(64))
    mandate_id: Mapped[str | None] = mapped_column(String(64))
    creditor_id: Mapped[str | None] = mapped_column(String(64))
    bank_reference: Mapped[str | None] = mapped_column(String(128))
    bank_transaction_code: Mapped[str | None] = mapped_column(String(64))
    is_reversal: Mapped[bool] = mapped_column(Boolean)
    batch_id: Mapped[str | None] = mapped_column(String(128))
    opening_balance_cents: Mapped[int | None] = mapped_column(BigInteger)
    closing_balance_cents: Mapped[int | None] = mapped_column(BigInteger)
    balance_after_cents: Mapped[int | None] = mapped_column(BigInteger)
    # No index of its own: it cost a third of the insert speed, and the rare look-up by import
    # (audit, replay) goes through the household index.
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"))
    position: Mapped[int] = mapped_column(Integer)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_by: Mapped[str | None] = mapped_column(String(128))


class AuditEvent(Base):
    """Who did or saw what, when, about which household. Never credentials or amounts."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")


class ProfileVersion(Base):
    """A household's situation from ``valid_from`` on, in the documented profile format.

    Versions are never overwritten: a correction of the same date is a newer recording
    (``id`` orders recordings), so the history of what was known when is kept.
    """

    __tablename__ = "household_profiles"
    __table_args__ = (Index("ix_household_profiles_household_from", "household_id", "valid_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    source_file: Mapped[str | None] = mapped_column(String(255))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(128))


class BenefitPaymentRow(Base):
    """A benefit payment as the payer specifies it (gross, wage tax, net, period).

    ``transaction_id`` links it to the bank transaction that paid it, so income is counted once:
    from the specification where there is one, from the bank otherwise.
    """

    __tablename__ = "benefit_payments"
    __table_args__ = (UniqueConstraint("household_id", "record_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), index=True)
    record_key: Mapped[str] = mapped_column(String(32))
    payer: Mapped[str] = mapped_column(String(128))
    regeling: Mapped[str] = mapped_column(String(64))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    payment_date: Mapped[dt.date] = mapped_column(Date)
    gross_cents: Mapped[int] = mapped_column(BigInteger)
    wage_tax_cents: Mapped[int] = mapped_column(BigInteger)
    net_cents: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("transactions.id"), unique=True)


class ToeslagDecisionRow(Base):
    """A toeslag decision: the voorschot and the income estimate it was based on."""

    __tablename__ = "toeslag_decisions"
    __table_args__ = (UniqueConstraint("household_id", "record_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), index=True)
    record_key: Mapped[str] = mapped_column(String(32))
    regeling: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    advance_year_cents: Mapped[int] = mapped_column(BigInteger)
    advance_month_cents: Mapped[int] = mapped_column(BigInteger)
    income_estimate_cents: Mapped[int] = mapped_column(BigInteger)
    decision_date: Mapped[dt.date] = mapped_column(Date)
    with_partner: Mapped[bool] = mapped_column(Boolean)
    position: Mapped[int] = mapped_column(Integer)


class User(Base):
    """Someone who logs in. Only an argon2id hash of the password is stored."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(255))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    municipality: Mapped[str | None] = mapped_column(String(6))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    password_changed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ClassificationRule(Base):
    """A coach's correction of a classification, kept as a rule for later imports too.

    ``match`` is ``iban``, ``naam`` (the normalised counterparty name) or ``transactie`` (one
    ``tx_key``). A rule is never deleted: withdrawing it sets ``withdrawn_at``/``withdrawn_by``,
    so what was decided when, and by whom, stays visible.
    """

    __tablename__ = "classification_rules"
    __table_args__ = (Index("ix_classification_rules_household", "household_id", "match"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    match: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(255))
    rubriek: Mapped[str] = mapped_column(String(32))
    ketenpartner: Mapped[str | None] = mapped_column(String(255))
    source_tx_key: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(128))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[str | None] = mapped_column(String(128))


class SignalSettings(Base):
    """The margins a coach sets for one household's signals (``hhb signals``).

    A NULL column means "the product default" (:mod:`budget.signals` holds the defaults), so a
    later change of a default reaches every household that never chose its own value. One row per
    household; each change records who made it and when, and is also written to the audit log.
    """

    __tablename__ = "signal_settings"

    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True)
    amount_tolerance_pct: Mapped[int | None] = mapped_column(Integer)
    amount_tolerance_cents: Mapped[int | None] = mapped_column(BigInteger)
    date_tolerance_days: Mapped[int | None] = mapped_column(Integer)
    income_drop_pct: Mapped[int | None] = mapped_column(Integer)
    balance_floor_cents: Mapped[int | None] = mapped_column(BigInteger)
    buffer_target_cents: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(128))


class Caseload(Base):
    """A household in a budget coach's caseload, from ``added_at`` until ``removed_at``.

    Rows are never deleted, so who was responsible for a household when stays visible. Being in
    a caseload alone gives no access: the participant's consent (:class:`Consent`) must be current
    too.
    """

    __tablename__ = "caseloads"
    __table_args__ = (Index("ix_caseloads_coach_household", "coach_id", "household_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    added_by: Mapped[str] = mapped_column(String(128))
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    removed_by: Mapped[str | None] = mapped_column(String(128))


class Consent(Base):
    """A participant's consent that one coach may see their household (opt-in, revocable).

    A grant is a new row; revoking fills ``revoked_at``. The current consent is the row without
    ``revoked_at``, and the history of grants and revocations is kept for the participant to read.
    """

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_household_coach", "household_id", "coach_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    granted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    granted_by: Mapped[str] = mapped_column(String(128))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(String(128))


class MonthNote(Base):
    """A coach's note about one month of a household, written while reviewing it together.

    Notes are not edited in place: a correction is a new note and the old one is withdrawn, so
    what was written when stays traceable.
    """

    __tablename__ = "month_notes"
    __table_args__ = (Index("ix_month_notes_household_month", "household_id", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    month: Mapped[dt.date] = mapped_column(Date)
    body: Mapped[str] = mapped_column(Text)
    written_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    written_by: Mapped[str] = mapped_column(String(128))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[str | None] = mapped_column(String(128))


class WebSession(Base):
    """A dashboard login session, kept on the server so that logout and timeouts are real.

    ``id`` is the SHA-256 of the random token in the (signed) session cookie, so a copy of the
    database holds no usable session. A session counts only while ``ended_at`` is empty and both
    the inactivity and the absolute timeout (``dashboard.sessions``) have not passed.
    """

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(32))


class FactsSnapshot(Base):
    """The household facts of one municipality and year as the aggregates read them, computed
    by a batch run (``hhb facts refresh``) and kept so that the analyst page does not run the
    budget and the rules for every household on a click.

    ``inputs_version`` names the state of the data the facts were computed from (the highest
    transaction, rule, profile, benefit and decision ids, the number of deletions and
    withdrawals, and the facts format); a snapshot whose version differs from the database's
    is stale and never shown as current. ``frame`` is the facts table as Parquet: one row per
    household, so it is as sensitive as the transactions it was made from and never leaves the
    server except through the disclosure control.
    """

    __tablename__ = "facts_snapshots"
    __table_args__ = (UniqueConstraint("municipality", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality: Mapped[str] = mapped_column(String(6))
    year: Mapped[int] = mapped_column(Integer)
    inputs_version: Mapped[str] = mapped_column(String(400))
    households: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    frame: Mapped[bytes] = mapped_column(LargeBinary)
    unavailable: Mapped[dict[str, Any]] = mapped_column(JSON)
    sources: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(128))
