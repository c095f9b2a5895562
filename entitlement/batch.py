"""The loket's month and year outcomes for many households at once, from one evaluated frame.

:func:`entitlement.loket.household_outcomes` runs one household through the engine and derives
its outcomes row by row in Python (:func:`entitlement.outcomes.month_outcomes`, with a Dutch
reason text per month): right for one household on screen, hours for 100 000 in the facts.
Here the engine inputs of a chunk of households are stacked, the engine runs once, and the
same statuses and totals are derived with polars expressions over households x months x
regelingen. The rules are those of :mod:`entitlement.outcomes` (payment units, windows, the
slack of :data:`~entitlement.outcomes.STATEMENT_SLACK_DAYS`, :func:`~entitlement.outcomes.judge`'s
tolerance, the attribution of a quarter's bank payment); only the reason *texts* are left out
(``reasons`` holds the codes), because no aggregate reads them. ``tests/reports`` checks that
every month and year row equals the per-household path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from budget.classify import classify
from entitlement.household import (
    NOT_OTHER_INCOME,
    Coverage,
    HouseholdData,
    _months_between,
    filled_monthly,
    month_end,
    net_per_month,
    profile_frame,
    projection,
    year_months,
)
from entitlement.income import (
    MONTHLY_INCOME_SCHEMA,
    PAYMENT_SCHEMA,
    PERSON_SCHEMA,
    income_lines,
    monthly_income,
)
from entitlement.income_projection import project_one_as_of
from entitlement.outcomes import (
    ENGINE_STATUS,
    INVISIBLE,
    JUDGED,
    MONTHS_SCHEMA,
    STATEMENT_SLACK_DAYS,
    TOLERANCE_CENTS,
    TOLERANCE_PCT,
    YEAR_SCHEMA,
    PaymentStatus,
    window,
)
from entitlement.payment_window import RECEIVED_AS
from entitlement.received import DECISION_SCHEMA, RECEIVED_SCHEMA, received_per_regeling
from entitlement.rules.engine import Outcome, column, evaluate, reason_codes
from entitlement.rules.frames import used_inputs
from entitlement.rules.inputs import MONTH_COLUMN
from entitlement.rules.model import Payment, Regeling
from entitlement.rules.registry import Rules
from ingest.canonical import TRANSACTION_SCHEMA
from ingest.profile import HouseholdProfile
from ingest.profile.model import Role
from store.classification import CONTEXT_DAYS, list_rules
from store.models import (
    Account,
    BenefitPaymentRow,
    Household,
    ProfileVersion,
    StatementRow,
    ToeslagDecisionRow,
    Transaction,
)
from store.profiles import RecordedProfile
from store.profiles import _load as _profile

BATCH_MONTHS_SCHEMA: Final = {k: v for k, v in MONTHS_SCHEMA.items() if k != "reason_texts"}
""":data:`entitlement.outcomes.MONTHS_SCHEMA` without the Dutch reason texts."""

COVERAGE_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "first_day": pl.Date,
    "last_day": pl.Date,
}


@dataclass(frozen=True)
class ChunkEvaluation:
    """The engine run of a chunk: the evaluated frame (households x the year's months) and the
    projection per household (:func:`entitlement.household.projection`)."""

    evaluated: pl.DataFrame
    projections: dict[str, dict[str, Any]]


def projections(datas: Sequence[HouseholdData]) -> dict[str, dict[str, Any]]:
    """:func:`entitlement.household.projection` of many households: one
    :func:`~entitlement.income_projection.project_one_as_of` per as-of month, not per household."""
    out: dict[str, dict[str, Any]] = {}
    groups: dict[tuple[int, dt.date], list[tuple[HouseholdData, pl.DataFrame, str | None]]] = {}
    for data in datas:
        monthly, filled = filled_monthly(data)
        if monthly.height == 0:
            out[data.code] = projection(data)  # the "geen inkomensgegevens" row
            continue
        as_of = min(data.as_of, dt.date(data.year, 12, 1))
        groups.setdefault((data.year, as_of), []).append((data, monthly, filled))
    for (year, as_of), members in groups.items():
        frame = project_one_as_of(pl.concat([m for _d, m, _f in members]), year, as_of)
        rows = {row["household"]: row for row in frame.iter_rows(named=True)}
        for data, _monthly, filled in members:
            row = rows[data.code]
            if filled is not None and row["problem"] is None:
                row["is_estimate"] = True
                row["explanation"] = f"{row['explanation']} (Let op: {filled}.)"
            out[data.code] = row
    return out


def chunk_inputs(datas: Sequence[HouseholdData]) -> tuple[pl.DataFrame, dict[str, dict[str, Any]]]:
    """:func:`entitlement.household.input_frame` of many households, stacked (household by
    household, twelve months each), and the projection of each."""
    situation = profile_frame(
        (d.code, m, d.profiles.get(m)) for d in datas for m in year_months(d.year)
    )
    projected = projections(datas)
    rows: list[tuple[object, ...]] = []
    for data in datas:
        proj = projected[data.code]
        nets = net_per_month(data)
        covers = data.coverage.covers
        for m in year_months(data.year):
            rows.append(
                (
                    data.code, m, proj["projected_cents"], nets[m][0],
                    bool(proj["is_estimate"]), nets[m][1], covers(m),
                )
            )  # fmt: skip
    income = pl.DataFrame(
        rows,
        schema={
            "household": pl.String,
            "month": pl.Date,
            "toetsingsinkomen_jaar_cents": pl.Int64,
            "netto_inkomen_maand_cents": pl.Int64,
            "toetsingsinkomen_is_schatting": pl.Boolean,
            "netto_is_schatting": pl.Boolean,
            "statements_cover_month": pl.Boolean,
        },
        orient="row",
    )
    frame = situation.join(
        income, on=["household", MONTH_COLUMN], how="left", maintain_order="left"
    )
    return frame, projected


def evaluate_chunk(datas: Sequence[HouseholdData], rules: Rules) -> ChunkEvaluation:
    """The engine inputs of every household stacked, and one engine run over them."""
    if not datas:
        return ChunkEvaluation(pl.DataFrame(), {})
    frame, projected = chunk_inputs(datas)
    return ChunkEvaluation(evaluate(frame, rules), projected)


def _unit_start(payment: Payment) -> pl.Expr:
    month = pl.col(MONTH_COLUMN)
    if payment is Payment.PER_KWARTAAL:
        quarter_month = (month.dt.month() - 1) // 3 * 3 + 1
        return pl.date(month.dt.year(), quarter_month, 1)
    if payment is Payment.EENMALIG_PER_JAAR:
        return pl.date(month.dt.year(), 1, 1)
    return month


def _unit_label(payment: Payment) -> pl.Expr:
    start = pl.col("unit_start")
    if payment is Payment.PER_KWARTAAL:
        quarter = ((start.dt.month() - 1) // 3 + 1).cast(pl.String)
        return pl.concat_str(start.dt.year().cast(pl.String), pl.lit("-K"), quarter)
    if payment is Payment.EENMALIG_PER_JAAR:
        return start.dt.year().cast(pl.String)
    return start.dt.strftime("%Y-%m")


def _estimate_expr(regeling: Regeling) -> pl.Expr:
    """:func:`entitlement.outcomes._estimate` as an expression."""
    used = used_inputs(regeling)
    out = pl.lit(False)
    if "toetsingsinkomen_jaar" in used:
        out = out | pl.col("toetsingsinkomen_is_schatting").fill_null(False)
    if "netto_inkomen_maand" in used:
        out = out | pl.col("netto_is_schatting").fill_null(False)
    return out


def _regeling_months(evaluated: pl.DataFrame, regeling: Regeling) -> pl.DataFrame:
    """One regeling's month rows: engine status, expected amount and the unit they belong to."""
    name = regeling.name
    status = pl.col(column(name, "status")).cast(pl.String)
    recht = status == Outcome.RECHT.value
    expected = (
        pl.when(status == Outcome.NIET_BEREKEND.value)
        .then(None)
        .when(~recht)
        .then(0)
        .otherwise(pl.col(column(name, "bedrag_maand_cents")).fill_null(0))
        .cast(pl.Int64)
    )
    year_amount = (
        pl.when(recht).then(pl.col(column(name, "bedrag_jaar_cents")).fill_null(0)).otherwise(None)
        if regeling.payment is Payment.EENMALIG_PER_JAAR
        else pl.lit(None, pl.Int64)
    )
    return evaluated.select(
        pl.col("household").cast(pl.String),
        pl.col(MONTH_COLUMN).alias("month"),
        pl.lit(name).alias("regeling"),
        status.alias("engine_status"),
        pl.col(column(name, "recht")).cast(pl.Boolean).alias("recht"),
        reason_codes(evaluated, regeling).alias("reasons"),
        expected.alias("expected_cents"),
        year_amount.cast(pl.Int64).alias("year_amount"),
        _estimate_expr(regeling).alias("is_estimate"),
        _unit_start(regeling.payment).alias("unit_start"),
    ).with_columns(_unit_label(regeling.payment).alias("unit"))


def _received(received: pl.DataFrame, regeling: Regeling) -> pl.DataFrame:
    """Received cents per household and attributed month of one regeling
    (:func:`entitlement.outcomes.received_by_unit` over many households)."""
    name = RECEIVED_AS.get(regeling.name, regeling.name)
    rows = received.filter(pl.col("regeling") == name)
    month = pl.col("period_month")
    if regeling.payment is Payment.PER_KWARTAAL:
        bank = pl.col("source").cast(pl.String) == "bank"
        month = pl.when(bank).then(month.dt.offset_by("-1mo")).otherwise(month)
    return rows.select(
        pl.col("household"), month.alias("month"), pl.col("received_cents").cast(pl.Int64)
    )


def _windows(starts: pl.Series, payment: Payment) -> pl.DataFrame:
    """First and last day of the payment window per unit start (few distinct starts)."""
    unique = [d for d in starts.unique().to_list() if d is not None]
    spans = [window(d, payment) for d in unique]
    return pl.DataFrame(
        {
            "unit_start": unique,
            "window_first": [s[0] for s in spans],
            "window_last": [s[1] for s in spans],
        },
        schema={"unit_start": pl.Date, "window_first": pl.Date, "window_last": pl.Date},
    )


def _judge(expected: pl.Expr, received: pl.Expr) -> pl.Expr:
    """:func:`entitlement.outcomes.judge` as an expression."""
    tolerance = pl.max_horizontal(pl.lit(TOLERANCE_CENTS), expected * TOLERANCE_PCT // 100)
    return (
        pl.when(received <= 0)
        .then(pl.lit(PaymentStatus.GEMIST.value))
        .when(received < expected - tolerance)
        .then(pl.lit(PaymentStatus.DEELS.value))
        .otherwise(pl.lit(PaymentStatus.ONTVANGEN.value))
    )


def coverage_frame(datas: Sequence[HouseholdData]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "household": [d.code for d in datas],
            "first_day": [d.coverage.first_day for d in datas],
            "last_day": [d.coverage.last_day for d in datas],
        },
        schema=COVERAGE_SCHEMA,
    )


def received_frame(datas: Sequence[HouseholdData]) -> pl.DataFrame:
    frames = [d.received.select(list(RECEIVED_SCHEMA)) for d in datas if d.received.height]
    if not frames:
        return pl.DataFrame(schema=RECEIVED_SCHEMA)
    return pl.concat([f.cast(RECEIVED_SCHEMA) for f in frames])  # type: ignore[arg-type]


def batch_month_outcomes(
    evaluated: pl.DataFrame, coverage: pl.DataFrame, received: pl.DataFrame, rules: Rules
) -> pl.DataFrame:
    """:func:`entitlement.outcomes.month_outcomes` for every household of ``evaluated`` at once
    (:data:`BATCH_MONTHS_SCHEMA`: without the reason texts). ``coverage``:
    :data:`COVERAGE_SCHEMA`; ``received``: :data:`entitlement.received.RECEIVED_SCHEMA` rows of
    these households."""
    parts: list[pl.DataFrame] = []
    for name in sorted(rules):
        regeling = rules[name]
        months = _regeling_months(evaluated, regeling)
        got = _received(received, regeling)
        per_month = got.group_by("household", "month").agg(
            pl.col("received_cents").sum().alias("received_month")
        )
        per_unit = (
            got.with_columns(_unit_start(regeling.payment).alias("unit_start"))
            .group_by("household", "unit_start")
            .agg(pl.col("received_cents").sum().alias("unit_received_cents"))
        )
        unit_expected = (
            pl.col("year_amount").max().fill_null(0)
            if regeling.payment is Payment.EENMALIG_PER_JAAR
            else pl.col("expected_cents").fill_null(0).sum()
        )
        units = (
            months.group_by("household", "unit_start")
            .agg(unit_expected.cast(pl.Int64).alias("unit_expected_cents"))
            .join(per_unit, on=["household", "unit_start"], how="left")
            .with_columns(pl.col("unit_received_cents").fill_null(0))
            .join(_windows(months["unit_start"], regeling.payment), on="unit_start", how="left")
            .join(coverage, on="household", how="left")
            .with_columns(
                early=pl.col("first_day")
                > pl.col("window_first") + pl.duration(days=STATEMENT_SLACK_DAYS),
            )
            .with_columns(judged=~pl.col("early") & (pl.col("last_day") >= pl.col("window_last")))
        )
        expected, got_unit = pl.col("unit_expected_cents"), pl.col("unit_received_cents")
        judged = _judge(expected, got_unit)
        already = (got_unit > 0) & (judged == PaymentStatus.ONTVANGEN.value)
        engine = pl.col("engine_status")
        not_recht = pl.when(engine != Outcome.RECHT.value).then(
            engine.replace_strict(
                {o.value: s.value for o, s in ENGINE_STATUS.items()}, default=None
            )
        )
        status: pl.Expr
        if name in INVISIBLE:
            status = not_recht.otherwise(pl.lit(PaymentStatus.NIET_ZICHTBAAR.value))
        else:
            status = (
                not_recht.when((pl.col("early") | ~pl.col("judged")) & ~already)
                .then(
                    pl.when(pl.col("early"))
                    .then(pl.lit(PaymentStatus.GEEN_AFSCHRIFTEN.value))
                    .otherwise(pl.lit(PaymentStatus.NOG_NIET.value))
                )
                .otherwise(judged)
            )
        out = (
            months.join(units, on=["household", "unit_start"], how="left", maintain_order="left")
            .join(per_month, on=["household", "month"], how="left", maintain_order="left")
            .with_columns(
                pl.col("received_month").fill_null(0).alias("received_cents"),
                status.alias("status"),
            )
        )
        parts.append(out.select([pl.col(c).cast(t) for c, t in BATCH_MONTHS_SCHEMA.items()]))
    if not parts:
        return pl.DataFrame(schema=BATCH_MONTHS_SCHEMA)
    return pl.concat(parts).sort("household", "regeling", "month", maintain_order=True)


def batch_year_outcomes(months: pl.DataFrame, rules: Rules, year: int) -> pl.DataFrame:
    """:func:`entitlement.outcomes.year_outcomes` over many households (:data:`YEAR_SCHEMA`)."""
    keys = ["household", "regeling"]
    per_month = months.group_by(keys, maintain_order=True).agg(
        months_recht=(pl.col("engine_status") == Outcome.RECHT.value).sum(),
        months_niet_berekend=(pl.col("engine_status") == Outcome.NIET_BEREKEND.value).sum(),
        complete=pl.col("expected_cents").is_not_null().all(),
        is_estimate=pl.col("is_estimate").any(),
        statuses=pl.col("status").unique(maintain_order=True),
    )
    units = (
        months.unique([*keys, "unit"], keep="first", maintain_order=True)
        .group_by(keys)
        .agg(
            expected_year_cents=pl.col("unit_expected_cents").sum(),
            received_year_cents=pl.col("unit_received_cents").sum(),
        )
    )
    judged = (
        months.filter(pl.col("status").is_in(JUDGED))
        .unique([*keys, "unit"], keep="first", maintain_order=True)
        .group_by(keys)
        .agg(
            judged_units=pl.len(),
            received_judged_cents=pl.col("unit_received_cents").sum(),
        )
    )
    titles = pl.DataFrame(
        {"regeling": list(rules), "title": [rules[n].title for n in rules]},
        schema={"regeling": pl.String, "title": pl.String},
    )
    out = (
        per_month.join(units, on=keys, how="left", maintain_order="left")
        .join(judged, on=keys, how="left", maintain_order="left")
        .join(titles, on="regeling", how="left", maintain_order="left")
        .with_columns(
            pl.lit(year).alias("year"),
            pl.col("judged_units").fill_null(0),
            pl.col("received_judged_cents").fill_null(0),
        )
    )
    return out.select([pl.col(c).cast(t) for c, t in YEAR_SCHEMA.items()])


# --- many households from the store at once ---------------------------------------------------


@dataclass(frozen=True)
class _Window:
    """The read windows of one household, as :func:`entitlement.household.load_household`
    derives them from its coverage."""

    code: str
    coverage: Coverage
    start: dt.date
    end: dt.date
    read_start: dt.date
    read_end: dt.date


def _coverages(session: Session, ids: dict[int, str]) -> dict[str, Coverage]:
    """:func:`entitlement.household.coverage_of` for many households (two queries)."""
    tx = session.execute(
        select(
            Transaction.household_id, func.min(Transaction.booking_date),
            func.max(Transaction.booking_date),
        )
        .where(Transaction.household_id.in_(ids), Transaction.deleted_at.is_(None))
        .group_by(Transaction.household_id)
    ).all()  # fmt: skip
    st = {
        hid: (first, last)
        for hid, first, last in session.execute(
            select(
                Account.household_id, func.min(StatementRow.opening_date),
                func.max(StatementRow.closing_date),
            )
            .join(Account, Account.id == StatementRow.account_id)
            .where(Account.household_id.in_(ids))
            .group_by(Account.household_id)
        ).all()
    }  # fmt: skip
    out: dict[str, Coverage] = {}
    for hid, first, last in tx:
        if first is None:
            continue
        opening, closing = st.get(hid, (None, None))
        if opening is not None:  # the opening balance is stated at the end of that day
            first = min(first, opening + dt.timedelta(days=1))
        if closing is not None:
            last = max(last, closing)
        out[ids[hid]] = Coverage(first, last)
    return out


def _window(code: str, coverage: Coverage, year: int) -> _Window | None:
    """None where :func:`~entitlement.household.load_household` raises NotFoundError."""
    if coverage.last_month < dt.date(year - 1, 1, 1) or coverage.first_day > dt.date(year, 12, 31):
        return None
    if coverage.last_month < coverage.first_month:
        return None
    start = max(dt.date(year - 1, 1, 1), coverage.first_month)
    end = min(dt.date(year, 12, 31), month_end(coverage.last_month))
    r_start, r_end = dt.date(year - 1, 12, 1), dt.date(year + 1, 1, 31)
    read_start = min(start, r_start) if start <= end else r_start
    return _Window(code, coverage, start, end, read_start, max(end, r_end))


def _transactions(
    session: Session, ids: dict[int, str], first: dt.date, last: dt.date
) -> pl.DataFrame:
    """:func:`store.transactions.transactions_frame` of many households, household by household
    in the same order."""
    columns = [c for c in TRANSACTION_SCHEMA if c not in ("household", "account")]
    rows = session.execute(
        select(
            Transaction.household_id, Account.identifier,
            *(getattr(Transaction, c) for c in columns),
        )
        .join(Account, Account.id == Transaction.account_id)
        .where(
            Transaction.household_id.in_(ids), Transaction.deleted_at.is_(None),
            Transaction.booking_date >= first, Transaction.booking_date <= last,
        )
        .order_by(
            Transaction.household_id, Account.identifier, Transaction.booking_date,
            Transaction.import_id, Transaction.position,
        )
    ).all()  # fmt: skip
    data: dict[str, list[object]] = {"household": [ids[r[0]] for r in rows]}
    data["account"] = [r[1] for r in rows]
    for index, name in enumerate(columns, start=2):
        data[name] = [r[index] for r in rows]
    return pl.DataFrame(data, schema=TRANSACTION_SCHEMA)


def _payments(session: Session, ids: dict[int, str], first: dt.date, last: dt.date) -> pl.DataFrame:
    """:func:`entitlement.income_store.payments_frame` of many households."""
    rows = session.execute(
        select(
            BenefitPaymentRow.household_id, BenefitPaymentRow.payer, BenefitPaymentRow.regeling,
            BenefitPaymentRow.period_start, BenefitPaymentRow.payment_date,
            BenefitPaymentRow.gross_cents, BenefitPaymentRow.wage_tax_cents,
            BenefitPaymentRow.net_cents, Transaction.tx_key,
        )
        .outerjoin(Transaction, Transaction.id == BenefitPaymentRow.transaction_id)
        .where(
            BenefitPaymentRow.household_id.in_(ids),
            BenefitPaymentRow.payment_date >= first, BenefitPaymentRow.payment_date <= last,
        )
        .order_by(
            BenefitPaymentRow.household_id, BenefitPaymentRow.payment_date, BenefitPaymentRow.id
        )
    ).all()  # fmt: skip
    return pl.DataFrame([(ids[r[0]], *r[1:]) for r in rows], schema=PAYMENT_SCHEMA, orient="row")


def _decisions(session: Session, ids: dict[int, str]) -> pl.DataFrame:
    """:func:`entitlement.received.decisions_frame` of many households."""
    rows = session.execute(
        select(
            ToeslagDecisionRow.household_id, ToeslagDecisionRow.regeling, ToeslagDecisionRow.year,
            ToeslagDecisionRow.advance_year_cents, ToeslagDecisionRow.advance_month_cents,
            ToeslagDecisionRow.income_estimate_cents, ToeslagDecisionRow.decision_date,
            ToeslagDecisionRow.with_partner,
        )
        .where(ToeslagDecisionRow.household_id.in_(ids))
        .order_by(
            ToeslagDecisionRow.household_id, ToeslagDecisionRow.decision_date,
            ToeslagDecisionRow.id,
        )
    ).all()  # fmt: skip
    return pl.DataFrame([(ids[r[0]], *r[1:]) for r in rows], schema=DECISION_SCHEMA, orient="row")


def _histories(session: Session, ids: dict[int, str]) -> dict[str, list[RecordedProfile]]:
    """:func:`store.profiles.profile_history` of many households (each version parsed once)."""
    rows = session.scalars(
        select(ProfileVersion)
        .where(ProfileVersion.household_id.in_(ids))
        .order_by(ProfileVersion.household_id, ProfileVersion.valid_from, ProfileVersion.id)
    ).all()
    out: dict[str, list[RecordedProfile]] = {code: [] for code in ids.values()}
    for r in rows:
        out[ids[r.household_id]].append(
            RecordedProfile(r.valid_from, r.recorded_at, r.recorded_by, r.source_file, _profile(r))
        )
    return out


def _on(history: list[RecordedProfile], day: dt.date) -> HouseholdProfile | None:
    """:func:`store.profiles.profile_on` from a history read once."""
    valid = [r for r in history if r.valid_from <= day]
    return valid[-1].profile if valid else None


def _person(code: str, profile: HouseholdProfile | None, day: dt.date) -> tuple[object, ...]:
    """:func:`entitlement.income_store.persons_frame`'s row."""
    if profile is None:
        return (code, False, None, None)
    partner = next((m for m in profile.members_on(day) if m.role is Role.TOESLAGPARTNER), None)
    return (
        code,
        partner is not None,
        profile.applicant.birth_date,
        partner.birth_date if partner else None,
    )


def _per_household(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    parts = frame.partition_by("household", as_dict=True, maintain_order=True)
    return {str(k[0]): v for k, v in parts.items()}


def _within(
    frame: pl.DataFrame, column_name: str, bounds: pl.DataFrame, first: str, last: str
) -> pl.DataFrame:
    """Each household's rows with ``column_name`` within its own [first, last] of ``bounds``."""
    return (
        frame.join(
            bounds.select("household", first, last),
            on="household",
            how="inner",
            maintain_order="left",
        )
        .filter(pl.col(column_name).is_between(pl.col(first), pl.col(last)))
        .drop(first, last)
    )


def load_households(session: Session, codes: Sequence[str], year: int) -> dict[str, HouseholdData]:
    """:func:`entitlement.household.load_household` for many households with a few queries, one
    classification and one income computation; households it would refuse (no statements
    about ``year``, no complete month) are left out."""
    ids = {
        hid: code
        for hid, code in session.execute(
            select(Household.id, Household.code).where(Household.code.in_(list(codes)))
        ).all()
    }
    if not ids:
        return {}
    coverages = _coverages(session, ids)
    windows = [w for c, cov in coverages.items() if (w := _window(c, cov, year)) is not None]
    if not windows:
        return {}
    ids = {hid: code for hid, code in ids.items() if code in {w.code for w in windows}}
    bounds = pl.DataFrame(
        {
            "household": [w.code for w in windows],
            "start": [w.start for w in windows],
            "end": [w.end for w in windows],
            "read_start": [w.read_start for w in windows],
            "read_end": [w.read_end for w in windows],
            "context": [w.read_start - dt.timedelta(days=CONTEXT_DAYS) for w in windows],
            "r_start": [dt.date(year - 1, 12, 1)] * len(windows),
            "r_end": [dt.date(year + 1, 1, 31)] * len(windows),
        }
    )
    first = min(w.read_start for w in windows) - dt.timedelta(days=CONTEXT_DAYS)
    last = max(w.read_end for w in windows)
    # store.classification.classified_transactions: a context before the window, per household
    raw = _within(
        _transactions(session, ids, first, last), "booking_date", bounds, "context", "read_end"
    )
    rules = [rule for code in ids.values() for rule in list_rules(session, code)]
    classified_all = _within(classify(raw, rules), "booking_date", bounds, "read_start", "read_end")
    payments_all = _within(
        _payments(session, ids, first, last), "payment_date", bounds, "read_start", "read_end"
    )
    histories = _histories(session, ids)
    months = year_months(year)
    # the income of every household over its own [start, end]
    classified = _within(classified_all, "booking_date", bounds, "start", "end")
    payments = _within(payments_all, "payment_date", bounds, "start", "end")
    persons = pl.DataFrame(
        [_person(w.code, _on(histories[w.code], w.end), w.end) for w in windows],
        schema=PERSON_SCHEMA, orient="row",
    )  # fmt: skip
    lines = income_lines(classified, payments, persons)
    monthly_parts: list[pl.DataFrame] = []
    for (start, end), group in bounds.group_by("start", "end"):
        assert isinstance(start, dt.date) and isinstance(end, dt.date)
        if start <= end:
            these = group["household"].to_list()
            mine = lines.filter(pl.col("household").is_in(these))
            monthly_parts.append(monthly_income(mine, these, start, end))
    monthly = _per_household(pl.concat(monthly_parts)) if monthly_parts else {}
    other = (
        lines.filter(~pl.col("regeling").fill_null("").is_in(list(NOT_OTHER_INCOME)))
        .group_by("household", "month")
        .agg(pl.col("net_cents").sum())
    )
    other_found: dict[str, dict[dt.date, int]] = {}
    for code, month, cents in other.iter_rows():
        other_found.setdefault(code, {})[month] = int(cents)
    received = _per_household(
        received_per_regeling(
            _within(classified_all, "booking_date", bounds, "r_start", "r_end"),
            _within(payments_all, "payment_date", bounds, "r_start", "r_end"),
        )
    )
    decisions = _per_household(_decisions(session, ids))
    empty_monthly = pl.DataFrame(schema=MONTHLY_INCOME_SCHEMA)
    out: dict[str, HouseholdData] = {}
    for w in windows:
        history = histories[w.code]
        profiles = {m: _on(history, m) for m in months}
        notes = []
        if all(p is None for p in profiles.values()):
            notes.append("geen profiel vastgelegd: de regelingen zijn niet te berekenen")
        found = other_found.get(w.code, {})
        other_net = {m: int(found.get(m, 0)) for m in _months_between(w.start, w.end)}
        out[w.code] = HouseholdData(
            code=w.code,
            year=year,
            coverage=w.coverage,
            profiles=profiles,
            monthly=monthly.get(w.code, empty_monthly) if w.start <= w.end else empty_monthly,
            other_net=other_net if w.start <= w.end else {},
            received=received.get(w.code, pl.DataFrame(schema=RECEIVED_SCHEMA)),
            decisions=decisions.get(w.code, pl.DataFrame(schema=DECISION_SCHEMA)),
            notes=tuple(notes),
        )
    return out
