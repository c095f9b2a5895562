"""The sources of a classification, strongest last: registry, heuristics, own accounts, coach rules.

Each source finds the rows it applies to (a boolean mask, then only rows whose current level is
lower), computes their candidate classification on that subset, and lets :class:`Picks` point
those rows at it. The order and levels are documented in :mod:`budget.classify`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import polars as pl

from budget import categories as cat
from budget.categories import KIND_RUBRIEK, Rubriek
from budget.classify_registry import CHAIN, RegistryTables, resolve_standalone, resolve_texts

OUT = ("ketenpartner", "rubriek", "regeling", "rule_id", "reason")
Index = npt.NDArray[np.int64]

LEVEL_RULE_TX, LEVEL_RULE_IBAN, LEVEL_RULE_NAME = 8, 7, 6
LEVEL_OWN, LEVEL_REGISTRY, LEVEL_LEEFGELD, LEVEL_NAME_LIST, LEVEL_TEXT = 5, 4, 3, 2, 1


class Picks:
    """Per row a pointer into a growing table of candidate classifications, and its level."""

    def __init__(self, defaults: pl.DataFrame, pair_id: Index, pair_levels: npt.NDArray[np.int8]):
        self._frames = [defaults.select(OUT)]
        self._size = defaults.height
        self.choice: Index = pair_id.copy()
        self.level: npt.NDArray[np.int8] = pair_levels[pair_id]

    def open(self, mask: npt.NDArray[np.bool_], level: int) -> Index:
        """Rows in ``mask`` that a source of ``level`` may still (re)classify."""
        return np.flatnonzero(mask & (self.level < level)).astype(np.int64)

    def set(self, idx: Index, level: int, values: pl.DataFrame) -> None:
        if len(idx) == 0:
            return
        assert values.height == len(idx)
        self._frames.append(values.select(pl.col(c).cast(pl.String) for c in OUT))
        self.choice[idx] = np.arange(self._size, self._size + len(idx), dtype=np.int64)
        self.level[idx] = level
        self._size += len(idx)

    def _table(self) -> pl.DataFrame:
        if len(self._frames) > 1:
            self._frames = [pl.concat(self._frames, rechunk=True)]
        return self._frames[0]

    def current(self, idx: Index) -> pl.DataFrame:
        return self._table()[self.choice[idx]]

    def result(self) -> pl.DataFrame:
        from budget.classify import RUBRIEK_DTYPE

        out = self._table()[self.choice]
        return out.with_columns(pl.col("rubriek").cast(RUBRIEK_DTYPE))


def _mask(df: pl.DataFrame, expr: pl.Expr) -> npt.NDArray[np.bool_]:
    return df.select(expr.fill_null(False)).to_series().to_numpy().astype(np.bool_)


def _has(column: str, words: tuple[str, ...]) -> pl.Expr:
    return pl.col(column).str.contains_any(list(words), ascii_case_insensitive=True)


def _display(name: pl.Expr) -> pl.Expr:
    return pl.coalesce(name.str.strip_chars().replace("", None), pl.lit(cat.ONBEKEND))


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
    head = (
        pl.when(on == "iban")
        .then(
            pl.concat_str(
                pl.lit("herkend als "),
                kp,
                pl.lit(" aan het IBAN "),
                evidence,
                pl.lit(" (betalerslijst)"),
            )
        )
        .when(on == "name")
        .then(
            pl.concat_str(
                pl.lit("herkend als "),
                kp,
                pl.lit(" aan de naam '"),
                evidence.str.strip_prefix("^"),
                pl.lit("' (betalerslijst)"),
            )
        )
        .otherwise(
            pl.concat_str(
                pl.lit("herkend als "),
                kp,
                pl.lit(" aan de omschrijving '"),
                evidence,
                pl.lit("' (betalerslijst)"),
            )
        )
    )
    said = pl.when(regeling_text.is_not_null()).then(
        pl.concat_str(pl.lit(" volgens '"), regeling_text, pl.lit("'"))
    )
    tail = pl.when(regeling.is_not_null() & (on != "text")).then(
        pl.concat_str(pl.lit("; regeling "), regeling, said, ignore_nulls=True)
    )
    return pl.concat_str(head, tail, ignore_nulls=True)


def _registry_values(tables: RegistryTables, sub: pl.DataFrame, res: pl.DataFrame) -> pl.DataFrame:
    kp = ketenpartner_expr(tables, pl.col("payer"), pl.col("kind"), pl.col("counterparty_name"))
    frame = pl.concat([sub.select("counterparty_name", "amount_cents"), res], how="horizontal")
    return frame.with_columns(kp.alias("ketenpartner")).select(
        "ketenpartner",
        rubriek_expr(pl.col("kind"), pl.col("regeling"), pl.col("amount_cents")).alias("rubriek"),
        "regeling",
        pl.concat_str(pl.lit("register:"), pl.col("payer")).alias("rule_id"),
        registry_reason(
            pl.col("ketenpartner"),
            pl.col("on"),
            pl.col("evidence"),
            pl.col("regeling"),
            pl.col("regeling_text"),
        ).alias("reason"),
    )


def apply_registry(
    tables: RegistryTables,
    picks: Picks,
    df: pl.DataFrame,
    pairs: pl.DataFrame,
    pair_id: Index,
    needs_text: npt.NDArray[np.bool_],
) -> None:
    """Rows whose payer depends on the description, then payers recognised by text alone."""
    idx = picks.open(needs_text, LEVEL_REGISTRY)
    if len(idx):
        chain = [
            f"c{i}_{f}"
            for i in range(CHAIN)
            for f in ("payer", "on", "evidence", "kind", "regeling", "name_text")
        ]
        sub = df[idx].select("description", "counterparty_name", "amount_cents")
        sub = pl.concat([sub, pairs.select(chain)[pair_id[idx]]], how="horizontal")
        res = resolve_texts(tables, sub)
        found = res.get_column("payer").is_not_null().to_numpy()
        picks.set(
            idx[found],
            LEVEL_REGISTRY,
            _registry_values(tables, sub.filter(found), res.filter(found)),
        )
    words = tables.standalone_words
    if words == ():
        return
    text = pl.lit(True) if words is None else _has("description", words)
    idx = picks.open(_mask(df, text), LEVEL_REGISTRY)
    if not len(idx):
        return
    sub = df[idx].select("description", "counterparty_name", "amount_cents")
    res = resolve_standalone(tables, sub.get_column("description"))
    found = res.get_column("payer").is_not_null().to_numpy()
    res = res.filter(found).select(
        "payer",
        pl.lit("text").alias("on"),
        pl.col("text").alias("evidence"),
        "kind",
        "regeling",
        pl.lit(None, pl.String).alias("regeling_text"),
    )
    picks.set(idx[found], LEVEL_REGISTRY, _registry_values(tables, sub.filter(found), res))


def _fixed(kp: pl.Expr, rubriek: Rubriek, rule_id: str, reason: pl.Expr) -> list[pl.Expr]:
    return [
        kp.alias("ketenpartner"),
        pl.lit(rubriek.value).alias("rubriek"),
        pl.lit(None, pl.String).alias("regeling"),
        pl.lit(rule_id).alias("rule_id"),
        reason.alias("reason"),
    ]


def _set(picks: Picks, df: pl.DataFrame, idx: Index, level: int, exprs: list[pl.Expr]) -> None:
    if len(idx):
        picks.set(idx, level, df[idx].with_columns(exprs).select(OUT))


def brand(name: pl.Expr, brands: dict[str, str]) -> pl.Expr:
    """The coach's name of the first listed brand in ``name`` (whole words), else null."""
    keys = sorted(brands, key=len, reverse=True)
    words = "|".join(k.replace(" ", r"[^\p{L}\p{N}]+") for k in keys)
    found = name.str.extract(rf"(?i)(?:^|[^\p{{L}}\p{{N}}])({words})(?:$|[^\p{{L}}\p{{N}}])", 1)
    key = found.str.to_uppercase().str.replace_all(r"[^\p{L}\p{N}]+", " ")
    return key.replace_strict(brands, default=None, return_dtype=pl.String)


