"""The distinct (IBAN, name) pairs of a table, and what is decided once per pair.

A household has a few dozen counterparties and a municipality's table a few hundred thousand,
against tens of millions of rows. So every row gets a pair number (:func:`pair_keys`, then
:func:`pair_ids`) from the counterparty's IBAN and name as categorical codes (:class:`Codes`):
numbers, exact, each string hashed once per row and then never again; household and account get
codes in the same space, so the heuristics join and compare numbers (:class:`RowKeys`), and since
a household's and an account's rows stand together, only the first row of each run of them is
looked up (:meth:`Codes.runs`). What
depends only on the pair (the payer registry without the description, the brand lists, the
coach's name for the counterparty) is computed on the pair table: :class:`Base` holds it, with
one default candidate classification per pair that every row starts from, and the fixed answers
that many rows share (leefgeld, cash, a supermarket).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from budget import categories as cat
from budget.categories import KIND_RUBRIEK, Rubriek
from budget.classify_picks import OUT, Index, as_strings
from budget.classify_registry import CHAIN, RegistryTables

U64 = npt.NDArray[np.uint64]
KEY: Final = "_key"
PAIR_COLUMNS: Final = ("counterparty_iban", "counterparty_name")
KEY_COLUMNS: Final = ("household", "account", *PAIR_COLUMNS)


class Codes:
    """Numbers for the key columns (household, account, counterparty IBAN and name), 0 for null.

    One code space for all four, so an account and a counterparty IBAN with the same text get
    the same number (own accounts, leefgeld links) and equal numbers are equal texts, exactly.
    Columns that arrive as one categorical type already share a code space and are used as
    they are; strings are cast to a categorical mapping private to this call (kept alive as long
    as this object, so every chunk gets the same codes); other categoricals are translated to
    it once per distinct value.
    """

    def __init__(self, schema: pl.Schema) -> None:
        dtypes = {schema[c] for c in KEY_COLUMNS}
        dtype = next(iter(dtypes))
        self.direct = len(dtypes) == 1 and isinstance(dtype, pl.Categorical | pl.Enum)
        self.categories = pl.Categories.random()
        self._alive = pl.Series([], dtype=pl.Categorical(self.categories))

    def __call__(self, values: pl.Series) -> U64:
        if self.direct:
            physical = values.to_physical()
        elif isinstance(values.dtype, pl.Categorical | pl.Enum):
            distinct = values.unique().drop_nulls()
            ours = distinct.cast(pl.String).cast(pl.Categorical(self.categories)).to_physical()
            physical = values.to_physical().replace_strict(distinct.to_physical(), ours)
        else:
            physical = values.cast(pl.Categorical(self.categories)).to_physical()
        codes: U64 = (physical + 1).fill_null(0).to_numpy().astype(np.uint64)
        return codes

    def runs(self, values: pl.Series) -> U64:
        """The same as calling, for a column whose equal values mostly stand together (a
        household's rows, an account's rows): only the first value of each run of equal
        values is looked up, then repeated over its run. Exact whatever the order (a value
        in two runs gets its one code twice); a column with many short runs takes the
        per-row lookup, which is then cheaper."""
        n = len(values)
        if n < RUN_ROWS or values.dtype != pl.String:
            return self(values)
        change = values.slice(1).ne_missing(values.slice(0, n - 1)).to_numpy()
        starts = np.flatnonzero(change) + 1
        if len(starts) * RUN_SHARE > n:
            return self(values)
        starts = np.concatenate((np.zeros(1, dtype=starts.dtype), starts))
        lengths = np.diff(np.append(starts, n))
        repeated: U64 = np.repeat(self(values.gather(starts)), lengths)
        return repeated


RUN_SHARE = 8
""":meth:`Codes.runs` looks up run starts only when the runs average at least this many rows:
finding the runs costs about a third of a per-row lookup."""
RUN_ROWS = 1 << 14
"""... and only for columns of at least this many rows. Measured on accounts in store order:
the per-row lookup costs about 80 µs + 16 ns a row, the runs about 220 µs + 5 ns a row, so
below some 13 000 rows (one household's months, as the overview asks) per row is cheaper."""


def pair_keys(frame: pl.DataFrame, codes: Codes) -> tuple[U64, pl.DataFrame]:
    """Per row a 64-bit key of its (IBAN, name), and the distinct pairs of ``frame`` with it.

    The key is the IBAN's code in the high half and the name's in the low half: equal keys are
    equal pairs, exactly (null and "" stay apart, as in a join with ``nulls_equal``).
    """
    iban = codes(frame.get_column("counterparty_iban"))
    name = codes(frame.get_column("counterparty_name"))
    key = (iban << np.uint64(32)) | name
    first = np.flatnonzero(pl.Series(key).is_first_distinct().to_numpy())
    found = frame.select(pl.col(list(PAIR_COLUMNS)).gather(first).cast(pl.String))
    return key, found.with_columns(pl.Series(KEY, key[first]))


def pair_ids(key: U64, keys: pl.Series) -> Index:
    """Per row the position of its key in ``keys`` (which holds every key of the rows)."""
    number = pl.int_range(0, len(keys), dtype=pl.Int64, eager=True)
    ids: Index = pl.Series(key).replace_strict(keys, number, return_dtype=pl.Int64).to_numpy()
    return ids


@dataclass(frozen=True, slots=True)
class RowKeys:
    """The key codes of a chunk's rows (0: missing) and their pair numbers."""

    pair: Index
    household: U64
    account: U64
    iban: U64

    @classmethod
    def of(cls, frame: pl.DataFrame, key: U64, keys: pl.Series, codes: Codes) -> RowKeys:
        """``keys``: the chunk's distinct pair keys, in the order of its :class:`Base`."""
        household = codes.runs(frame.get_column("household"))
        account = codes.runs(frame.get_column("account"))
        return cls(pair_ids(key, keys), household, account, key >> np.uint64(32))


def display(name: pl.Expr) -> pl.Expr:
    """The counterparty's own name as a coach reads it ('onbekend' when empty)."""
    return pl.coalesce(name.str.strip_chars().replace("", None), pl.lit(cat.ONBEKEND))


def brand(name: pl.Expr, brands: dict[str, str]) -> pl.Expr:
    """The coach's name of the first listed brand in ``name`` (whole words), else null."""
    keys = sorted(brands, key=len, reverse=True)
    words = "|".join(k.replace(" ", r"[^\p{L}\p{N}]+") for k in keys)
    found = name.str.extract(rf"(?i)(?:^|[^\p{{L}}\p{{N}}])({words})(?:$|[^\p{{L}}\p{{N}}])", 1)
    key = found.str.to_uppercase().str.replace_all(r"[^\p{L}\p{N}]+", " ")
    return key.replace_strict(brands, default=None, return_dtype=pl.String)


def ketenpartner_expr(
    tables: RegistryTables, payer: pl.Expr, kind: pl.Expr, name: pl.Expr
) -> pl.Expr:
    """The coach's name for a registry payer, with the department the statement names.

    "Zorg & Zekerheid, afdeling relaties" is one ketenpartner in the coach's overview: the
    organisation (registry) plus the afdeling the counterparty name carries.
    """
    names = {pid: cat.KETENPARTNER_NAMES.get(pid, p.name) for pid, p in tables.payers.items()}
    generic = payer.is_in(list(cat.GENERIC_PAYERS))
    base = payer.replace_strict(names, default=None, return_dtype=pl.String)
    base = (
        pl.when(generic)
        .then(pl.coalesce(name.str.strip_chars().replace("", None), base))
        .when((payer == "belastingdienst_toeslagen") & (kind == "belasting"))
        .then(pl.lit(cat.BELASTINGDIENST))
        .otherwise(base)
    )
    afdeling = name.str.extract(r"(?i),\s*(afdeling\s+.+?)\s*$", 1)
    return (
        pl.when(afdeling.is_not_null() & ~generic)
        .then(pl.concat_str(base, pl.lit(", "), afdeling))
        .otherwise(base)
    )


def rubriek_expr(kind: pl.Expr, regeling: pl.Expr, amount: pl.Expr) -> pl.Expr:
    """Kind to rubriek; kinderbijslag has its own line, DUO collecting is a debt repayment."""
    mapping = {str(k): r.value for k, r in KIND_RUBRIEK.items()}
    return (
        pl.when(regeling == "kinderbijslag")
        .then(pl.lit(Rubriek.KINDERBIJSLAG.value))
        .when((kind == "studiefinanciering") & (amount < 0))
        .then(pl.lit(Rubriek.AFLOSSING_SCHULDEN.value))
        .otherwise(
            kind.replace_strict(mapping, default=Rubriek.OVERIG.value, return_dtype=pl.String)
        )
    )


def registry_reason(
    kp: pl.Expr, on: pl.Expr, evidence: pl.Expr, regeling: pl.Expr, regeling_text: pl.Expr
) -> pl.Expr:
    """'herkend als Vitens aan de naam 'VITENS' (betalerslijst)' and the regeling if any."""

    def head(how: str, what: pl.Expr, close: str) -> pl.Expr:
        return pl.concat_str(pl.lit("herkend als "), kp, pl.lit(how), what, pl.lit(close))

    said = pl.when(regeling_text.is_not_null()).then(
        pl.concat_str(pl.lit(" volgens '"), regeling_text, pl.lit("'"))
    )
    tail = pl.when(regeling.is_not_null() & (on != "text")).then(
        pl.concat_str(pl.lit("; regeling "), regeling, said, ignore_nulls=True)
    )
    return pl.concat_str(
        pl.when(on == "iban")
        .then(head(" aan het IBAN ", evidence, " (betalerslijst)"))
        .when(on == "name")
        .then(head(" aan de naam '", evidence.str.strip_prefix("^"), "' (betalerslijst)"))
        .otherwise(head(" aan de omschrijving '", evidence, "' (betalerslijst)")),
        tail,
        ignore_nulls=True,
    )


def fixed(kp: pl.Expr, rubriek: Rubriek, rule_id: str, reason: pl.Expr) -> list[pl.Expr]:
    """The five output columns of a source whose rubriek and rule are fixed."""
    return [
        kp.alias("ketenpartner"),
        pl.lit(rubriek.value).alias("rubriek"),
        pl.lit(None, pl.String).alias("regeling"),
        pl.lit(rule_id).alias("rule_id"),
        reason.alias("reason"),
    ]


HUISHOUDBOEKJE = pl.lit(cat.HUISHOUDBOEKJE)
LEEFGELD_TEKST = fixed(
    HUISHOUDBOEKJE, Rubriek.LEEFGELD, "leefgeld:tekst", pl.lit("de omschrijving noemt leefgeld")
)
CONTANT = fixed(
    pl.lit(cat.GELDAUTOMAAT),
    Rubriek.CONTANT,
    "contant",
    pl.lit("geldopname bij een geldautomaat: contant"),
)


def shop_candidates(shop: pl.Expr) -> list[pl.Expr]:
    """A card payment at a supermarket, from the brand found in the description."""
    return fixed(
        shop,
        Rubriek.BOODSCHAPPEN,
        "boodschappen",
        pl.concat_str(pl.lit("pinbetaling bij "), shop, pl.lit(": boodschappen")),
    )


@dataclass(frozen=True, slots=True)
class Base:
    """What every chunk shares: the pairs with their registry columns, one default candidate
    per pair (position = pair number) followed by the fixed candidates, and per pair the level
    of its default and whether the description can still decide its payer (``text``)."""

    pairs: pl.DataFrame
    iban: U64  # code of each pair's IBAN (0: none), as in :class:`Codes`
    table: pl.DataFrame
    level: npt.NDArray[np.int8]
    text: npt.NDArray[np.bool_]
    leefgeld: int
    contant: int
    shops: dict[str, int]

    def subset(self, pairs: Index) -> Base:
        """The same for some pairs only (a chunk's), numbered 0.. in the order given: a chunk's
        work then grows with its own pairs, not with all the pairs of the table."""
        n, k = len(pairs), self.pairs.height
        shift = n - k
        return Base(
            self.pairs[pairs],
            self.iban[pairs],
            pl.concat([self.table[pairs], self.table[k:]]),
            self.level[pairs],
            self.text[pairs],
            leefgeld=self.leefgeld + shift,
            contant=self.contant + shift,
            shops={name: i + shift for name, i in self.shops.items()},
        )

    @classmethod
    def build(cls, tables: RegistryTables, pairs: pl.DataFrame, keys: pl.Series) -> Base:
        """``pairs``: :func:`budget.classify_registry.pair_frame` of the distinct pairs,
        ``keys`` their keys (:func:`pair_keys`)."""
        defaults, level, text = pair_defaults(tables, pairs)
        names = sorted(set(cat.SUPERMARKETS.values()))
        extra = [
            pl.select(LEEFGELD_TEKST),
            pl.select(CONTANT),
            pl.DataFrame({"shop": names}).select(shop_candidates(pl.col("shop"))),
        ]
        n = pairs.height
        table = pl.concat([as_strings(defaults), *(as_strings(e) for e in extra)], rechunk=True)
        return cls(
            pairs,
            keys.to_numpy() >> np.uint64(32),
            table,
            level,
            text,
            leefgeld=n,
            contant=n + 1,
            shops={name: n + 2 + i for i, name in enumerate(names)},
        )


def pair_defaults(
    tables: RegistryTables, pairs: pl.DataFrame
) -> tuple[pl.DataFrame, npt.NDArray[np.int8], npt.NDArray[np.bool_]]:
    """One candidate per pair (registry without text, a name list, or overig) and its level.

    Pairs whose chain holds a payer with text patterns are decided per row (level stays 0 here;
    :func:`budget.classify_sources.apply_registry` does them).
    """
    in_chain = pl.any_horizontal(
        pl.col(f"c{i}_payer").is_in(list(tables.text_payers)).fill_null(False) for i in range(CHAIN)
    )
    name = pl.col("counterparty_name")
    # Each piece once as a column (an eager select does not share repeated subexpressions).
    pieces = pairs.select(
        in_chain.alias("_text"),
        (pl.col("c0_payer").is_not_null() & ~in_chain).alias("_plain"),
        brand(name, cat.SUPERMARKETS).alias("_shop"),
        brand(name, cat.CREDITORS).alias("_creditor"),
        brand(name, cat.INSURERS).alias("_insurer"),
        display(name).alias("_shown"),
        ketenpartner_expr(tables, pl.col("c0_payer"), pl.col("c0_kind"), name).alias("_kp"),
        pl.col("c0_payer", "c0_kind", "c0_regeling", "c0_on", "c0_evidence"),
    )
    plain, shop, creditor = pl.col("_plain"), pl.col("_shop"), pl.col("_creditor")
    insurer, shown, kp = pl.col("_insurer"), pl.col("_shown"), pl.col("_kp")
    regeling = pl.col("c0_regeling")

    def pick(registry: pl.Expr, on_shop: pl.Expr, on_creditor: pl.Expr, on_insurer: pl.Expr,
             other: pl.Expr) -> pl.Expr:  # fmt: skip
        return (
            pl.when(plain)
            .then(registry)
            .when(shop.is_not_null())
            .then(on_shop)
            .when(creditor.is_not_null())
            .then(on_creditor)
            .when(insurer.is_not_null())
            .then(on_insurer)
            .otherwise(other)
        )

    frame = pieces.select(
        "_text",
        pick(pl.lit(4), pl.lit(2), pl.lit(2), pl.lit(2), pl.lit(0)).cast(pl.Int8).alias("_level"),
        pick(kp, shop, pl.coalesce(creditor.replace("", None), shown), insurer, shown).alias(
            "ketenpartner"
        ),
        pick(
            rubriek_expr(pl.col("c0_kind"), regeling, pl.lit(-1)),
            pl.lit(Rubriek.BOODSCHAPPEN.value),
            pl.lit(Rubriek.AFLOSSING_SCHULDEN.value),
            pl.lit(Rubriek.VERZEKERINGEN.value),
            pl.lit(Rubriek.OVERIG.value),
        ).alias("rubriek"),
        pl.when(plain).then(regeling).alias("regeling"),
        pick(
            pl.concat_str(pl.lit("register:"), pl.col("c0_payer")),
            pl.lit("boodschappen"),
            pl.lit("schuldeiser"),
            pl.lit("verzekeraar"),
            pl.lit("overig"),
        ).alias("rule_id"),
        pick(
            registry_reason(
                kp, pl.col("c0_on"), pl.col("c0_evidence"), regeling, pl.lit(None, pl.String)
            ),
            pl.concat_str(
                pl.lit("betaling aan "), shop, pl.lit(" (supermarkt of drogist): boodschappen")
            ),
            pl.concat_str(
                pl.lit("betaling aan schuldeiser of incassobureau '"), shown, pl.lit("'")
            ),
            pl.concat_str(pl.lit("betaling aan verzekeraar "), insurer),
            pl.lit("niet herkend: geen regel, betaler of vuistregel past"),
        ).alias("reason"),
    )
    levels = frame.get_column("_level").to_numpy().astype(np.int8)
    text = frame.get_column("_text").to_numpy().astype(np.bool_)
    return frame.select(OUT), levels, text
