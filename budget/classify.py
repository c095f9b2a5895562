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

How it stays fast (20-40 million rows): the registry and the name lists run once per distinct
(IBAN, name) pair (:mod:`budget.classify_registry`); every row then *points* at a candidate
classification: first its pair's, then a candidate computed for the (small) subset of rows a
stronger source applies to. Only the pointer array is written per source; the five output
columns are gathered once at the end. No Python code runs per transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from budget import categories as cat
from budget.categories import RUBRIEKEN, Rubriek
from budget.classify_registry import CHAIN, RegistryTables, pair_frame
from budget.classify_sources import (
    Picks,
    apply_heuristics,
    apply_registry,
    apply_rules,
    brand,
    ketenpartner_expr,
    registry_reason,
    rubriek_expr,
)
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


def classify(
    transactions: pl.DataFrame,
    rules: pl.DataFrame | Sequence[Rule],
    registry: PayerRegistry | None = None,
) -> pl.DataFrame:
    """The canonical table with :data:`CLASSIFICATION_SCHEMA` added, rows in the same order."""
    tables = _tables(registry or default_registry())
    rule_table = rules if isinstance(rules, pl.DataFrame) else rules_frame(rules)
    df = transactions
    if df.height == 0:
        return df.with_columns(
            pl.lit(None, dtype).alias(name) for name, dtype in CLASSIFICATION_SCHEMA.items()
        )
    keys = df.select("counterparty_iban", "counterparty_name")
    pairs = pair_frame(tables, keys.unique())
    pair_id: npt.NDArray[np.int64] = (
        keys.join(
            pairs.select("counterparty_iban", "counterparty_name").with_row_index("_pair"),
            on=["counterparty_iban", "counterparty_name"],
            how="left",
            nulls_equal=True,
            maintain_order="left",
        )
        .get_column("_pair")
        .to_numpy()
        .astype(np.int64)
    )
    defaults, levels, text_pair = _pair_defaults(tables, pairs)
    picks = Picks(defaults, pair_id, levels)
    needs_text = text_pair[pair_id]
    apply_registry(tables, picks, df, pairs, pair_id, needs_text)
    apply_heuristics(picks, df, pairs, pair_id)
    apply_rules(picks, df, pairs, pair_id, rule_table, normalise_names)
    return df.hstack(picks.result().select(list(CLASSIFICATION_SCHEMA)).get_columns())


def _pair_defaults(
    tables: RegistryTables, pairs: pl.DataFrame
) -> tuple[pl.DataFrame, npt.NDArray[np.int8], npt.NDArray[np.bool_]]:
    """One candidate per pair (registry without text, a name list, or overig) and its level.

    Pairs whose chain holds a payer with text patterns are decided per row (level stays 0 here;
    :func:`budget.classify_sources.apply_registry` does them).
    """
    in_chain = pl.any_horizontal(
        pl.col(f"c{i}_payer").is_in(list(tables.text_payers)).fill_null(False) for i in range(CHAIN)
    )
    plain = pl.col("c0_payer").is_not_null() & ~in_chain
    name = pl.col("counterparty_name")
    shop = brand(name, cat.SUPERMARKETS)
    creditor = brand(name, cat.CREDITORS)
    insurer = brand(name, cat.INSURERS)
    display = pl.coalesce(name.str.strip_chars().replace("", None), pl.lit(cat.ONBEKEND))
    kp = ketenpartner_expr(tables, pl.col("c0_payer"), pl.col("c0_kind"), name)
    regeling = pl.col("c0_regeling")
    frame = pairs.select(
        in_chain.alias("_text"),
        pl.when(plain)
        .then(4)
        .when(shop.is_not_null() | creditor.is_not_null() | insurer.is_not_null())
        .then(2)
        .otherwise(0)
        .cast(pl.Int8)
        .alias("_level"),
        pl.when(plain)
        .then(kp)
        .when(shop.is_not_null())
        .then(shop)
        .when(creditor.is_not_null())
        .then(pl.coalesce(creditor.replace("", None), display))
        .when(insurer.is_not_null())
        .then(insurer)
        .otherwise(display)
        .alias("ketenpartner"),
        pl.when(plain)
        .then(rubriek_expr(pl.col("c0_kind"), regeling, pl.lit(-1)))
        .when(shop.is_not_null())
        .then(pl.lit(Rubriek.BOODSCHAPPEN.value))
        .when(creditor.is_not_null())
        .then(pl.lit(Rubriek.AFLOSSING_SCHULDEN.value))
        .when(insurer.is_not_null())
        .then(pl.lit(Rubriek.VERZEKERINGEN.value))
        .otherwise(pl.lit(Rubriek.OVERIG.value))
        .alias("rubriek"),
        pl.when(plain).then(regeling).alias("regeling"),
        pl.when(plain)
        .then(pl.concat_str(pl.lit("register:"), pl.col("c0_payer")))
        .when(shop.is_not_null())
        .then(pl.lit("boodschappen"))
        .when(creditor.is_not_null())
        .then(pl.lit("schuldeiser"))
        .when(insurer.is_not_null())
        .then(pl.lit("verzekeraar"))
        .otherwise(pl.lit("overig"))
        .alias("rule_id"),
        pl.when(plain)
        .then(
            registry_reason(
                kp, pl.col("c0_on"), pl.col("c0_evidence"), regeling, pl.lit(None, pl.String)
            )
        )
        .when(shop.is_not_null())
        .then(
            pl.concat_str(
                pl.lit("betaling aan "), shop, pl.lit(" (supermarkt of drogist): boodschappen")
            )
        )
        .when(creditor.is_not_null())
        .then(
            pl.concat_str(
                pl.lit("betaling aan schuldeiser of incassobureau '"), display, pl.lit("'")
            )
        )
        .when(insurer.is_not_null())
        .then(pl.concat_str(pl.lit("betaling aan verzekeraar "), insurer))
        .otherwise(pl.lit("niet herkend: geen regel, betaler of vuistregel past"))
        .alias("reason"),
    )
    levels = frame.get_column("_level").to_numpy().astype(np.int8)
    text = frame.get_column("_text").to_numpy().astype(np.bool_)
    return frame.drop("_level", "_text"), levels, text
