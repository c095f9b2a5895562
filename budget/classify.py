"""Every transaction gets a ketenpartner, a rubriek, the regeling where known, and the reason why.

``classify(transactions, rules, registry=None)`` adds the columns of :data:`CLASSIFICATION_SCHEMA`
to the canonical table (:data:`ingest.canonical.TRANSACTION_SCHEMA`). Sources, strongest first;
each row takes the strongest source that applies (the *level* below):

====== ======================================================================================
level  source (rule_id)
====== ======================================================================================
8      coach rule on this one transaction (``coach:<id>``)
7      coach rule on the counterparty IBAN, for that household (``coach:<id>``)
6      coach rule on the normalised counterparty name, for that household (``coach:<id>``)
5      transfer between two accounts of the same household (``eigen_rekening``); stays leefgeld
       when the transfer is leefgeld (below)
4      payer registry: verified IBAN, name, text (``register:<payer id>``)
3      leefgeld: the description says "leefgeld" (``leefgeld:tekst``); a transfer to (or, on the
       receiving account, from) the account that gets the leefgeld (``leefgeld:rekening``); at
       least four transfers to one personal account a week apart (``leefgeld:wekelijks``).
       Ketenpartner "Huishoudboekje", as in the coach's month overview
2      cash withdrawal (``contant``); payment at a supermarket or drugstore, recognised by the
       counterparty name or, for a card payment without a name, the description
       (``boodschappen``); a known debt collector (``schuldeiser``) or insurer (``verzekeraar``)
1      money in whose description says salaris/loon (``inkomen``); money out whose description
       says betalingsregeling/aflossing (``aflossing``)
0      nothing applies: rubriek overig, ketenpartner the counterparty's name (``overig``)
====== ======================================================================================

How it stays fast (20-40 million rows, two cores): every row gets a number for its (IBAN, name)
pair from categorical codes (:mod:`budget.classify_pairs`); the registry and the name lists run
once per distinct pair (:mod:`budget.classify_registry`), giving each pair a default candidate
classification. Then, per chunk of whole households and two chunks at a time, each stronger
source finds the (small) set of rows it may still classify, reads only their descriptions, and
points them at a candidate that is made once per distinct answer (:mod:`budget.classify_picks`):
the registry's text patterns (:mod:`budget.classify_sources`), the rules of thumb
(:mod:`budget.classify_heuristics`) and the coach's rules (:mod:`budget.classify_rules`). The five
output columns are gathered once at the end. No Python code runs per transaction, and the
chunking never changes a result: every source looks within one household.

One household's months (the coach's overview, tens of rows) cost polars calls rather than rows,
so there the per-pair work is kept for the next call with the same pairs (:func:`_pair_tables`),
the registry's text patterns run in one call (:data:`budget.classify_sources.SMALL`) and the
expressions built from the registry are built once.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final

import numpy as np
import polars as pl

from budget.categories import RUBRIEKEN, Rubriek
from budget.classify_heuristics import apply_heuristics
from budget.classify_pairs import KEY, PAIR_COLUMNS, U64, Base, Codes, RowKeys, pair_keys
from budget.classify_picks import Index, Picks
from budget.classify_registry import RegistryTables, pair_frame
from budget.classify_rules import active_rules, apply_rules
from budget.classify_sources import Chains, apply_registry
from budget.recurring_keys import CHUNK_ROWS, household_chunks, map_chunks
from budget.recurring_keys import Index as Rows
from ingest.canonical import TRANSACTION_SCHEMA
from ingest.payers import PayerRegistry, default_registry

RUBRIEK_DTYPE: Final = pl.Enum(list(RUBRIEKEN))

CLASSIFICATION_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "ketenpartner": pl.String,
    "rubriek": RUBRIEK_DTYPE,
    "regeling": pl.String,
    "rule_id": pl.String,
    "reason": pl.String,
}
"""The columns :func:`classify` adds; ``reason`` is a short Dutch sentence for the coach."""

CLASSIFIED_SCHEMA: Final = TRANSACTION_SCHEMA | CLASSIFICATION_SCHEMA


class RuleMatch(StrEnum):
    """What a coach rule matches on, for the household it belongs to."""

    IBAN = "iban"
    NAAM = "naam"
    TRANSACTIE = "transactie"


@dataclass(frozen=True, slots=True)
class Rule:
    """A coach's correction, kept as a rule so later imports are classified the same way.

    ``value`` is the IBAN, the normalised name (:func:`normalise_name`) or the transaction key;
    ``ketenpartner`` None keeps the one the classifier finds.
    """

    id: int
    household: str
    match: RuleMatch
    value: str
    rubriek: Rubriek
    ketenpartner: str | None
    created_by: str
    created_at: dt.datetime
    withdrawn_at: dt.datetime | None = None
    withdrawn_by: str | None = None


RULE_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "id": pl.Int64,
    "household": pl.String,
    "match": pl.String,
    "value": pl.String,
    "rubriek": pl.String,
    "ketenpartner": pl.String,
    "created_by": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
    "withdrawn_at": pl.Datetime("us", "UTC"),
    "withdrawn_by": pl.String,
}


def rules_frame(rules: Sequence[Rule]) -> pl.DataFrame:
    """Rules as the table :func:`classify` takes (withdrawn ones are ignored there)."""

    def utc(value: dt.datetime | None) -> dt.datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=dt.UTC)

    return pl.DataFrame(
        [
            (
                r.id,
                r.household,
                str(r.match),
                r.value,
                str(r.rubriek),
                r.ketenpartner,
                r.created_by,
                utc(r.created_at),
                utc(r.withdrawn_at),
                r.withdrawn_by,
            )
            for r in rules
        ],
        schema=RULE_SCHEMA,
        orient="row",
    )


def normalise_names(names: pl.Series) -> pl.Series:
    """Upper case, punctuation to spaces, numbers dropped: 'Albert Heijn 1432' -> 'ALBERT HEIJN'.

    A name rule matches on this, so a shop's branch number or a changed spelling of
    punctuation does not break it.
    """
    return (
        names.str.to_uppercase()
        .str.replace_all(r"[^\p{L}\p{N}]+", " ")
        .str.split(" ")
        .list.eval(pl.element().filter(~pl.element().str.contains(r"^\d*$")))
        .list.join(" ")
    )


def normalise_name(name: str) -> str:
    result = normalise_names(pl.Series([name], dtype=pl.String))[0]
    return str(result or "")


_REGISTRIES: dict[int, tuple[PayerRegistry, RegistryTables]] = {}


def _tables(registry: PayerRegistry) -> RegistryTables:
    """Compiled tables, cached per registry object (the default registry is built once)."""
    cached = _REGISTRIES.get(id(registry))
    if cached is None or cached[0] is not registry:
        cached = (registry, RegistryTables(registry))
        _REGISTRIES[id(registry)] = cached
    return cached[1]


PAIR_CACHE_PAIRS = 1_000
"""Tables with at most this many distinct pairs (one household) keep what the registry and the
name lists say about their pairs (:func:`_pair_tables`) for the next call with the same pairs:
the overview of a household asks the same again for every month it shows."""
PAIR_CACHE_SIZE = 256
_PAIR_CACHE: OrderedDict[
    tuple[RegistryTables, tuple[tuple[str | None, str | None], ...]],
    tuple[pl.DataFrame, Base, Chains],
] = OrderedDict()
_PAIR_LOCK = threading.Lock()


def _pair_tables(
    tables: RegistryTables, distinct: pl.DataFrame
) -> tuple[pl.DataFrame, Base, Chains]:
    """The registry columns of the distinct pairs (``distinct``: the pair columns and their
    ``KEY``), their :class:`Base` and :class:`Chains`; for few pairs from a small cache, since
    they depend on the pairs' IBAN and name only (the IBAN codes in :class:`Base` come from
    this call's keys)."""
    keys = distinct.get_column(KEY)
    small = distinct.height <= PAIR_CACHE_PAIRS
    if small:
        named = tuple(distinct.select(PAIR_COLUMNS).iter_rows())
        cache_key = (tables, named)
        with _PAIR_LOCK:
            found = _PAIR_CACHE.get(cache_key)
            if found is not None:
                _PAIR_CACHE.move_to_end(cache_key)
        if found is not None:
            pairs, base, chains = found
            return pairs, replace(base, iban=keys.to_numpy() >> np.uint64(32)), chains
    pairs = pair_frame(tables, distinct.select(PAIR_COLUMNS))
    base = Base.build(tables, pairs, keys)
    chains = Chains.build(tables, pairs)
    if small:
        with _PAIR_LOCK:
            _PAIR_CACHE[cache_key] = (pairs, base, chains)
            while len(_PAIR_CACHE) > PAIR_CACHE_SIZE:
                _PAIR_CACHE.popitem(last=False)
    return pairs, base, chains