def apply_heuristics(picks: Picks, df: pl.DataFrame, pairs: pl.DataFrame, pair_id: Index) -> None:
    """Leefgeld, cash, groceries, debts, salary, and transfers between own accounts."""
    out, iban, name = (
        pl.col("amount_cents") < 0,
        pl.col("counterparty_iban"),
        pl.col("counterparty_name"),
    )
    huishoudboekje = pl.lit(cat.HUISHOUDBOEKJE)
    # Leefgeld by text, then everything between the same two accounts.
    idx = picks.open(_mask(df, _has("description", cat.LEEFGELD_TEXTS)), LEVEL_LEEFGELD)
    _set(
        picks,
        df,
        idx,
        LEVEL_LEEFGELD,
        _fixed(
            huishoudboekje,
            Rubriek.LEEFGELD,
            "leefgeld:tekst",
            pl.lit("de omschrijving noemt leefgeld"),
        ),
    )
    links = (
        df[idx]
        .filter(out & iban.is_not_null())
        .select("household", "account", "counterparty_iban")
        .unique()
    )
    if links.height:
        receivers = links.get_column("counterparty_iban").unique()
        near = _mask(
            df, iban.is_in(receivers.implode()) | pl.col("account").is_in(receivers.implode())
        )
        idx = picks.open(near, LEVEL_LEEFGELD)
        sub = df[idx].select("household", "account", "counterparty_iban").with_row_index("_i")
        forward = sub.join(links, on=["household", "account", "counterparty_iban"])
        mirror = sub.join(
            links,
            left_on=["household", "account", "counterparty_iban"],
            right_on=["household", "counterparty_iban", "account"],
        )
        hit = np.unique(pl.concat([forward["_i"], mirror["_i"]]).to_numpy()).astype(np.int64)
        _set(
            picks,
            df,
            idx[hit],
            LEVEL_LEEFGELD,
            _fixed(
                huishoudboekje,
                Rubriek.LEEFGELD,
                "leefgeld:rekening",
                pl.concat_str(
                    pl.lit(
                        "overboeking tussen de beheerrekening en de rekening voor het leefgeld ("
                    ),
                    iban,
                    pl.lit(")"),
                ),
            ),
        )
    # Weekly transfers to one personal account.
    idx = picks.open(_mask(df, out & iban.is_not_null()), LEVEL_LEEFGELD)
    if len(idx):
        sub = df[idx].select("household", "account", "counterparty_iban", "booking_date")
        keys = ["household", "account", "counterparty_iban"]
        weekly = (
            sub.group_by(keys)
            .agg(
                pl.len().alias("n"),
                pl.col("booking_date").sort().diff().dt.total_days().median().alias("gap"),
            )
            .filter((pl.col("n") >= 4) & pl.col("gap").is_between(6, 8))
            .select(keys)
        )
        hit = sub.with_row_index("_i").join(weekly, on=keys).get_column("_i").to_numpy()
        _set(
            picks,
            df,
            idx[hit.astype(np.int64)],
            LEVEL_LEEFGELD,
            _fixed(
                huishoudboekje,
                Rubriek.LEEFGELD,
                "leefgeld:wekelijks",
                pl.concat_str(
                    pl.lit("elke week een overboeking naar dezelfde rekening ("),
                    iban,
                    pl.lit("): leefgeld"),
                ),
            ),
        )
    # Cash and card payments (they carry no counterparty IBAN).
    code = pl.col("bank_transaction_code")
    atm = (
        out
        & iban.is_null()
        & (code.is_in(list(cat.ATM_CODES)) | _has("description", cat.ATM_TEXTS))
    )
    idx = picks.open(_mask(df, atm), LEVEL_NAME_LIST)
    _set(
        picks,
        df,
        idx,
        LEVEL_NAME_LIST,
        _fixed(
            pl.lit(cat.GELDAUTOMAAT),
            Rubriek.CONTANT,
            "contant",
            pl.lit("geldopname bij een geldautomaat: contant"),
        ),
    )
    shop = iban.is_null() & _has("description", tuple(cat.SUPERMARKETS))
    idx = picks.open(_mask(df, shop), LEVEL_NAME_LIST)
    if len(idx):
        found = df[idx].select(brand(pl.col("description"), cat.SUPERMARKETS)).to_series()
        ok = found.is_not_null().to_numpy()
        _set(
            picks,
            df,
            idx[ok],
            LEVEL_NAME_LIST,
            _fixed(
                brand(pl.col("description"), cat.SUPERMARKETS),
                Rubriek.BOODSCHAPPEN,
                "boodschappen",
                pl.concat_str(
                    pl.lit("pinbetaling bij "),
                    brand(pl.col("description"), cat.SUPERMARKETS),
                    pl.lit(": boodschappen"),
                ),
            ),
        )
    # Words in the description, weakest evidence.
    idx = picks.open(_mask(df, out & _has("description", cat.DEBT_TEXTS)), LEVEL_TEXT)
    _set(
        picks,
        df,
        idx,
        LEVEL_TEXT,
        _fixed(
            _display(name),
            Rubriek.AFLOSSING_SCHULDEN,
            "aflossing",
            pl.lit("de omschrijving noemt een betalingsregeling of aflossing"),
        ),
    )
    income = (pl.col("amount_cents") > 0) & _has("description", cat.SALARY_TEXTS)
    idx = picks.open(_mask(df, income), LEVEL_TEXT)
    _set(
        picks,
        df,
        idx,
        LEVEL_TEXT,
        _fixed(
            _display(name),
            Rubriek.INKOMEN,
            "inkomen",
            pl.lit("de omschrijving noemt salaris of loon: inkomen uit werk"),
        ),
    )
    _own_accounts(picks, df, pairs, pair_id)


