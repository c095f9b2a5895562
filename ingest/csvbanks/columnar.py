"""Turn a :class:`ingest.csvbanks.table.Table` into transactions column by column.

The row parser (:mod:`ingest.csvbanks.rows`) stays the definition of what a row means; this
module computes the same fields for all rows at once with polars expressions, and builds the
records with one ``map(RawTransaction, *columns)`` pass. It only *accepts* values it can prove
the row parser reads the same way (amounts in a strict pattern without stray whitespace, dates
through the very same Python parser over the few distinct strings). Anything else returns
``None`` so the caller runs the row engine, which then raises its exact Dutch message with the
line, or reads an unusual but valid file. Rows whose free text needs the Python splitter are
handed to the row parser one by one ("slow" rows).
"""

from __future__ import annotations

import gc
import re
from typing import Any

import polars as pl

from ingest.csvbanks.details import KEYED
from ingest.csvbanks.dialect import PAYMENT_REFERENCE, Balance, DateStyle, Dialect, parse_date_text
from ingest.csvbanks.keyed_columns import keyed_columns
from ingest.csvbanks.rows import RowParser, own_account
from ingest.csvbanks.table import WS_CLASS, Table, clean_series, strip_expr
from ingest.errors import IngestError
from ingest.model import RawTransaction
from ingest.rows import TX_FIELDS

_DET = "det_"


def supports(d: Dialect) -> bool:
    """Dialects this module reads; the rest (Knab's preamble, ABN AMRO's description shapes and
    start balances) always take the row engine."""
    return (
        d.preamble is None
        and d.start_balance is None
        and (d.details_parser is None or d.details_parser in KEYED)
    )


def _amount_pattern(d: Dialect) -> str:
    """Values :func:`ingest.csvbanks.dialect.parse_cents` reads, minus odd whitespace.

    At most 15 integer digits, so the integer cast below cannot overflow.
    """
    whole = "[0-9]{1,15}"
    if d.thousands:
        t = re.escape(d.thousands)
        whole = f"(?:{whole}|[0-9]{{1,3}}(?:{t}[0-9]{{3}}){{1,4}})"
    mark = re.escape(d.decimal) if d.decimal else "[.,]"
    return f"^[+-]?{whole}(?:{mark}[0-9]{{1,2}})?$"


def _cents(col: str, d: Dialect) -> tuple[pl.Expr, pl.Expr]:
    """(integer cents, value matches the strict pattern) for an amount column."""
    s = pl.col(col).str.strip_chars(" \t")
    ok = s.str.contains(_amount_pattern(d))
    body = s.str.strip_prefix("+").str.strip_prefix("-")
    if d.thousands:
        body = body.str.replace_all(d.thousands, "", literal=True)
    if not d.decimal:
        body = body.str.replace_all(",", ".", literal=True)
    parts = body.str.split_exact(d.decimal or ".", 1)
    whole = parts.struct.field("field_0").cast(pl.Int64, strict=False)
    frac = parts.struct.field("field_1").str.pad_end(2, "0").cast(pl.Int64, strict=False)
    cents = whole * 100 + frac.fill_null(0)
    cents = pl.when(s.str.starts_with("-")).then(-cents).otherwise(cents)
    return pl.when(ok).then(cents), ok


def _opt(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr == "").then(None).otherwise(expr)


def _col(d: Dialect, label: str | None) -> str | None:
    return None if label is None else f"c{d.index[label]}"


def convert(d: Dialect, table: Table, parse: RowParser) -> list[RawTransaction] | None:
    """The transactions of ``table`` in file order, or ``None`` if the row engine must decide."""
    out = convert_frame(d, table, parse)
    if out is None:
        return None
    fields = [out.get_column(name).to_list() for name in TX_FIELDS]
    # 100 000 new tracked objects trigger many collections that cannot find garbage (all of
    # them are alive); pausing the collector takes about a fifth off this loop
    paused = gc.isenabled()
    gc.disable()
    try:
        return list(map(RawTransaction, *fields))
    finally:
        if paused:
            gc.enable()


