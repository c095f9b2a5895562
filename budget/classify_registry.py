"""The payer registry applied to a whole table: Python per distinct counterparty, polars per row.

Why two levels: the registry's own matcher (:meth:`ingest.payers.PayerRegistry.match`) handles
~100 000 calls a second, far too slow for 30 million transactions but fine for the distinct
(IBAN, name) pairs, of which there are a few per household. Everything the registry decides from
the IBAN or the name is therefore decided once per pair. What depends on the description (which
regeling a UWV payment is, whether a municipality pays bijstand or collects a tax, a toeslag
recognised by text alone) is decided per row with the registry's own patterns translated to
polars (Rust) regexes (:func:`rust_regex`), and only on the rows that can need it
(:mod:`budget.classify_sources`).

The registry semantics are kept exactly (see docs/formats/payers.md): an IBAN decides; otherwise
the first payer whose name pattern matches, where a ``requires_text`` payer (a municipality) also
needs one of its text patterns in the description or name, else the next candidate is tried; else
a ``standalone`` text pattern in the description. To try the next candidate the pair level keeps
a short *chain* of name candidates, found by asking the registry again without the ones before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property

import polars as pl

from ingest.payers import MatchedOn, Payer, PayerKind, PayerRegistry
from ingest.payers.registry import leading_word

CHAIN = 3  # name candidates kept per pair; the registry has at most three payers per name
_WORD = r"[\p{L}\p{N}]"


def rust_regex(source: str) -> str:
    """The registry pattern as a polars regex with the registry's whole-word boundaries.

    The registry compares upper-cased text with ``(?<!W)(?:p)(?!W)``; Rust has no look-around,
    so the boundary characters are consumed instead and the match itself is capture group 1.
    ``(?i)`` on the raw text equals upper-casing it first, without copying 30 million strings.
    """
    return rf"(?i)(?:^|[^\p{{L}}\p{{N}}])((?:{source}))(?:$|[^\p{{L}}\p{{N}}])"


def shown(source: str) -> str:
    """A name pattern as a coach reads it: '^UWV' -> 'UWV'."""
    return source.removeprefix("^")


@dataclass(frozen=True, slots=True)
class TextRule:
    """One text pattern of a payer, numbered across the registry (``gid``)."""

    gid: int
    payer_id: str
    regex: re.Pattern[str]
    polars_regex: str
    regeling: str | None
    kind: PayerKind | None


@dataclass(frozen=True, slots=True)
class PairMatch:
    """What the registry says about one (IBAN, name) pair: a chain of candidate payers."""

    payers: tuple[str, ...]
    matched_on: tuple[str, ...]
    evidence: tuple[str, ...]
    kinds: tuple[str, ...]
    regelingen: tuple[str | None, ...]
    name_text: tuple[int | None, ...]  # first text pattern (gid) of that payer matching the name


class RegistryTables:
    """The registry compiled for table use; build once per registry."""

    def __init__(self, registry: PayerRegistry) -> None:
        self.registry = registry
        self.payers: dict[str, Payer] = {p.id: p for p in registry.payers}
        self.texts: dict[str, tuple[TextRule, ...]] = {}
        self.standalone: list[TextRule] = []
        gid = 0
        for payer in registry.payers:
            rules = []
            for pattern in payer.texts:
                rule = TextRule(
                    gid,
                    payer.id,
                    pattern.regex,
                    rust_regex(pattern.source),
                    pattern.regeling,
                    pattern.kind,
                )
                rules.append(rule)
                if pattern.standalone:
                    self.standalone.append(rule)
                gid += 1
            self.texts[payer.id] = tuple(rules)
        self.rules: dict[int, TextRule] = {r.gid: r for rs in self.texts.values() for r in rs}
        self.ibans = frozenset(i.iban for p in registry.payers for i in p.ibans)
        words = [leading_word(pat.source) for p in registry.payers for pat in p.names]
        self.name_words: tuple[str, ...] | None = (
            None if any(w is None for w in words) else tuple(sorted({w for w in words if w}))
        )
        standalone_words = [
            leading_word(pat.source) for p in registry.payers for pat in p.texts if pat.standalone
        ]
        self.standalone_words: tuple[str, ...] | None = (
            None
            if any(w is None for w in standalone_words)
            else tuple(sorted({w for w in standalone_words if w}))
        )
        self._relaxed: dict[frozenset[str], PayerRegistry] = {}

    def _without(self, excluded: frozenset[str]) -> PayerRegistry:
        """The registry with ``requires_text`` switched off and ``excluded`` payers left out."""
        found = self._relaxed.get(excluded)
        if found is None:
            found = PayerRegistry(
                replace(p, requires_text=False)
                for p in self.registry.payers
                if p.id not in excluded
            )
            self._relaxed[excluded] = found
        return found

    @cached_property
    def text_payers(self) -> frozenset[str]:
        return frozenset(pid for pid, rules in self.texts.items() if rules)

    def match_pair(self, iban: str | None, name: str | None) -> PairMatch | None:
        upper = name.upper() if name else ""
        chain: list[tuple[str, str, str, str, str | None, int | None]] = []
        excluded: frozenset[str] = frozenset()
        while len(chain) < CHAIN:
            found = self._without(excluded).match(iban if not chain else None, name, None)
            if found is None:
                break
            payer = self.payers[found.payer_id]
            via = next((p for p in payer.names if p.source == found.pattern), None)
            kind = via.kind if via is not None and via.kind is not None else payer.kind
            name_hit = next((r.gid for r in self.texts[payer.id] if r.regex.search(upper)), None)
            evidence = found.pattern
            if via is not None and found.matched_on is MatchedOn.NAME:
                seen = via.regex.search(upper)  # the words of the name, not the regex
                evidence = seen.group(0) if seen else evidence
            chain.append(
                (
                    payer.id,
                    str(found.matched_on),
                    evidence,
                    str(kind),
                    via.regeling if via is not None else None,
                    name_hit,
                )
            )
            if found.matched_on is MatchedOn.IBAN or not payer.requires_text:
                break
            excluded = excluded | {payer.id}
        if not chain:
            return None
        columns = list(zip(*chain, strict=True))
        return PairMatch(*(tuple(c) for c in columns))


def pair_frame(tables: RegistryTables, pairs: pl.DataFrame) -> pl.DataFrame:
    """Registry columns for the distinct pairs (``counterparty_iban``, ``counterparty_name``).

    Adds ``c{i}_payer``, ``c{i}_on``, ``c{i}_evidence``, ``c{i}_kind``, ``c{i}_regeling`` and
    ``c{i}_name_text`` for the chain positions. Only pairs whose IBAN is in the registry or whose
    name contains a word some name pattern starts with reach Python.
    """
    maybe = pl.col("counterparty_iban").is_in(list(tables.ibans))
    if tables.name_words is None:
        maybe = pl.lit(True)
    elif tables.name_words:
        maybe = maybe | pl.col("counterparty_name").str.contains_any(
            list(tables.name_words), ascii_case_insensitive=True
        ).fill_null(False)
    candidates = pairs.with_row_index("_pair").filter(maybe)
    rows: dict[str, list[object]] = {"_pair": []}
    for i in range(CHAIN):
        for field in ("payer", "on", "evidence", "kind", "regeling", "name_text"):
            rows[f"c{i}_{field}"] = []
    for index, iban, name in candidates.select(
        "_pair", "counterparty_iban", "counterparty_name"
    ).iter_rows():
        found = tables.match_pair(iban, name)
        if found is None:
            continue
        rows["_pair"].append(index)
        for i in range(CHAIN):
            has = i < len(found.payers)
            rows[f"c{i}_payer"].append(found.payers[i] if has else None)
            rows[f"c{i}_on"].append(found.matched_on[i] if has else None)
            rows[f"c{i}_evidence"].append(found.evidence[i] if has else None)
            rows[f"c{i}_kind"].append(found.kinds[i] if has else None)
            rows[f"c{i}_regeling"].append(found.regelingen[i] if has else None)
            rows[f"c{i}_name_text"].append(found.name_text[i] if has else None)
    schema: dict[str, pl.DataType | type[pl.DataType]] = {"_pair": pl.UInt32}
    for i in range(CHAIN):
        schema |= {
            f"c{i}_payer": pl.String,
            f"c{i}_on": pl.String,
            f"c{i}_evidence": pl.String,
            f"c{i}_kind": pl.String,
            f"c{i}_regeling": pl.String,
            f"c{i}_name_text": pl.Int32,
        }
    found_frame = pl.DataFrame(rows, schema=schema)
    return (
        pairs.with_row_index("_pair")
        .join(found_frame, on="_pair", how="left", maintain_order="left")
        .drop("_pair")
    )
