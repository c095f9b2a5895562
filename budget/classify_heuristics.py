"""Rules of thumb a coach would apply: leefgeld, cash, groceries, debts, salary, own accounts.

Each heuristic finds the rows it may still classify first (their level is below its own, see
:mod:`budget.classify`) and only then reads their description, so the word scans run on the
rows that can use them. Its answer depends on the counterparty at most (the IBAN in the reason,
the name as ketenpartner), so the candidates are made once per pair and the rows point at them
(:func:`per_pair`); leefgeld, cash and a supermarket have one candidate for all rows.

Every heuristic looks inside one household only (links, weekly transfers, own accounts join on
it), which is what lets :func:`budget.classify.classify` work on chunks of whole households.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from budget import categories as cat
from budget.categories import Rubriek
from budget.classify_pairs import HUISHOUDBOEKJE, U64, Base, RowKeys, brand, display, fixed
from budget.classify_picks import (
    LEVEL_LEEFGELD,
    LEVEL_NAME_LIST,
    LEVEL_OWN,
    LEVEL_TEXT,
    Index,
    Mask,
    Picks,
    distinct,
    has_words,
    scan,
)

LINK = ["h", "a", "i"]  # household, account and counterparty IBAN, as codes


def link_keys(keys: RowKeys, rows: Index) -> pl.DataFrame:
    """The (household, account, counterparty IBAN) codes of ``rows``, null where missing: a
    missing value joins nothing, as with the strings."""
    frame = pl.DataFrame({"h": keys.household[rows], "a": keys.account[rows], "i": keys.iban[rows]})
    return frame.select(pl.when(pl.col(c) > 0).then(pl.col(c)).alias(c) for c in LINK)


TABLE_CODES = 1 << 24
"""Codes below this are looked up in a table indexed by code (a byte per code) rather than
hashed: the codes of one call are the categories it met, numbered from 1, so a few thousand
per chunk. Larger codes (a categorical input with a big shared code space) are hashed."""


PACKED_CODES = (1 << 63) - 1
"""Code tuples are packed into one number (a single hashed column) while the largest packed
value stays below this."""


def _top(*arrays: U64) -> int:
    """One more than the largest code in ``arrays`` (1 when all are empty)."""
    return 1 + max((int(a.max()) for a in arrays if len(a)), default=0)


def _isin(codes: U64, values: U64) -> Mask:
    top = _top(codes, values)
    if values.dtype.kind == "u" and top <= TABLE_CODES:
        table = np.zeros(top, dtype=np.bool_)
        table[values] = True
        found: Mask = table[codes]
        return found
    hashed = pl.Series(codes).is_in(pl.Series(values).implode())
    return hashed.fill_null(False).to_numpy().astype(np.bool_)


def _pack(parts: Sequence[U64], top: int) -> U64:
    """Code tuples as one number each, digits in base ``top`` (one more than every code)."""
    base = np.uint64(top)
    number = np.zeros(len(parts[0]) if parts else 0, dtype=np.uint64)
    for part in parts:
        number = number * base + part
    return number


def distinct_codes(codes: U64) -> U64:
    """The distinct values of ``codes``, in some order."""
    top = _top(codes)
    if top <= TABLE_CODES:
        seen = np.zeros(top, dtype=np.bool_)
        seen[codes] = True
        return np.flatnonzero(seen).astype(np.uint64)
    found: U64 = pl.Series(codes).unique().to_numpy()
    return found


def distinct_links(keys: RowKeys, rows: Index, columns: Sequence[str] = LINK) -> pl.DataFrame:
    """``link_keys(keys, rows).select(columns).unique()``, in some order: the distinct codes
    first, as one number per row where they fit in 64 bits, then null where missing."""
    source = {"h": keys.household, "a": keys.account, "i": keys.iban}
    parts = [source[c][rows] for c in columns]
    top = _top(*parts)
    if top ** len(parts) <= PACKED_CODES:
        base = np.uint64(top)
        unique = pl.Series(_pack(parts, top)).unique().to_numpy()
        values: dict[str, U64] = {}
        for c in reversed(columns):
            values[c] = unique % base
            unique = unique // base
        frame = pl.DataFrame(
            {c: values[c] for c in columns}, schema=dict.fromkeys(columns, pl.UInt64)
        )
    else:
        frame = pl.DataFrame(dict(zip(columns, parts, strict=True))).unique()
    return frame.select(pl.when(pl.col(c) > 0).then(pl.col(c)).alias(c) for c in columns)


def linked(
    keys: RowKeys,
    rows: Index,
    columns: Sequence[str],
    links: pl.DataFrame,
    link_columns: Sequence[str],
) -> Mask:
    """Whether the codes ``columns`` of each row of ``rows`` equal the codes ``link_columns``
    of some row of ``links`` (a table from :func:`distinct_links`): an inner join of
    ``link_keys(keys, rows)`` with ``links``, as a mask. A missing code (0, null in ``links``)
    links nothing. Where the codes pack into one number per row, one ``is_in`` on that."""
    source = {"h": keys.household, "a": keys.account, "i": keys.iban}
    parts = [source[c][rows] for c in columns]
    complete = links.select(link_columns).drop_nulls()
    targets = [complete.get_column(c).to_numpy().astype(np.uint64) for c in link_columns]
    top = _top(*parts, *targets)
    if top ** len(parts) > PACKED_CODES:
        sub = link_keys(keys, rows).with_row_index("_i")
        hit = sub.join(links, left_on=list(columns), right_on=list(link_columns))
        found = np.zeros(len(rows), dtype=np.bool_)
        found[hit.get_column("_i").to_numpy()] = True
        return found
    # A row with a missing code packs to a number no complete link has (its digit there is 0).
    return _isin(_pack(parts, top), _pack(targets, top))


def per_pair(
    picks: Picks, base: Base, rows: Index, level: int, keys: RowKeys, exprs: list[pl.Expr]
) -> None:
    """Classify ``rows`` with ``exprs`` computed once per pair among them."""
    if not len(rows):
        return
    unique, which = distinct(keys.pair[rows])
    values = base.pairs.select("counterparty_iban", "counterparty_name")[unique].select(exprs)
    picks.add(rows, level, values, which)


def _iban_reason(start: str, end: str) -> pl.Expr:
    return pl.concat_str(pl.lit(start), pl.col("counterparty_iban"), pl.lit(end))


def apply_heuristics(
    base: Base, picks: Picks, frame: pl.DataFrame, keys: RowKeys, unclaimed: tuple[Index, pl.Series]
) -> None:
    """Leefgeld, cash, groceries, debts, salary, and transfers between own accounts.

    ``unclaimed``: rows the registry left (their level below it) with their descriptions."""
    amount = frame.get_column("amount_cents")
    out: Mask = (amount < 0).fill_null(False).to_numpy().astype(np.bool_)
    income: Mask = (amount > 0).fill_null(False).to_numpy().astype(np.bool_)
    no_iban: Mask = keys.iban == 0
    description = frame.get_column("description")
    # Leefgeld by text, then everything between the same two accounts.
    # The rows open to leefgeld are among the unclaimed ones (levels only rise).
    rows, texts = unclaimed
    rows = rows[(picks.level[rows] < LEVEL_LEEFGELD) & has_words(texts, cat.LEEFGELD_TEXTS)]
    picks.point(rows, LEVEL_LEEFGELD, base.leefgeld)
    _links(base, picks, keys, rows[out[rows] & ~no_iban[rows]])
    _weekly(base, picks, frame, keys, out & ~no_iban)
    # Cash and card payments (they carry no counterparty IBAN).
    rows = picks.open(out & no_iban, LEVEL_NAME_LIST)
    if len(rows):
        atm = frame.select(
            pl.col("bank_transaction_code").gather(rows).is_in(list(cat.ATM_CODES))
            | pl.col("description")
            .gather(rows)
            .str.contains_any(list(cat.ATM_TEXTS), ascii_case_insensitive=True)
        )
        hit = atm.to_series().fill_null(False).to_numpy().astype(np.bool_)
        picks.point(rows[hit], LEVEL_NAME_LIST, base.contant)
    rows = scan(description, picks.open(no_iban, LEVEL_NAME_LIST), tuple(cat.SUPERMARKETS))
    if len(rows):
        shop = description.gather(rows).to_frame("d").select(brand(pl.col("d"), cat.SUPERMARKETS))
        found = shop.to_series()
        ok = found.is_not_null().to_numpy()
        target = found.filter(found.is_not_null()).replace_strict(base.shops, return_dtype=pl.Int64)
        picks.point(rows[ok], LEVEL_NAME_LIST, target.to_numpy())
    # Words in the description, weakest evidence.
    rows = scan(description, picks.open(out, LEVEL_TEXT), cat.DEBT_TEXTS)
    said = pl.lit("de omschrijving noemt een betalingsregeling of aflossing")
    name = display(pl.col("counterparty_name"))
    exprs = fixed(name, Rubriek.AFLOSSING_SCHULDEN, "aflossing", said)
    per_pair(picks, base, rows, LEVEL_TEXT, keys, exprs)
    rows = scan(description, picks.open(income, LEVEL_TEXT), cat.SALARY_TEXTS)
    said = pl.lit("de omschrijving noemt salaris of loon: inkomen uit werk")
    per_pair(picks, base, rows, LEVEL_TEXT, keys, fixed(name, Rubriek.INKOMEN, "inkomen", said))
    _own_accounts(base, picks, keys)


def _links(base: Base, picks: Picks, keys: RowKeys, sent: Index) -> None:
    """Everything between the two accounts of a leefgeld transfer (``sent``: the leefgeld rows
    paid out to an IBAN), in either direction, is leefgeld too."""
    links = distinct_links(keys, sent)
    if not links.height:
        return
    receivers = links.get_column("i").unique().to_numpy()
    near = _isin(base.iban, receivers)[keys.pair] | _isin(keys.account, receivers)
    idx = picks.open(near, LEVEL_LEEFGELD)
    forward = linked(keys, idx, LINK, links, LINK)
    hit = np.flatnonzero(forward | linked(keys, idx, LINK, links, ["h", "i", "a"]))
    reason = _iban_reason(
        "overboeking tussen de beheerrekening en de rekening voor het leefgeld (", ")"
    )
    exprs = fixed(HUISHOUDBOEKJE, Rubriek.LEEFGELD, "leefgeld:rekening", reason)
    per_pair(picks, base, idx[hit], LEVEL_LEEFGELD, keys, exprs)


def _weekly(base: Base, picks: Picks, frame: pl.DataFrame, keys: RowKeys, sent: Mask) -> None:
    """At least four transfers to one personal account, about a week apart."""
    idx = picks.open(sent, LEVEL_LEEFGELD)
    if not len(idx):
        return
    dates = frame.get_column("booking_date").gather(idx).alias("booking_date")
    parts = [keys.household[idx], keys.account[idx], keys.iban[idx]]
    top = _top(*parts)
    if top ** len(parts) <= PACKED_CODES:
        # One number per (household, account, IBAN); rows missing one of them join nothing,
        # so they are left out of the groups (the groups of the others stay the same).
        number = _pack(parts, top)
        complete = (parts[0] > 0) & (parts[1] > 0) & (parts[2] > 0)
        sub = pl.DataFrame({"k": number, "booking_date": dates}).filter(pl.Series(complete))
        found = _weekly_groups(sub, ["k"]).get_column("k").to_numpy()
        hit = np.flatnonzero(_isin(number, found))
    else:
        sub = link_keys(keys, idx).with_columns(dates)
        weekly = _weekly_groups(sub, LINK)
        hit = sub.with_row_index("_i").join(weekly, on=LINK).get_column("_i").to_numpy()
    if not len(hit):
        return
    reason = _iban_reason("elke week een overboeking naar dezelfde rekening (", "): leefgeld")
    exprs = fixed(HUISHOUDBOEKJE, Rubriek.LEEFGELD, "leefgeld:wekelijks", reason)
    per_pair(picks, base, idx[hit.astype(np.int64)], LEVEL_LEEFGELD, keys, exprs)


def _weekly_groups(sub: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """The keys ``by`` of ``sub`` with at least four rows whose booking dates are a median
    6 to 8 days apart."""
    return (
        sub.group_by(by)
        .agg(
            pl.len().alias("n"),
            pl.col("booking_date").sort().diff().dt.total_days().median().alias("gap"),
        )
        .filter((pl.col("n") >= 4) & pl.col("gap").is_between(6, 8))
        .select(by)
    )


def _own_accounts(base: Base, picks: Picks, keys: RowKeys) -> None:
    """A transfer to or from another account of the same household; leefgeld stays leefgeld."""
    accounts = distinct_codes(keys.account)
    candidates = _isin(base.iban, accounts[accounts > 0])[keys.pair]
    if not candidates.any():
        return
    idx = picks.open(candidates, LEVEL_OWN)
    receivers = distinct_codes(keys.iban[idx])
    owned = _isin(keys.account, receivers[receivers > 0])
    owners = distinct_links(keys, np.flatnonzero(owned), ("h", "a"))
    idx = idx[linked(keys, idx, ("h", "i"), owners, ("h", "a"))]
    if not len(idx):
        return
    leefgeld = picks.has_rubriek(idx, Rubriek.LEEFGELD.value)
    picks.level[idx[leefgeld]] = LEVEL_OWN
    reason = _iban_reason("overboeking tussen eigen rekeningen van het huishouden (", ")")
    exprs = fixed(pl.lit(cat.EIGEN_REKENING), Rubriek.EIGEN_REKENING, "eigen_rekening", reason)
    per_pair(picks, base, idx[~leefgeld], LEVEL_OWN, keys, exprs)
