"""Coach rules, the strongest source: on the normalised name, then the IBAN, then one transaction.

A rule belongs to one household. The latest active rule per (household, match, value) counts
(:func:`active_rules`, once per call); which rows a name or IBAN rule can touch is decided per
pair, so only transaction rules look at every row (their ``tx_key``), and only when there are any.
"""

from __future__ import annotations

import polars as pl

from budget.classify_pairs import Base, RowKeys
from budget.classify_picks import (
    LEVEL_RULE_IBAN,
    LEVEL_RULE_NAME,
    LEVEL_RULE_TX,
    Index,
    Picks,
    mask_of,
)


def _households(frame: pl.DataFrame, rows: Index) -> pl.Series:
    """The household of ``rows`` as plain strings, to join with the rules."""
    return frame.get_column("household").gather(rows).cast(pl.String)


def active_rules(rules: pl.DataFrame) -> pl.DataFrame:
    """The rules that count, each with the reason a coach reads (``_reason``)."""
    text = ["household", "match", "value", "rubriek", "ketenpartner", "created_by"]
    if not rules.height:  # the same empty table, without the steps below (a household's call)
        return rules.with_columns(
            pl.col(text).cast(pl.String), pl.lit(None, pl.String).alias("_reason")
        )
    active = (
        rules.with_columns(pl.col(text).cast(pl.String))
        .filter(pl.col("withdrawn_at").is_null())
        .sort("id")
        .unique(["household", "match", "value"], keep="last", maintain_order=True)
    )
    when = pl.col("created_at").dt.convert_time_zone("Europe/Amsterdam").dt.strftime("%d-%m-%Y")
    what = (
        pl.when(pl.col("match") == "iban")
        .then(pl.concat_str(pl.lit("IBAN "), pl.col("value")))
        .when(pl.col("match") == "naam")
        .then(pl.concat_str(pl.lit("naam '"), pl.col("value"), pl.lit("'")))
        .otherwise(pl.lit("deze transactie"))
    )
    return active.with_columns(
        pl.concat_str(
            pl.lit("regel van coach "),
            pl.col("created_by"),
            pl.lit(" van "),
            when,
            pl.lit(": "),
            what,
            pl.lit(" is "),
            pl.col("rubriek"),
            pl.when(pl.col("ketenpartner").is_not_null()).then(
                pl.concat_str(pl.lit(", ketenpartner "), pl.col("ketenpartner"))
            ),
            ignore_nulls=True,
        ).alias("_reason"),
    )


def apply_rules(
    base: Base,
    picks: Picks,
    frame: pl.DataFrame,
    keys: RowKeys,
    active: pl.DataFrame,
    names: pl.Series | None,
) -> None:
    """Coach rules of each household; ``names`` are the pairs' normalised names (needed only
    when there are name rules)."""
    if not active.height:
        return
    for match, level in (
        ("naam", LEVEL_RULE_NAME),
        ("iban", LEVEL_RULE_IBAN),
        ("transactie", LEVEL_RULE_TX),
    ):
        chosen = active.filter(pl.col("match") == match)
        if not chosen.height:
            continue
        values = chosen.get_column("value").implode()
        if match == "transactie":
            key = frame.get_column("tx_key").cast(pl.String)
            rows = picks.open(mask_of(key.to_frame("k"), pl.col("k").is_in(values)), level)
            value = key.gather(rows)
        else:
            by_pair = names if match == "naam" else base.pairs.get_column("counterparty_iban")
            assert by_pair is not None
            hit = mask_of(by_pair.to_frame("k"), pl.col("k").is_in(values))
            rows = picks.open(hit[keys.pair], level)
            value = by_pair.gather(keys.pair[rows])
        if len(rows):
            keyed = pl.DataFrame({"household": _households(frame, rows), "_key": value})
            _apply(picks, rows, keyed, chosen, level)


def _apply(picks: Picks, idx: Index, keyed: pl.DataFrame, rules: pl.DataFrame, level: int) -> None:
    sub = keyed.with_row_index("_i")
    hit = sub.join(rules, left_on=["household", "_key"], right_on=["household", "value"])
    hit = hit.sort("_i")
    rows = idx[hit.get_column("_i").to_numpy().astype("int64")]
    if not len(rows):
        return
    now = picks.current(rows)
    frame = pl.DataFrame(
        {
            "rule_kp": hit.get_column("ketenpartner"),
            "rubriek": hit.get_column("rubriek"),
            "id": hit.get_column("id"),
            "reason": hit.get_column("_reason"),
            "now_kp": now.get_column("ketenpartner"),
            "now_rubriek": now.get_column("rubriek"),
            "now_regeling": now.get_column("regeling"),
        }
    )
    picks.add(
        rows,
        level,
        frame.select(
            pl.coalesce("rule_kp", "now_kp").alias("ketenpartner"),
            "rubriek",
            pl.when(pl.col("now_rubriek") == pl.col("rubriek"))
            .then("now_regeling")
            .alias("regeling"),
            pl.concat_str(pl.lit("coach:"), pl.col("id").cast(pl.String)).alias("rule_id"),
            "reason",
        ),
    )
