"""The payer registry per row: where the description decides the payer or its regeling.

Most pairs are decided once (:mod:`budget.classify_pairs`). Two kinds of rows need their
description: rows of a pair whose candidate payers have text patterns (UWV: which uitkering;
a municipality: bijstand or a tax; the Belastingdienst: which toeslag), and rows a ``standalone``
text pattern recognises without any name (``ZORGTOESLAG 2024`` from an unnamed account).

The registry semantics (docs/formats/payers.md) are those of :mod:`budget.classify_registry`:
per candidate payer the *first* of its text patterns that matches counts, a text match in the
description beats a later pattern matched in the name, and a ``requires_text`` payer without
any text match gives way to the next candidate of the chain. Patterns are tried in order on the
rows still without a match only, one ``extract`` per pattern (it says whether the pattern matches
and keeps the matched words for the reason; a ``contains`` first read every matched row twice).
Few rows (one household, as the overview asks) take every pattern in one polars call instead,
since there a call costs more than its rows. The candidate classifications are computed once per
distinct (pair, chosen payer, pattern, matched words, sign) and shared by the rows that have them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from budget.classify_pairs import Base, RowKeys, ketenpartner_expr, registry_reason, rubriek_expr
from budget.classify_picks import LEVEL_REGISTRY, Index, Picks, distinct_rows, has_words
from budget.classify_registry import CHAIN, RegistryTables

I32 = npt.NDArray[np.int32]
ALL = range(CHAIN)
Bools = npt.NDArray[np.bool_]


SMALL = 2_000
"""Up to this many rows (one household's months, as the overview reads them) every pattern runs
on every row in one polars call (:func:`all_hits`): a call costs more than the rows it saves."""


def first_hits(text: pl.Series, patterns: Sequence[str]) -> tuple[I32, pl.Series]:
    """Per text the number of the first pattern that matches (-1: none) and what it matched
    (capture group 1; null without a match)."""
    n = len(text)
    if n <= SMALL:
        return AllHits(all_hits(text, patterns)).first(np.arange(n, dtype=np.int64))
    which = np.full(n, -1, dtype=np.int32)
    found = pl.repeat(None, n, dtype=pl.String, eager=True)
    pending = np.arange(n, dtype=np.int64)
    for k, pattern in enumerate(patterns):
        if not len(pending):
            break
        candidates = text if len(pending) == n else text.gather(pending)
        # One pass per pattern: group 1 is never optional, so null means no match.
        got = candidates.str.extract(pattern, 1)
        hit = got.is_not_null().to_numpy()
        if not hit.any():
            continue
        where = pending[hit]
        which[where] = k
        found = found.scatter(where, got.filter(pl.Series(hit)))
        pending = pending[~hit]
    return which, found


def all_hits(text: pl.Series, patterns: Sequence[str]) -> pl.DataFrame:
    """Per pattern (column ``k``) what it matches in each text (capture group 1), null where it
    does not match: group 1 is never optional, so null means no match."""
    return text.to_frame("t").select(
        pl.col("t").str.extract(pattern, 1).alias(str(k)) for k, pattern in enumerate(patterns)
    )


class AllHits:
    """:func:`all_hits` of few rows as numpy arrays, to read :func:`first_hits` of any rows
    and any run of its columns without another polars call."""

    def __init__(self, hits: pl.DataFrame) -> None:
        self.values = hits.to_numpy().astype(object).reshape(hits.height, hits.width)
        nothing = np.full(self.values.shape, None, dtype=object)
        self.matched = np.not_equal(self.values, nothing).astype(np.bool_)

    def first(self, rows: Index, start: int = 0, stop: int | None = None) -> tuple[I32, pl.Series]:
        """:func:`first_hits` of the texts ``rows`` with the patterns of columns start:stop."""
        matched = self.matched[rows, start:stop]
        if not matched.shape[1]:
            return np.full(len(rows), -1, dtype=np.int32), pl.repeat(
                None, len(rows), dtype=pl.String, eager=True
            )
        found = matched.any(axis=1)
        which = np.where(found, matched.argmax(axis=1), -1).astype(np.int32)
        text = self.values[rows, start:stop][np.arange(len(rows)), np.maximum(which, 0)]
        text[~found] = None
        return which, pl.Series(text.tolist(), dtype=pl.String)


@dataclass(frozen=True, slots=True)
class Chains:
    """The registry's chain of candidate payers per pair as numbers, ``[position, pair]``."""

    payer_ids: tuple[str, ...]  # payer number -> id
    payer: npt.NDArray[np.int16]  # -1: no candidate at this position
    requires: Bools
    on_iban: Bools
    name_gid: I32  # first text pattern of that payer matching the name; -1: none

    @classmethod
    def build(cls, tables: RegistryTables, pairs: pl.DataFrame) -> Chains:
        ids = tuple(sorted(tables.payers))
        number = {pid: i for i, pid in enumerate(ids)}
        requires = [p.id for p in tables.payers.values() if p.requires_text]
        frame = pairs.select(
            *(
                pl.col(f"c{i}_payer")
                .replace_strict(number, default=-1, return_dtype=pl.Int16)
                .alias(f"p{i}")
                for i in range(CHAIN)
            ),
            *(pl.col(f"c{i}_payer").is_in(requires).fill_null(False).alias(f"r{i}") for i in ALL),
            *((pl.col(f"c{i}_on") == "iban").fill_null(False).alias(f"o{i}") for i in ALL),
            *(pl.col(f"c{i}_name_text").fill_null(-1).cast(pl.Int32).alias(f"n{i}") for i in ALL),
        )

        def stack(prefix: str, dtype: type[np.generic]) -> npt.NDArray[Any]:
            columns = [frame.get_column(f"{prefix}{i}").to_numpy() for i in ALL]
            return np.stack(columns).astype(dtype)

        return cls(
            ids,
            stack("p", np.int16),
            stack("r", np.bool_),
            stack("o", np.bool_),
            stack("n", np.int32),
        )

    def subset(self, pairs: Index) -> Chains:
        """The same for some pairs only, numbered as in :meth:`Base.subset`."""
        return Chains(
            self.payer_ids,
            self.payer[:, pairs],
            self.requires[:, pairs],
            self.on_iban[:, pairs],
            self.name_gid[:, pairs],
        )


def apply_registry(
    tables: RegistryTables,
    base: Base,
    chains: Chains,
    picks: Picks,
    frame: pl.DataFrame,
    keys: RowKeys,
) -> tuple[Index, pl.Series]:
    """Rows whose payer depends on the description, then payers recognised by text alone.

    Returns the rows no registry source classified (what the heuristics may still classify;
    levels only rise) with their descriptions, so those are gathered once."""
    pair_id = keys.pair
    rows = picks.open(base.text[pair_id], LEVEL_REGISTRY)
    description = frame.get_column("description")
    negative = (frame.get_column("amount_cents") < 0).fill_null(False).to_numpy()
    if len(rows):
        _chain_rows(tables, base, chains, picks, rows, description, negative, pair_id)
    rows = picks.open(np.ones(len(pair_id), dtype=np.bool_), LEVEL_REGISTRY)
    texts = description.gather(rows)
    words = tables.standalone_words
    if words == ():
        return rows, texts
    found = rows
    if words is not None:
        found = rows[has_words(texts, words)]
    if len(found):
        _standalone_rows(tables, base, picks, found, description, negative, pair_id)
    return rows, texts


def _chain_rows(
    tables: RegistryTables,
    base: Base,
    chains: Chains,
    picks: Picks,
    rows: Index,
    description: pl.Series,
    negative: Bools,
    pair_id: Index,
) -> None:
    pid = pair_id[rows]
    payer = chains.payer[:, pid]
    n = len(rows)
    desc = description.gather(rows)
    hit_gid: dict[int, I32] = {}
    hit_text: dict[int, tuple[Index, pl.Series]] = {}
    present = [
        p for p in np.unique(payer[payer >= 0]).tolist() if tables.texts[chains.payer_ids[p]]
    ]
    # Few rows: every present payer's patterns on every row in one call, each payer's rows
    # read from it; else per payer on its own rows.
    table = None
    if n <= SMALL and present:
        every = [r.polars_regex for p in present for r in tables.texts[chains.payer_ids[p]]]
        table = AllHits(all_hits(desc, every))
    column = 0
    for p in present:
        rules = tables.texts[chains.payer_ids[p]]
        at = np.flatnonzero(np.logical_or.reduce([position == p for position in payer]))
        if table is None:
            k, text = first_hits(desc.gather(at), [r.polars_regex for r in rules])
        else:
            k, text = table.first(at, column, column + len(rules))
        column += len(rules)
        gids = np.array([r.gid for r in rules], dtype=np.int32)
        full = np.full(n, -1, dtype=np.int32)
        full[at] = np.where(k >= 0, gids[np.maximum(k, 0)], -1)
        hit_gid[p], hit_text[p] = full, (at, text)
    gid = np.full((CHAIN, n), -1, dtype=np.int32)
    from_desc = np.zeros((CHAIN, n), dtype=np.bool_)
    ok = np.zeros((CHAIN, n), dtype=np.bool_)
    for i in range(CHAIN):
        desc_gid = np.full(n, -1, dtype=np.int32)
        for p, full in hit_gid.items():
            here = payer[i] == p
            desc_gid[here] = full[here]
        name_gid = chains.name_gid[i, pid]
        both = np.minimum(desc_gid, name_gid)
        gid[i] = np.where(desc_gid < 0, name_gid, np.where(name_gid < 0, desc_gid, both))
        from_desc[i] = (desc_gid >= 0) & ((name_gid < 0) | (desc_gid <= name_gid))
        decided = chains.on_iban[i, pid] | (gid[i] >= 0)
        ok[i] = (payer[i] >= 0) & (~chains.requires[i, pid] | decided)
    pick = np.full(n, -1, dtype=np.int64)
    for i in reversed(range(CHAIN)):
        pick[ok[i]] = i
    found = np.flatnonzero(pick >= 0)
    if not len(found):
        return
    pick = pick[found]
    chosen_gid = gid[pick, found]
    chosen_payer = payer[pick, found]
    text = pl.repeat(None, len(found), dtype=pl.String, eager=True)
    said = from_desc[pick, found]
    for p, (at, texts) in hit_text.items():
        here = np.flatnonzero(said & (chosen_payer == p))
        if len(here):
            text = text.scatter(here, texts.gather(np.searchsorted(at, found[here])))
    keys = pl.DataFrame(
        {
            "_pair": pid[found],
            "_pick": pick.astype(np.int8),
            "_gid": pl.Series(chosen_gid).replace(-1, None),
            "_neg": negative[rows[found]],
            "_text": text,
        }
    )
    unique, which = distinct_rows(keys)
    values = _chain_values(tables, base, unique)
    picks.add(rows[found], LEVEL_REGISTRY, values, which)


def _chain_values(tables: RegistryTables, base: Base, unique: pl.DataFrame) -> pl.DataFrame:
    """Registry candidates for distinct (pair, chain position, pattern, words, sign)."""
    pairs = base.pairs[unique.get_column("_pair").to_numpy()]
    work = pl.concat([unique, pairs], how="horizontal").select(_chain_exprs(tables))
    return registry_values(tables, work)


@functools.cache
def _chain_exprs(tables: RegistryTables) -> list[pl.Expr]:
    """The columns :func:`registry_values` reads, from the chosen chain position and pattern;
    built once per registry (expressions are immutable, so threads share them)."""

    def chosen(field: str) -> pl.Expr:
        expr: pl.Expr = pl.lit(None, pl.String)
        for i in reversed(range(CHAIN)):
            expr = pl.when(pl.col("_pick") == i).then(pl.col(f"c{i}_{field}")).otherwise(expr)
        return expr

    rules = tables.rules.values()
    regeling_of = {r.gid: r.regeling for r in rules if r.regeling}
    kind_of = {r.gid: str(r.kind) for r in rules if r.kind is not None}
    gid = pl.col("_gid")
    by_text = gid.replace_strict(regeling_of, default=None, return_dtype=pl.String)
    return [
        pl.col("counterparty_name"),
        pl.col("_neg"),
        chosen("payer").alias("payer"),
        chosen("on").alias("on"),
        chosen("evidence").alias("evidence"),
        pl.coalesce(
            gid.replace_strict(kind_of, default=None, return_dtype=pl.String), chosen("kind")
        ).alias("kind"),
        pl.coalesce(by_text, chosen("regeling")).alias("regeling"),
        pl.when(by_text.is_not_null()).then(pl.col("_text")).alias("regeling_text"),
    ]


def registry_values(tables: RegistryTables, work: pl.DataFrame) -> pl.DataFrame:
    """The five columns from ``payer``, ``on``, ``evidence``, ``kind``, ``regeling``,
    ``regeling_text``, the counterparty name and the sign (``_neg``)."""
    kp, out = _value_exprs(tables)
    return work.with_columns(kp).select(out)


@functools.cache
def _value_exprs(tables: RegistryTables) -> tuple[pl.Expr, list[pl.Expr]]:
    """The expressions of :func:`registry_values`, built once per registry."""
    kp = ketenpartner_expr(tables, pl.col("payer"), pl.col("kind"), pl.col("counterparty_name"))
    amount = pl.when(pl.col("_neg")).then(pl.lit(-1)).otherwise(pl.lit(0))
    return kp.alias("ketenpartner"), [
        pl.col("ketenpartner"),
        rubriek_expr(pl.col("kind"), pl.col("regeling"), amount).alias("rubriek"),
        pl.col("regeling"),
        pl.concat_str(pl.lit("register:"), pl.col("payer")).alias("rule_id"),
        registry_reason(
            pl.col("ketenpartner"),
            pl.col("on"),
            pl.col("evidence"),
            pl.col("regeling"),
            pl.col("regeling_text"),
        ).alias("reason"),
    ]


def _standalone_rows(
    tables: RegistryTables,
    base: Base,
    picks: Picks,
    rows: Index,
    description: pl.Series,
    negative: Bools,
    pair_id: Index,
) -> None:
    rules = tables.standalone
    k, text = first_hits(description.gather(rows), [r.polars_regex for r in rules])
    found = np.flatnonzero(k >= 0)
    if not len(found):
        return
    keys = pl.DataFrame(
        {
            "_pair": pair_id[rows[found]],
            "_k": k[found],
            "_neg": negative[rows[found]],
            "_text": text.gather(found),
        }
    )
    unique, which = distinct_rows(keys)
    number = {i: r.payer_id for i, r in enumerate(rules)}
    kinds = {i: str(r.kind or tables.payers[r.payer_id].kind) for i, r in enumerate(rules)}
    regelingen = {i: r.regeling for i, r in enumerate(rules)}
    rule = pl.col("_k")
    work = pl.concat(
        [unique, base.pairs.select("counterparty_name")[unique.get_column("_pair").to_numpy()]],
        how="horizontal",
    ).select(
        "counterparty_name",
        "_neg",
        rule.replace_strict(number, return_dtype=pl.String).alias("payer"),
        pl.lit("text").alias("on"),
        pl.col("_text").alias("evidence"),
        rule.replace_strict(kinds, return_dtype=pl.String).alias("kind"),
        rule.replace_strict(regelingen, default=None, return_dtype=pl.String).alias("regeling"),
        pl.lit(None, pl.String).alias("regeling_text"),
    )
    picks.add(rows[found], LEVEL_REGISTRY, registry_values(tables, work), which)