def _own_accounts(picks: Picks, df: pl.DataFrame, pairs: pl.DataFrame, pair_id: Index) -> None:
    """A transfer to or from another account of the same household; leefgeld stays leefgeld."""
    accounts = df.get_column("account").unique()
    own_pair = _mask(pairs, pl.col("counterparty_iban").is_in(accounts.implode()))
    candidates = own_pair[pair_id]
    if not candidates.any():
        return
    idx = picks.open(candidates, LEVEL_OWN)
    sub = df[idx].select("household", "account", "counterparty_iban").with_row_index("_i")
    owners = df.filter(pl.col("account").is_in(sub.get_column("counterparty_iban").implode()))
    owners = owners.select("household", pl.col("account").alias("counterparty_iban")).unique()
    hit = sub.join(owners, on=["household", "counterparty_iban"]).get_column("_i").to_numpy()
    idx = idx[np.sort(hit).astype(np.int64)]
    if not len(idx):
        return
    leefgeld = (picks.current(idx).get_column("rubriek") == Rubriek.LEEFGELD.value).to_numpy()
    picks.level[idx[leefgeld]] = LEVEL_OWN
    idx = idx[~leefgeld]
    _set(
        picks,
        df,
        idx,
        LEVEL_OWN,
        _fixed(
            pl.lit(cat.EIGEN_REKENING),
            Rubriek.EIGEN_REKENING,
            "eigen_rekening",
            pl.concat_str(
                pl.lit("overboeking tussen eigen rekeningen van het huishouden ("),
                pl.col("counterparty_iban"),
                pl.lit(")"),
            ),
        ),
    )


