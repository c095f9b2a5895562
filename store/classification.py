"""Coach rules for classification (add, list, withdraw) and the classified transaction table.

A correction is stored as a rule rather than as a label on one row, so that the next import of
the same ketenpartner is classified the same way ("geen zwarte doos": the reason names the rule,
the coach and the date). Rules are never deleted; a withdrawn rule stays listed with its
withdrawal date. Every change is written to the audit log in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from budget.categories import RUBRIEKEN, Rubriek
from budget.classify import Rule, RuleMatch, classify, normalise_name, rules_frame
from ingest.payers import PayerRegistry
from store.households import ConflictError, NotFoundError, audit, get_household
from store.models import ClassificationRule, Transaction, utcnow
from store.transactions import transactions_frame

CONTEXT_DAYS = 92
"""History read before a requested period: the leefgeld rhythm needs a few weeks to be seen."""


def parse_rubriek(value: str) -> Rubriek:
    try:
        return Rubriek(value.strip().lower())
    except ValueError:
        raise ConflictError(
            f"rubriek {value!r} bestaat niet; kies uit: {', '.join(RUBRIEKEN)}"
        ) from None


def _rule(row: ClassificationRule, household_code: str) -> Rule:
    return Rule(
        id=row.id,
        household=household_code,
        match=RuleMatch(row.match),
        value=row.value,
        rubriek=Rubriek(row.rubriek),
        ketenpartner=row.ketenpartner,
        created_by=row.created_by,
        created_at=row.created_at,
        withdrawn_at=row.withdrawn_at,
        withdrawn_by=row.withdrawn_by,
    )


def add_rule(
    session: Session,
    household_code: str,
    match: RuleMatch,
    value: str,
    rubriek: Rubriek,
    actor: str,
    *,
    ketenpartner: str | None = None,
    source_tx_key: str | None = None,
) -> Rule:
    """Store a rule; an active rule on the same IBAN/name/transaction is withdrawn by it."""
    household = get_household(session, household_code)
    if not value.strip():
        raise ConflictError("een regel heeft een IBAN, naam of transactie nodig")
    now = utcnow()
    earlier = session.scalars(
        select(ClassificationRule).where(
            ClassificationRule.household_id == household.id,
            ClassificationRule.match == str(match),
            ClassificationRule.value == value,
            ClassificationRule.withdrawn_at.is_(None),
        )
    ).all()
    for old in earlier:
        old.withdrawn_at, old.withdrawn_by = now, actor
        audit(
            session,
            actor,
            "classification.rule.withdraw",
            household.id,
            f"regel {old.id} vervangen",
        )
    row = ClassificationRule(
        household_id=household.id,
        match=str(match),
        value=value,
        rubriek=str(rubriek),
        ketenpartner=ketenpartner.strip() if ketenpartner and ketenpartner.strip() else None,
        source_tx_key=source_tx_key,
        created_at=now,
        created_by=actor,
    )
    session.add(row)
    session.flush()
    audit(
        session,
        actor,
        "classification.rule.add",
        household.id,
        f"regel {row.id}: {match} -> {rubriek}",
    )
    return _rule(row, household.code)


def correct(
    session: Session,
    household_code: str,
    tx_key: str,
    rubriek: Rubriek,
    actor: str,
    *,
    ketenpartner: str | None = None,
    only_this: bool = False,
) -> Rule:
    """Turn a coach's correction of one transaction into a rule.

    The rule matches the counterparty IBAN; without an IBAN (card payments) the normalised
    counterparty name; with ``only_this``, or when the transaction names no counterparty at
    all, just this transaction.
    """
    household = get_household(session, household_code)
    tx = session.scalar(
        select(Transaction).where(
            Transaction.household_id == household.id,
            Transaction.tx_key == tx_key,
            Transaction.deleted_at.is_(None),
        )
    )
    if tx is None:
        raise NotFoundError(
            f"transactie {tx_key!r} bestaat niet (meer) bij huishouden {household_code!r}"
        )
    name = normalise_name(tx.counterparty_name or "")
    if only_this:
        match, value = RuleMatch.TRANSACTIE, tx_key
    elif tx.counterparty_iban:
        match, value = RuleMatch.IBAN, tx.counterparty_iban
    elif name:
        match, value = RuleMatch.NAAM, name
    else:
        match, value = RuleMatch.TRANSACTIE, tx_key
    return add_rule(
        session,
        household_code,
        match,
        value,
        rubriek,
        actor,
        ketenpartner=ketenpartner,
        source_tx_key=tx_key,
    )


def list_rules(session: Session, household_code: str) -> list[Rule]:
    """All rules of the household, withdrawn ones included, oldest first."""
    household = get_household(session, household_code)
    rows = session.scalars(
        select(ClassificationRule)
        .where(ClassificationRule.household_id == household.id)
        .order_by(ClassificationRule.id)
    ).all()
    return [_rule(r, household.code) for r in rows]


def withdraw_rule(session: Session, household_code: str, rule_id: int, actor: str) -> Rule:
    """Stop a rule from applying; it stays stored with the date and who withdrew it."""
    household = get_household(session, household_code)
    row = session.scalar(
        select(ClassificationRule).where(
            ClassificationRule.id == rule_id, ClassificationRule.household_id == household.id
        )
    )
    if row is None:
        raise NotFoundError(f"regel {rule_id} bestaat niet bij huishouden {household_code!r}")
    if row.withdrawn_at is not None:
        raise ConflictError(
            f"regel {rule_id} is al ingetrokken op {row.withdrawn_at:%d-%m-%Y} "
            f"door {row.withdrawn_by}"
        )
    row.withdrawn_at, row.withdrawn_by = utcnow(), actor
    audit(session, actor, "classification.rule.withdraw", household.id, f"regel {rule_id}")
    return _rule(row, household.code)


def classified_transactions(
    session: Session,
    household_code: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    registry: PayerRegistry | None = None,
) -> pl.DataFrame:
    """The household's canonical rows in [start, end] with the classification columns.

    A few months before ``start`` are classified along (then dropped), so a month viewed on its
    own is classified as it is in a longer view: the leefgeld heuristics look at history.
    """
    context = start - dt.timedelta(days=CONTEXT_DAYS) if start is not None else None
    frame = transactions_frame(session, household_code, start=context, end=end)
    rules = rules_frame(list_rules(session, household_code))
    out = classify(frame, rules, registry)
    if start is not None:
        out = out.filter(pl.col("booking_date") >= start)
    return out