def convert_frame(d: Dialect, table: Table, parse: RowParser) -> pl.DataFrame | None:
    """The transactions of ``table`` in file order as a frame with the columns
    :data:`ingest.rows.TX_FIELDS` (the fields of ``RawTransaction``), or ``None`` if the row
    engine must decide."""
    frame, n = table.frame, table.frame.height
    if n == 0:
        return pl.DataFrame(schema=TX_SCHEMA)
    keys = KEYED.get(d.details_parser) if d.details_parser else None
    det = keyed_columns(frame[_col(d, d.details) or ""], keys, _DET) if keys is not None else None
    if det is not None:
        frame = pl.concat([frame, det], how="horizontal")

    exprs: dict[str, pl.Expr] = {}
    checks: list[pl.Expr] = []
    amount, ok = _cents(_col(d, d.amount) or "", d)
    checks.append(ok)
    if d.sign is not None:
        sign = strip_expr(pl.col(_col(d, d.sign) or ""))
        checks.append(sign.is_in([*d.debit, *d.credit]))
        checks.append(amount >= 0)
        amount = pl.when(sign.is_in(list(d.debit))).then(-amount).otherwise(amount)
    exprs["amount"] = amount
    if d.balance is not None:
        raw = pl.col(_col(d, d.balance) or "")
        balance, ok = _cents(_col(d, d.balance) or "", d)
        checks.append(ok | (strip_expr(raw) == ""))
        if d.balance_kind is Balance.BEFORE:
            balance = balance + amount
        exprs["balance"] = balance
    if d.currency is not None:
        currency = strip_expr(pl.col(_col(d, d.currency) or ""))
        exprs["currency"] = pl.when(currency == "").then(pl.lit("EUR")).otherwise(currency)

    def field(label: str | None, det_field: str | None, value: pl.Expr | None = None) -> None:
        """``own or det`` of the row parser: the column (stripped, empty is None), else the
        value the details column holds."""
        column = _col(d, label)
        if value is None and column is not None:
            value = _opt(strip_expr(pl.col(column)))
        if det is not None and det_field is not None:
            inner = pl.col(_DET + det_field)
            value = inner if value is None else pl.coalesce(value, inner)
        if value is not None:
            exprs[det_field or label or ""] = value

    slow = pl.col(_DET + "slow") if det is not None else pl.lit(False)
    iban = e2e = name = None
    if (column := _col(d, d.counterparty_iban)) is not None:
        compact = pl.col(column).str.replace_all(WS_CLASS, "")
        slow = slow | compact.str.contains(r"[^\x00-\x7f]")
        iban = _opt(compact.str.to_uppercase())
    if (column := _col(d, d.counterparty_name)) is not None:
        frame = frame.with_columns(clean_series(frame[column]).alias("_name"))
        name = _opt(pl.col("_name"))
    if (column := _col(d, d.end_to_end_id)) is not None:
        stripped = strip_expr(pl.col(column))
        e2e = pl.when(stripped.is_in(["", "NOTPROVIDED"])).then(None).otherwise(stripped)
    field(d.counterparty_iban, "iban", iban)
    field(d.counterparty_name, "name", name)
    field(d.end_to_end_id, "end_to_end_id", e2e)
    field(d.mandate_id, "mandate_id")
    field(d.creditor_id, "creditor_id")
    for label, out_name in ((d.code, "code"), (d.bank_reference, "bank_reference"),
                            (d.batch_id, "batch_id")):  # fmt: skip
        if (column := _col(d, label)) is not None:
            exprs[out_name] = _opt(strip_expr(pl.col(column)))
    if d.reversal_reason is not None:
        exprs["reversal"] = strip_expr(pl.col(_col(d, d.reversal_reason) or "")) != ""

    parts = [pl.col(c) for c in (_col(d, label) for label in d.description) if c]
    parts = [_opt(strip_expr(part)) for part in parts]  # clean() of these joined = of the text
    if det is not None:
        parts.append(pl.col(_DET + "description"))
    if d.payment_reference is not None:
        ref = strip_expr(pl.col(_col(d, d.payment_reference) or ""))
        parts.append(pl.when(ref == "").then(None).otherwise(PAYMENT_REFERENCE + ref))
    if len(parts) == 1 and det is not None:
        exprs["description"] = pl.col(_DET + "description")
    elif parts:
        joined = frame.select(pl.concat_str(parts, separator=" ", ignore_nulls=True))
        frame = frame.with_columns(clean_series(joined.to_series().fill_null("")).alias("_desc"))
        exprs["description"] = pl.col("_desc")

    out = frame.select(
        *(e.alias(k) for k, e in exprs.items()),
        pl.all_horizontal(checks).fill_null(False).alias("_ok"),
        slow.alias("_slow"),
    )
    if not out["_ok"].all():
        return None
    columns = _dates(d, frame, keys is not None)
    if columns is None:
        return None
    booking, value_date = columns

    def values(name: str, dtype: type[pl.DataType] = pl.String, default: Any = None) -> pl.Series:
        if name in exprs:
            return out.get_column(name)
        return pl.repeat(default, n, dtype=dtype, eager=True)

    series: list[pl.Series] = [
        _accounts(d, frame),
        booking,
        out.get_column("amount"),
        values("currency", default="EUR"),
        value_date if value_date is not None else pl.repeat(None, n, dtype=pl.Date, eager=True),
        values("iban"),
        values("name"),
        values("description", default=""),
        values("end_to_end_id"),
        values("mandate_id"),
        values("creditor_id"),
        values("bank_reference"),
        values("code"),
        values("reversal", pl.Boolean, False),
        values("batch_id"),
        values("balance", pl.Int64),
        pl.Series(table.lines, dtype=pl.Int64),
    ]
    result = pl.DataFrame(
        {name: part.alias(name) for name, part in zip(TX_FIELDS, series, strict=True)}
    ).cast(TX_SCHEMA)
    slow_rows = out["_slow"].arg_true().to_list()
    if not slow_rows:
        return result
    try:
        fixed = [parse(list(frame.row(i)[: len(d.columns)]), table.lines[i]) for i in slow_rows]
    except IngestError:
        return None  # not expected; the row engine then reports the first problem in order
    index = pl.Series(slow_rows, dtype=pl.UInt32)
    return result.with_columns(
        result.get_column(name).scatter(index, [getattr(tx, name) for tx in fixed])
        for name in TX_FIELDS
    )


