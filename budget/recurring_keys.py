"""From the canonical table to numbers: key hashes, and household chunks of the table.

Detection compares a payment only with payments of the same household, account, counterparty and
direction, so households are independent of each other except for one thing: the default
``as_of`` is the last booking day of an *account*, and an account may be listed under two
households. :func:`last_booking_days` computes that table once over the whole input; everything
else runs per chunk of whole households (:func:`household_chunks`). Chunks keep the working set
(a dozen numeric arrays per row) at a fixed size whatever the input, and sort small arrays that
fit the cache; results are identical to one big chunk (a test checks it).

The string columns (household, account, counterparty IBAN and name) may arrive as ``String`` or as
``Categorical``; categoricals are cheaper to hold (4 bytes a row) and to key: every string is then
hashed or normalised once per distinct value instead of once per row.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import polars as pl

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
Index = npt.NDArray[np.unsignedinteger]

_In = TypeVar("_In")
_Out = TypeVar("_Out")

CHUNK_ROWS = 1 << 19
"""Rows per chunk (whole households, so a chunk may be a little larger). Measured on 5 million
rows: 128 k to 512 k rows per chunk cost the same CPU time, 1 M rows 5-10 % more and 2 M rows
35 % more (the arrays no longer fit the cache); half a million keeps a chunk's arrays near 50 MB
and the per-chunk overhead (a few hundred polars and numpy calls) negligible."""


def is_categorical(values: pl.Series) -> bool:
    return isinstance(values.dtype, pl.Categorical | pl.Enum)


def normalise_name(names: pl.Expr) -> pl.Expr:
    """Lower case, punctuation and spaces collapsed: ``"Vitens N.V."`` → ``"vitens n v"``."""
    return names.str.to_lowercase().str.replace_all(r"[^\p{L}\p{N}]+", " ").str.strip_chars()


def normalise_iban(ibans: pl.Expr) -> pl.Expr:
    """Upper case without spaces; empty → null (as :func:`ingest.text.normalize_iban`)."""
    clean = ibans.str.replace_all(r"\s+", "").str.to_uppercase()
    return pl.when(clean.str.len_bytes() > 0).then(clean).otherwise(None)


KEY_COLUMNS: dict[str, tuple[pl.Expr, int]] = {
    "household": (pl.col("v").fill_null(""), 1),
    "account": (pl.col("v").fill_null(""), 2),
    "counterparty_iban": (normalise_iban(pl.col("v")), 11),
    "counterparty_name": (normalise_name(pl.col("v").fill_null("")), 11),
}
"""Per key column, what counts as the same value (the expression gives the text that is hashed,
null hashes to 0) and a hash seed. A missing household or account is the same as ``""``; an IBAN
is compared normalised and a missing one leaves the name; names are compared normalised."""


def _code_table(values: pl.Series, column: str) -> tuple[U64, pl.Series]:
    """For a categorical column: the key hash per physical code, the last entry for null, and
    the normalised text per code (``KEY_COLUMNS``; null for codes the column does not hold).

    Normalising and hashing happen once per distinct value, which is where the regular
    expressions' cost goes; a row then costs one array lookup. The distinct codes come from a
    table indexed by code, a third of the cost of ``unique``.
    """
    present = values.drop_nulls()
    codes = present.to_physical().cast(pl.UInt32).to_numpy().astype(np.int64)
    size = int(codes.max(initial=-1)) + 2
    if size <= 4 * len(codes) + 1024:  # the codes of this column, not of a huge global pool
        at = np.full(size, -1, dtype=np.int64)
        at[codes] = np.arange(len(codes))  # a row of each code (any: they hold one text)
        phys = np.flatnonzero(at >= 0)
        distinct = present.gather(at[phys])
    else:
        distinct = present.unique()
        phys = distinct.to_physical().cast(pl.UInt32).to_numpy().astype(np.int64)
    text = pl.concat([distinct.cast(pl.String), pl.Series([None], dtype=pl.String)])
    normalise, seed = KEY_COLUMNS[column]
    norm = text.to_frame("v").select(normalise.alias("v"))["v"]
    hashed = np.where(norm.is_null().to_numpy(), np.uint64(0), norm.hash(seed).to_numpy())
    table = np.zeros(size, dtype=np.uint64)
    table[phys] = hashed[:-1]
    table[-1] = hashed[-1]
    where = np.full(size, len(phys), dtype=np.int64)  # absent codes: the null entry
    where[phys] = np.arange(len(phys))
    return table, norm.gather(where)


@dataclass(frozen=True)
class KeyHashes:
    """Hash tables of the categorical key columns, built once for the whole input, and their
    normalised texts per code (for :meth:`counterparty_key`)."""

    tables: dict[str, U64]
    texts: dict[str, pl.Series] = field(default_factory=dict)

    @classmethod
    def for_frame(cls, tx: pl.DataFrame) -> KeyHashes:
        built = {c: _code_table(tx[c], c) for c in KEY_COLUMNS if is_categorical(tx[c])}
        return cls({c: t for c, (t, _) in built.items()}, {c: s for c, (_, s) in built.items()})

    def column(self, values: pl.Series, column: str) -> U64:
        """The key hash per row of one column (of the whole input or of a chunk)."""
        table = self.tables.get(column)
        if table is None and column in ("household", "account"):
            plain: U64 = values.fill_null("").hash(KEY_COLUMNS[column][1]).to_numpy()
            return plain  # hashing a string directly beats building a dictionary
        if table is None:
            values = values.cast(pl.Categorical)
            table = _code_table(values, column)[0]
        codes = values.to_physical().cast(pl.UInt32)  # an Enum's codes may be 8 or 16 bits
        out: U64 = table[codes.fill_null(len(table) - 1).to_numpy()]
        return out

    def counterparty_key(self, ibans: pl.Series, names: pl.Series) -> pl.Series:
        """:func:`counterparty_key` from the normalised texts per code, without a regular
        expression per row (which a few hundred thousand series per batch would cost)."""
        iban_text = self.texts.get("counterparty_iban")
        name_text = self.texts.get("counterparty_name")
        if iban_text is None or name_text is None:
            return counterparty_key(ibans, names)

        def text(values: pl.Series, texts: pl.Series) -> pl.Series:
            return texts.gather(values.to_physical().cast(pl.UInt32).fill_null(len(texts) - 1))

        return (
            pl.DataFrame({"i": text(ibans, iban_text), "n": text(names, name_text)})
            .select(pl.coalesce(pl.col("i"), pl.lit("naam:") + pl.col("n")))
            .to_series()
        )


def counterparty_key(ibans: pl.Series, names: pl.Series) -> pl.Series:
    """The readable counterparty key: the normalised IBAN, else ``naam:`` + normalised name."""
    return (
        pl.DataFrame({"i": ibans.cast(pl.String), "n": names.cast(pl.String)})
        .select(
            pl.coalesce(
                normalise_iban(pl.col("i")),
                pl.lit("naam:") + normalise_name(pl.col("n").fill_null("")),
            )
        )
        .to_series()
    )


@dataclass(frozen=True)
class Rows:
    """The input reduced to numbers: row number, key hash, day (since 1970) and amount.

    Only rows with an amount and a booking date; ``ri`` points back into the (chunk) frame.
    """

    ri: I32
    gkey: U64
    day: I32
    amount: I64

    @classmethod
    def from_frame(cls, tx: pl.DataFrame, hashes: KeyHashes) -> Rows:
        day_s = tx["booking_date"].cast(pl.Int32)
        amount = tx["amount_cents"].fill_null(0).to_numpy().astype(np.int64, copy=False)
        usable = amount != 0
        if day_s.null_count():
            usable &= day_s.is_not_null().to_numpy()
        keep = np.flatnonzero(usable).astype(np.int32)
        day = day_s.fill_null(0).to_numpy().astype(np.int32, copy=False)
        iban = hashes.column(tx["counterparty_iban"], "counterparty_iban")
        name = hashes.column(tx["counterparty_name"], "counterparty_name")
        cp: U64 = np.where(iban != 0, iban, name ^ np.uint64(0x9E3779B97F4A7C15))
        del iban, name
        hh = hashes.column(tx["household"], "household")
        acc = hashes.column(tx["account"], "account")
        inbound = (amount > 0).astype(np.uint64)
        with np.errstate(over="ignore"):
            gkey: U64 = (
                hh * np.uint64(0xA24BAED4963EE407)
                + acc * np.uint64(0x9FB21C651E98DF25)
                + cp * np.uint64(0xC13FA9A902A6328F)
                + inbound
            )
            # splitmix64 finaliser: every input bit reaches the high bits used for sorting
            gkey ^= gkey >> np.uint64(30)
            gkey *= np.uint64(0xBF58476D1CE4E5B9)
            gkey ^= gkey >> np.uint64(27)
            gkey *= np.uint64(0x94D049BB133111EB)
            gkey ^= gkey >> np.uint64(31)
        if len(keep) == len(amount):  # every row has an amount and a date: no copies
            return cls(ri=keep, gkey=gkey, day=day, amount=amount)
        return cls(ri=keep, gkey=gkey[keep], day=day[keep], amount=amount[keep])


def last_booking_days(tx: pl.DataFrame) -> pl.DataFrame:
    """``acct`` (account as text, null as ``""``) → ``as_of``: its last booking day (since 1970)
    over the rows detection reads.

    Rows of one account come in runs (a table in store order holds each account's rows
    together): the last day per run is taken first, with one comparison of neighbours, and only
    the runs are grouped by account; any order gives the same result, a shuffled table just has
    more runs. Converted to text after grouping, so a categorical column is never expanded to
    strings per row."""
    usable = tx["amount_cents"].fill_null(0).to_numpy() != 0
    if tx["booking_date"].null_count():
        usable &= tx["booking_date"].is_not_null().to_numpy()
    if usable.all():
        account, day = tx["account"], tx["booking_date"]
    else:
        account, day = tx["account"].filter(usable), tx["booking_date"].filter(usable)
    if not len(account):
        return pl.DataFrame(schema={"acct": pl.String, "as_of": pl.Int64})
    new_run = account.ne_missing(account.shift(1)).fill_null(True).to_numpy()
    new_run[0] = True
    starts = np.flatnonzero(new_run)
    if 4 * len(starts) > len(account):  # hardly any runs (rows out of order): group the rows
        runs = pl.DataFrame({"account": account, "as_of": day}).lazy()
        runs = runs.group_by("account").agg(pl.col("as_of").max())
    else:
        days = day.cast(pl.Int32).to_numpy()
        runs = pl.LazyFrame(
            {"account": account.gather(starts), "as_of": np.maximum.reduceat(days, starts)}
        )
    return (
        runs.group_by(acct=pl.col("account").cast(pl.String).fill_null(""))
        .agg(pl.col("as_of").max().cast(pl.Int32).cast(pl.Int64))
        .collect()
    )


def household_chunks(households: pl.Series, rows: int = CHUNK_ROWS) -> list[slice | Index]:
    """Row selections of about ``rows`` rows each, every household entirely in one of them.

    A table in store order (each household's rows together) is cut into slices, which cost no
    copy; otherwise rows are grouped by household first and each chunk is an index array.
    """
    n = len(households)
    if n <= rows:
        return [slice(0, n)]
    code = _household_code(households)
    change = np.flatnonzero(code[1:] != code[:-1]) + 1
    run_codes = code[np.append(0, change)]
    if len(np.unique(run_codes)) == len(run_codes):  # each household in one run
        return [slice(a, b) for a, b in _cuts(change, n, rows)]
    order = pl.Series(code).arg_sort().to_numpy()
    sorted_code = code[order]
    change = np.flatnonzero(sorted_code[1:] != sorted_code[:-1]) + 1
    return [np.sort(order[a:b]) for a, b in _cuts(change, n, rows)]  # 32-bit, in table order


def _household_code(households: pl.Series) -> npt.NDArray[np.unsignedinteger]:
    """A number per household, null the same as ``""`` (as in the keys): a categorical's
    physical code (32 bits), else a hash."""
    if not is_categorical(households):
        plain: U64 = households.fill_null("").hash(3).to_numpy()
        return plain
    phys = households.to_physical().cast(pl.UInt32)
    if households.null_count():
        empty = phys.filter(households == "")
        phys = phys.fill_null(int(empty[0]) if len(empty) else 2**32 - 1)
    out: npt.NDArray[np.unsignedinteger] = phys.to_numpy()
    return out


def _cuts(change: I64, n: int, rows: int) -> list[tuple[int, int]]:
    """Chunk bounds at household starts (``change``), the first start at or after each multiple
    of ``rows`` (or the last start)."""
    if not len(change):
        return [(0, n)]
    at = change[np.minimum(np.searchsorted(change, np.arange(rows, n, rows)), len(change) - 1)]
    return list(itertools.pairwise(sorted({0, n, *(int(b) for b in at)})))


def map_chunks(work: Callable[[_In], _Out], items: Sequence[_In], threads: int) -> list[_Out]:
    """``[work(i) for i in items]``, on up to ``threads`` threads when there is more than one
    item. One household's month is one chunk: handing it to a pool thread and waiting for it
    costs two thread switches, which on a busy machine are milliseconds of the overview's
    budget of 50."""
    if threads <= 1 or len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(threads, len(items))) as pool:
        return list(pool.map(work, items))
