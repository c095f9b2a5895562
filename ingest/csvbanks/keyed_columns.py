"""Split a whole ``Key: value`` column (ING *Mededelingen*) at once, with the exact rules of
:func:`ingest.csvbanks.details.keyed_parser`, for the rows where that is provably simple.

The per-row splitter costs more than everything else in an ING row, and regular expressions
over the column are not much cheaper, so this works with byte offsets instead: a literal
``find`` and ``count`` per key, integer arithmetic for where each value ends, and byte slices.
A row is simple when every key occurs at most once, right after a space (or at the start), and
the keys come in the declared order (ING's own order). Then each value runs from its key to the
next key found, exactly the pieces ``re.split`` gives the row parser. Other rows (a key twice,
``XIBAN:`` glued to text, another order, an IBAN with non-ASCII letters that Python and Rust
upper-case differently) are marked ``slow`` and left to the row parser.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from ingest.csvbanks.details import TOKEN_FIELDS
from ingest.csvbanks.table import clean_series, strip_expr

OUTPUTS = ("description", "name", "iban", "value_date", "end_to_end_id", "mandate_id",
           "creditor_id")  # fmt: skip


def _none_if_empty(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr == "").then(None).otherwise(expr)


def keyed_columns(text: pl.Series, keys: Mapping[str, str], prefix: str) -> pl.DataFrame:
    """Columns ``{prefix}{output}`` for each of :data:`OUTPUTS` plus ``{prefix}slow``.

    ``value_date`` is the raw token (the caller parses the few distinct ones in Python); the
    other columns hold what :class:`ingest.csvbanks.dialect.Details` would (null for None).
    Values of slow rows are meaningless.
    """
    labels = list(keys)
    fields = [keys[k] for k in labels]
    named = [f for f in fields if f != "description"]
    if len(set(named)) != len(named) or "drop" in named or not all(k.isascii() for k in labels):
        raise ValueError("keyed_columns handles one key per field, ASCII keys, no 'drop'")
    t = pl.col("t")
    frame = pl.DataFrame({"t": text}).with_columns(
        *(t.str.find(f"{k}: ", literal=True).alias(f"p{i}") for i, k in enumerate(labels)),
        *(t.str.count_matches(f"{k}: ", literal=True).alias(f"n{i}") for i, k in enumerate(labels)),
        size=t.str.len_bytes().cast(pl.Int64),
        b=t.cast(pl.Binary),
    )
    pos = [pl.col(f"p{i}").cast(pl.Int64) for i in range(len(labels))]
    b = pl.col("b")
    slow = pl.any_horizontal([pl.col(f"n{i}") > 1 for i in range(len(labels))])
    for i, p in enumerate(pos):
        glued = (p > 0) & (b.bin.slice(p - 1, 1) != b" ")
        later = pl.any_horizontal([q < p for q in pos[i + 1 :]]) if i + 1 < len(pos) else None
        slow = slow | glued.fill_null(False)
        if later is not None:
            slow = slow | later.fill_null(False)
    start = pl.min_horizontal(*pos, pl.col("size"))
    values: list[pl.Expr] = []
    for i, (label, p) in enumerate(zip(labels, pos, strict=True)):
        end = pl.min_horizontal(*pos[i + 1 :], pl.col("size"))
        begin = p + len(label) + 2
        value = b.bin.slice(begin, (end - begin).clip(lower_bound=0)).cast(pl.String)
        values.append(pl.when(p.is_not_null()).then(value).alias(f"v{i}"))
    frame = frame.select(
        b.bin.slice(0, start).cast(pl.String).alias("v_prefix"),
        *values,
        slow.fill_null(False).alias("slow"),
    )
    desc: list[pl.Expr] = [pl.col("v_prefix")]
    out: dict[str, pl.Expr] = {}
    cleaned: list[str] = []
    for i, field in enumerate(fields):
        value = pl.col(f"v{i}")
        if field == "description":
            desc.append(value)
        elif field in TOKEN_FIELDS:
            parts = strip_expr(value).str.splitn(" ", 2)
            token = parts.struct.field("field_0")
            desc.append(parts.struct.field("field_1"))
            if field == "iban":
                out["slow"] = token.str.contains(r"[^\x00-\x7f]").fill_null(False)
                token = token.str.to_uppercase()
            out[field] = token if field == "value_date" else _none_if_empty(token)
        else:
            out[field] = value
            cleaned.append(prefix + field)
    # stripped, non-empty pieces joined by one space: clean() of that is clean() of the text
    pieces = [_none_if_empty(strip_expr(piece)) for piece in desc]
    out["description"] = pl.concat_str(pieces, separator=" ", ignore_nulls=True).fill_null("")
    cleaned.append(prefix + "description")
    slow_out = pl.col("slow") | out.pop("slow", pl.lit(False))
    exprs = [out.get(name, pl.lit(None, dtype=pl.String)).alias(prefix + name) for name in OUTPUTS]
    result = frame.select(*exprs, slow_out.alias(prefix + "slow"))
    return result.with_columns(clean_series(result[name]) for name in cleaned).with_columns(
        _none_if_empty(pl.col(name)).alias(name)
        for name in cleaned
        if name != prefix + "description"
    )