TX_SCHEMA = pl.Schema({
    "account": pl.String, "booking_date": pl.Date, "amount_cents": pl.Int64,
    "currency": pl.String, "value_date": pl.Date, "counterparty_iban": pl.String,
    "counterparty_name": pl.String, "description": pl.String, "end_to_end_id": pl.String,
    "mandate_id": pl.String, "creditor_id": pl.String, "bank_reference": pl.String,
    "bank_transaction_code": pl.String, "is_reversal": pl.Boolean, "batch_id": pl.String,
    "balance_after_cents": pl.Int64, "line": pl.Int64,
})  # fmt: skip
"""Columns and types of :func:`convert_frame` (in :data:`ingest.rows.TX_FIELDS` order)."""


def _mapped(values: pl.Series, found: dict[Any, Any], dtype: Any) -> pl.Series:
    """``values`` mapped through ``found`` (which holds every distinct non-null value)."""
    keys = [k for k in found if k is not None]
    return values.replace_strict(keys, [found[k] for k in keys], default=None, return_dtype=dtype)


def _dates(
    d: Dialect, frame: pl.DataFrame, keyed: bool
) -> tuple[pl.Series, pl.Series | None] | None:
    """Booking and value dates through the row parser's own date function, once per distinct
    string (a statement has a few hundred distinct dates in 100 000 rows)."""
    style = d.date_style
    raw = frame.get_column(_col(d, d.booking_date) or "")
    found = {s: parse_date_text(s, style) for s in raw.unique().to_list()}
    if None in found.values():
        return None
    booking = _mapped(raw, found, pl.Date)
    value_date: pl.Series | None = None
    if d.value_date is not None:
        vraw = frame.get_column(_col(d, d.value_date) or "")
        vfound = {s: parse_date_text(s, style) if s else None for s in vraw.unique().to_list()}
        if any(v is None for s, v in vfound.items() if s):
            return None
        value_date = _mapped(vraw, vfound, pl.Date)
        if keyed:
            return None  # no dialect has both; keep the fallback order exact if one ever does
    elif keyed:
        traw = frame.get_column(_DET + "value_date")
        tfound = {
            s: parse_date_text(s, DateStyle.DMY) if s else None for s in traw.unique().to_list()
        }
        value_date = _mapped(traw, tfound, pl.Date)
    return booking, value_date


def _accounts(d: Dialect, frame: pl.DataFrame) -> pl.Series:
    n = frame.height
    if d.account is None:
        return pl.repeat(own_account("", d.account_bank_code), n, dtype=pl.String, eager=True)
    raw = frame.get_column(_col(d, d.account) or "")
    found = {s: own_account(s, d.account_bank_code) for s in raw.unique().to_list()}
    if len(found) == 1:
        return pl.repeat(found[raw[0]], n, dtype=pl.String, eager=True)
    return _mapped(raw, found, pl.String)