def apply_rules(
    picks: Picks,
    df: pl.DataFrame,
    pairs: pl.DataFrame,
    pair_id: Index,
    rules: pl.DataFrame,
    normalise: Callable[[pl.Series], pl.Series],
) -> None:
    """Coach rules of each household: on the name, then the IBAN, then the one transaction."""
    active = (
        rules.filter(pl.col("withdrawn_at").is_null())
        .sort("id")
        .unique(["household", "match", "value"], keep="last", maintain_order=True)
    )
    if active.height == 0:
        return
    when = pl.col("created_at").dt.convert_time_zone("Europe/Amsterdam").dt.strftime("%d-%m-%Y")
    what = (
        pl.when(pl.col("match") == "iban")
        .then(pl.concat_str(pl.lit("IBAN "), pl.col("value")))
        .when(pl.col("match") == "naam")
        .then(pl.concat_str(pl.lit("naam '"), pl.col("value"), pl.lit("'")))
        .otherwise(pl.lit("deze transactie"))
    )
    active = active.with_columns(
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
    names = active.filter(pl.col("match") == "naam")
    if names.height:
        nname = normalise(pairs.get_column("counterparty_name"))
        row_name = nname[pair_id]
        _apply_rule_kind(
            picks,
            df.select("household").with_columns(row_name.alias("_key")),
            names,
            LEVEL_RULE_NAME,
        )
    for match, column, level in (
        ("iban", "counterparty_iban", LEVEL_RULE_IBAN),
        ("transactie", "tx_key", LEVEL_RULE_TX),
    ):
        chosen = active.filter(pl.col("match") == match)
        if chosen.height:
            keyed = df.select("household", pl.col(column).alias("_key"))
            _apply_rule_kind(picks, keyed, chosen, level)


def _apply_rule_kind(picks: Picks, keyed: pl.DataFrame, rules: pl.DataFrame, level: int) -> None:
    values = rules.get_column("value").implode()
    idx = picks.open(_mask(keyed, pl.col("_key").is_in(values)), level)
    if not len(idx):
        return
    sub = keyed[idx].with_row_index("_i")
    hit = sub.join(rules, left_on=["household", "_key"], right_on=["household", "value"])
    hit = hit.sort("_i")
    rows = idx[hit.get_column("_i").to_numpy().astype(np.int64)]
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
    picks.set(
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