THREADS = int(os.environ.get("HHB_CLASSIFY_THREADS", "2"))
"""Chunks classified at the same time: polars releases the GIL in its loops, and most of the
work per chunk (word scans, regexes, gathers) runs on one core, so two threads keep both cores
of the target machine busy. ``HHB_CLASSIFY_THREADS=1`` classifies chunks one by one."""

INPUT_COLUMNS: Final = (
    "household",
    "account",
    "booking_date",
    "amount_cents",
    "counterparty_iban",
    "counterparty_name",
    "description",
    "bank_transaction_code",
    "tx_key",
)
"""The columns classification reads; ``household``, ``account``, ``counterparty_iban`` and
``counterparty_name`` may be ``Categorical`` (cheaper to hold, and their codes are free)."""
TEXT_COLUMNS: Final = ("description", "bank_transaction_code", "tx_key")


@dataclass(frozen=True, slots=True)
class _Shared:
    """What the chunks share, built once per call."""

    tables: RegistryTables
    base: Base
    codes: Codes
    chains: Chains
    rules: pl.DataFrame
    names: pl.Series | None


def classify(
    transactions: pl.DataFrame,
    rules: pl.DataFrame | Sequence[Rule],
    registry: PayerRegistry | None = None,
) -> pl.DataFrame:
    """The canonical table with :data:`CLASSIFICATION_SCHEMA` added, rows in the same order.

    Works per chunk of whole households (:func:`budget.recurring_keys.household_chunks`), which
    changes memory and speed, never the result.
    """
    tables = _tables(registry or default_registry())
    rule_table = rules if isinstance(rules, pl.DataFrame) else rules_frame(rules)
    df = transactions
    if df.height == 0:
        return df.with_columns(
            pl.lit(None, dtype).alias(name) for name, dtype in CLASSIFICATION_SCHEMA.items()
        )
    work = df.select(INPUT_COLUMNS)
    chunks = household_chunks(work.get_column("household"), CHUNK_ROWS)

    def part(rows: slice | Rows, columns: Sequence[str]) -> pl.DataFrame:
        if isinstance(rows, slice):
            return work.select(columns)[rows]
        return work.select(pl.col(columns).gather(rows))

    codes = Codes(work.schema)
    # 1. Per chunk: a pair key per row and the chunk's distinct pairs.
    keyed = map_chunks(lambda r: pair_keys(part(r, PAIR_COLUMNS), codes), chunks, THREADS)
    # 2. Once: the table's distinct pairs, what the registry and name lists say about each,
    # and where each chunk's pairs are among them.
    found = pl.concat([k[1] for k in keyed])
    distinct = found.unique(KEY, keep="first", maintain_order=True)
    place = found.join(
        distinct.select(KEY).with_row_index("_pair"), on=KEY, how="left", maintain_order="left"
    )
    index = place.get_column("_pair").to_numpy().astype(np.int64)
    bounds = np.cumsum([0] + [k[1].height for k in keyed])
    pairs, base, chains = _pair_tables(tables, distinct)
    active = active_rules(rule_table)
    naam = active.filter(pl.col("match") == "naam").height > 0
    shared = _Shared(
        tables,
        base,
        codes,
        chains,
        active,
        normalise_names(pairs.get_column("counterparty_name")) if naam else None,
    )

    # 3. Per chunk: every source on its rows.
    def one(job: int) -> pl.DataFrame:
        key, chunk_pairs = keyed[job]
        places = index[bounds[job] : bounds[job + 1]]
        frame = part(chunks[job], INPUT_COLUMNS)
        return _classify_chunk(shared, frame, key, chunk_pairs.get_column(KEY), places)

    results = map_chunks(one, range(len(chunks)), THREADS)
    out = pl.concat(results, rechunk=False)
    if not isinstance(chunks[0], slice):
        order = np.concatenate([c for c in chunks if not isinstance(c, slice)])
        out = out[np.argsort(order)]
    return df.hstack(out.get_columns())


def _classify_chunk(
    shared: _Shared, frame: pl.DataFrame, key: U64, chunk_keys: pl.Series, places: Index
) -> pl.DataFrame:
    """One chunk; ``chunk_keys`` are its distinct pairs, ``places`` their rows in the table's."""
    text = [c for c in TEXT_COLUMNS if isinstance(frame.schema[c], pl.Categorical | pl.Enum)]
    frame = frame.with_columns(pl.col(text).cast(pl.String))
    base = shared.base.subset(places)
    keys = RowKeys.of(frame, key, chunk_keys, shared.codes)
    picks = Picks(base.table, keys.pair.copy(), base.level[keys.pair])
    unclaimed = apply_registry(
        shared.tables, base, shared.chains.subset(places), picks, frame, keys
    )
    apply_heuristics(base, picks, frame, keys, unclaimed)
    names = None if shared.names is None else shared.names.gather(places)
    apply_rules(base, picks, frame, keys, shared.rules, names)
    return picks.result(RUBRIEK_DTYPE)
