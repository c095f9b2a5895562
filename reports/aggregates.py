"""The municipality's aggregates: every table of :mod:`reports.tables`, only through the
disclosure control, for the gemeente as a whole or per wijk.

How the tables protect each other:

- **Same households, same answer.** Every table covers all households of an area, so the
  number of households of a wijk appears in each of them. If one table must hide it, all do
  (otherwise another table hands it back); this is repeated until no table adds a wijk.
- **Gemeente and wijk exports agree.** A wijk export contains the gemeente rows too. They are
  protected first, exactly as the gemeente export protects them, and the wijk cells are then
  protected with those gemeente cells counted as known to the attacker. So the two exports
  show the same gemeente figures and cannot be combined into more than either reveals.
- **One theme, the same figures.** A page may ask for a few tables (``tables=``). The first
  point couples all tables, so every table is still protected; only the medians and the rows
  of the others are skipped, and the theme's rows are exactly those of the full export.

The result is a long table (:data:`EXPORT_SCHEMA`): one row per table, area, class and value,
never a row about one household, never a name, IBAN or household code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final, cast

import numpy as np
import polars as pl

from reports.cube import TOTAL, cube, value_cells
from reports.disclosure import (
    Protected,
    Rules,
    coordinates,
    primary_count,
    primary_value,
    protect,
)
from reports.facts import HouseholdFacts
from reports.published import PUBLISHED_SCHEMA, published, suppressed_counts
from reports.secondary import (
    NONE,
    Bools,
    Measure,
    Pattern,
    SuppressionError,
    derivable,
    group_leaks,
    one_blas_thread,
    shared_lattice,
)
from reports.tables import UNKNOWN, TableSpec, records, resolve, table_specs


class Level(StrEnum):
    GEMEENTE = "gemeente"
    WIJK = "wijk"


EXPORT_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "tabel": pl.String,
    "gemeente": pl.String,
    "jaar": pl.Int32,
    "wijk": pl.String,
    "kenmerk": pl.String,
    "klasse": pl.String,
    **{k: v for k, v in PUBLISHED_SCHEMA.items() if k != "variabele"},
    "variabele": pl.String,
    "eenheid": pl.String,
}
"""``wijk`` is "totaal" for the gemeente as a whole; ``klasse`` is "totaal" for all households
of the area; ``som``/``gemiddelde``/``mediaan`` are in ``eenheid`` (cent or aantal)."""


@dataclass(frozen=True, slots=True)
class Aggregates:
    frame: pl.DataFrame
    metadata: dict[str, object]


@dataclass(frozen=True, slots=True)
class _Run:
    spec: TableSpec
    dims: tuple[str, ...]
    counts: pl.DataFrame
    values: dict[str, pl.DataFrame]
    protected: Protected
    combined: frozenset[int] = frozenset()
    """Cells hidden so that combining tables reveals no hidden wijk total (see _row_cells)."""
    everything: bool = False
    """The control found no pattern that hides less: every cell of the area level is hidden
    (see :func:`_hide_everything`)."""


EVERYTHING_NOTE: Final = (
    "secundair: deze tabel is niet veilig te tonen met minder verborgen cellen; daarom is "
    "elke cel van dit niveau verborgen"
)
COMBINED_NOTE: Final = (
    "secundair: anders zijn verborgen wijktotalen af te leiden door tabellen te combineren"
)


def _hide_everything(
    counts: pl.DataFrame,
    cells: Mapping[str, pl.DataFrame],
    dims: tuple[str, ...],
    area: Sequence[str],
    rules: Rules,
    gemeente: _Gemeente | None,
) -> Protected:
    """The last resort when no smaller pattern is found: every cell of the level is hidden
    (at wijk level every wijk cell but those that follow from the gemeente export's figures;
    the gemeente cells exactly as the gemeente export has them). Nothing but what the gemeente
    export shows is left, so nothing more can be worked out from this table."""
    lattice = shared_lattice(coordinates(counts, dims))
    level = (
        (counts[area[0]] != TOTAL).to_numpy() if area else np.ones(counts.height, dtype=np.bool_)
    )
    none = np.full(counts.height, NONE, dtype=np.int64)

    count_primary = primary_count(counts, rules)
    measure = Measure(counts["n"].to_numpy().astype(np.int64), rules.min_households)

    def pattern(stat: str | None, sensitive: Bools) -> Pattern:
        hidden = level.copy()
        if gemeente is not None:
            # A cell that follows from what the gemeente export shows (with one wijk: every
            # cell) is known anyway: hiding it would protect nothing.
            known = np.zeros(counts.height, dtype=np.bool_)
            known[derivable(lattice, measure, ~gemeente.shown[stat])] = True
            hidden &= ~(known & ~sensitive)
            hidden |= gemeente.hidden[stat]
        return Pattern(np.asarray(hidden, dtype=np.bool_), none.copy(), none.copy())

    count_pattern = pattern(None, count_primary)
    values: dict[str, tuple[Pattern, Bools, Bools]] = {}
    for name, frame in cells.items():
        few, dom = primary_value(frame, rules)
        own = pattern(name, few | dom | count_pattern.suppressed)
        both = np.asarray(own.suppressed | count_pattern.suppressed, dtype=np.bool_)
        values[name] = (Pattern(both, own.protects, own.via), few, dom)
    return Protected(dims, lattice, count_pattern, count_primary, values)


def _area_key(cells: pl.DataFrame, area: Sequence[str], categories: Sequence[str]) -> list[str]:
    """Per cell, the area it is the all-households cell of, or "" for other cells."""
    whole = cells.select(
        pl.all_horizontal([pl.col(c) == TOTAL for c in categories] or [pl.lit(True)])
    ).to_series()
    area_values = cells[area[0]].to_list() if area else [TOTAL] * cells.height
    return [a if w else "" for a, w in zip(area_values, whole.to_list(), strict=True)]


def _protect_level(
    prepared: Mapping[str, _Prepared],
    specs: Sequence[TableSpec],
    area: Sequence[str],
    rules: Rules,
) -> dict[str, _Run]:
    """Protect every table at one level, hiding an area's total in all tables if in one.

    A table is protected again only when it must hide a cell it does not hide yet: a cell it
    already hides is underivable there (hidden means "cannot be worked out"), so forcing it
    changes nothing.
    """
    hidden_areas: set[str] = set()
    extra: dict[str, set[int]] = {spec.name: set() for spec in specs}
    runs: dict[str, _Run] = {}
    while True:
        for spec in specs:
            counts, cells, dims, gemeente = prepared[spec.name]
            keys = _area_key(counts, area, [d.column for d in spec.dims])
            forced = np.array([k in hidden_areas for k in keys], dtype=np.bool_)
            forced[list(extra[spec.name])] = True
            before = runs.get(spec.name)
            if before is not None and not (forced & ~before.protected.counts.suppressed).any():
                runs[spec.name] = replace(before, combined=frozenset(extra[spec.name]))
                continue
            everything = before is not None and before.everything
            try:
                if everything:
                    raise SuppressionError("every cell is hidden already")
                if gemeente is None:
                    result = protect(counts, cells, dims, rules, forced=forced)
                else:
                    result = protect(
                        counts,
                        cells,
                        dims,
                        rules,
                        fixed=gemeente.shown[None],
                        forced=forced | gemeente.hidden[None],
                        fixed_values={v: gemeente.shown[v] for v in cells},
                        forced_values={v: gemeente.hidden[v] for v in cells},
                    )
            except SuppressionError:
                # Never an error for the analyst: hide the whole level of this table instead.
                result = _hide_everything(counts, cells, dims, area, rules, gemeente)
                everything = True
            runs[spec.name] = _Run(
                spec, dims, counts, cells, result, frozenset(extra[spec.name]), everything
            )
        found = {
            k
            for run in runs.values()
            for k, hidden in zip(
                _area_key(run.counts, area, [d.column for d in run.spec.dims]),
                run.protected.counts.suppressed,
                strict=True,
            )
            if k and hidden
        }
        if not found <= hidden_areas:
            hidden_areas |= found
            continue
        with one_blas_thread():  # small matrices: see protect()
            more = {name: _row_cells(run, area, hidden_areas) for name, run in runs.items()}
        if all(m is not None and not m for m in more.values()):
            return runs
        for name, cells_ in more.items():
            if cells_ is None:  # nothing smaller helps: the last resort
                run = runs[name]
                counts, cells, _, gemeente = prepared[name]
                hidden = _hide_everything(counts, cells, run.dims, area, rules, gemeente)
                runs[name] = replace(run, protected=hidden, everything=True)
            else:
                extra[name] |= cells_


_Prepared = tuple[pl.DataFrame, dict[str, pl.DataFrame], tuple[str, ...], "_Gemeente | None"]
"""A table's cells (count, and per value), its dimensions, the gemeente export's decisions."""


def _cube(
    rows: pl.DataFrame,
    spec: TableSpec,
    area: Sequence[str],
    area_levels: Sequence[str],
    *,
    medians: bool,
) -> pl.DataFrame:
    """The table's cells over the area and its classes, margins included."""
    dims = (*area, *(d.column for d in spec.dims))
    levels = {d.column: d.levels for d in spec.dims} | {a: area_levels for a in area}
    values = [v.column for v in spec.values]
    return cube(rows.select(*dims, *values), dims, levels, values, medians=medians)


def _gemeente_part(frame: pl.DataFrame, area: Sequence[str]) -> pl.DataFrame:
    """The gemeente table inside a wijk table's cells: the cells with every area at TOTAL
    are the gemeente table's cells, in its order (the grid puts TOTAL last), so the gemeente
    level needs no group-bys of its own."""
    if not area:
        return frame
    return frame.filter(pl.all_horizontal(pl.col(a) == TOTAL for a in area)).drop(area)


def _prepare(
    frame: pl.DataFrame, spec: TableSpec, area: Sequence[str], known: Mapping[str, _Run] | None
) -> _Prepared:
    """The table's cells (count, and per value), its dimensions, the gemeente decisions."""
    dims = (*area, *(d.column for d in spec.dims))
    values = [v.column for v in spec.values]
    counts = value_cells(frame, dims, None)
    cells = {v: value_cells(frame, dims, v) for v in values}
    return counts, cells, dims, _gemeente_cells(counts, area, known, spec.name)


def _row_cells(run: _Run, area: Sequence[str], hidden_areas: set[str]) -> set[int] | None:
    """Cells to hide so that this table reveals nothing about the hidden wijk totals but their
    sum (:func:`reports.secondary.group_leaks`): for each wijk involved in a revealed
    combination, the smallest published cell of its row, else of its classes in a wijk whose
    total is shown, else the zeros of its row. None: none of these is left, so the table's
    whole wijk level must be hidden (:func:`_hide_everything`)."""
    if not area or len(hidden_areas) < 2 or run.everything:
        return set()
    categories = [d.column for d in run.spec.dims]
    keys = _area_key(run.counts, area, categories)
    group = np.array([i for i, k in enumerate(keys) if k in hidden_areas], dtype=np.int64)
    lattice, pattern = run.protected.lattice, run.protected.counts
    n = run.counts["n"].to_numpy().astype(np.int64)
    involved = group_leaks(lattice, Measure(n, 1), pattern.suppressed, group)
    wijk = run.counts[area[0]].to_list()
    classes = list(zip(*(run.counts[c] for c in categories), strict=True))
    open_ = [
        i for i in range(len(wijk)) if not pattern.suppressed[i] and n[i] > 0 and wijk[i] != TOTAL
    ]
    out: set[int] = set()
    for cell in involved.tolist():
        # its own row first; else the same classes in a wijk whose total is published (a
        # column of the table); else the total of such a wijk, which then joins the group
        own_classes = {classes[i] for i in range(len(wijk)) if wijk[i] == wijk[cell]}
        for choice in (
            [i for i in open_ if wijk[i] == wijk[cell]],
            [i for i in open_ if classes[i] in own_classes and wijk[i] not in hidden_areas],
        ):
            if choice:
                out.add(min(choice, key=lambda i: (int(n[i]), i)))
                break
        else:
            # Only its published zeros are left: they tell which classes the wijk consists
            # of (and that nobody there is in the others), so they are hidden too.
            out |= {
                i
                for i in range(len(wijk))
                if wijk[i] == wijk[cell] and not pattern.suppressed[i] and n[i] == 0
            }
    if involved.size and not out:
        return None
    return out


@dataclass(frozen=True, slots=True)
class _Gemeente:
    """What the gemeente export shows (``shown``) and hides (``hidden``) of a wijk table's
    gemeente cells, per statistic (None: counts; else the value's name)."""

    shown: dict[str | None, Bools]
    hidden: dict[str | None, Bools]


def _gemeente_cells(
    counts: pl.DataFrame, area: Sequence[str], known: Mapping[str, _Run] | None, name: str
) -> _Gemeente | None:
    """The gemeente export's decisions on the gemeente cells of this wijk table: what it shows
    is known to an attacker, what it hides must stay hidden here too."""
    if known is None or not area:
        return None
    run = known[name]
    categories = list(run.dims)
    gemeente_keys = list(zip(*(run.counts[c] for c in categories), strict=True))
    own_keys = list(zip(*(counts[c] for c in categories), strict=True))
    at_gemeente = (counts[area[0]] == TOTAL).to_numpy()

    def lookup(suppressed: Bools, hidden: bool) -> Bools:
        keys = {k for k, h in zip(gemeente_keys, suppressed, strict=True) if bool(h) == hidden}
        mask = np.array([k in keys for k in own_keys], dtype=np.bool_)
        return np.asarray(mask & at_gemeente, dtype=np.bool_)

    patterns: dict[str | None, Bools] = {None: run.protected.counts.suppressed}
    patterns |= {v: p.suppressed for v, (p, _, _) in run.protected.values.items()}
    return _Gemeente(
        shown={k: lookup(p, False) for k, p in patterns.items()},
        hidden={k: lookup(p, True) for k, p in patterns.items()},
    )


def _flatten(
    run: _Run, area: Sequence[str], rules: Rules, municipality: str, year: int
) -> pl.DataFrame:
    spec = run.spec
    labels = {d.column: d.label for d in spec.dims} | {"wijk": "wijk"}
    if run.everything:
        notes = dict.fromkeys(range(run.counts.height), EVERYTHING_NOTE)
    else:
        notes = dict.fromkeys(run.combined, COMBINED_NOTE)
    table = published(
        run.counts, run.values, run.protected, rules, share_within=area, labels=labels, notes=notes
    )
    categories = [d.column for d in spec.dims]
    klasse = _class_label(spec, categories)
    units = {v.column: v.unit for v in spec.values}
    names = {v.column: v.label for v in spec.values}
    return table.select(
        pl.lit(spec.name).alias("tabel"),
        pl.lit(municipality).alias("gemeente"),
        pl.lit(year, pl.Int32).alias("jaar"),
        (pl.col("wijk") if area else pl.lit(TOTAL)).alias("wijk"),
        pl.lit(" x ".join(d.label for d in spec.dims) or TOTAL).alias("kenmerk"),
        klasse.alias("klasse"),
        *(pl.col(c) for c in PUBLISHED_SCHEMA if c != "variabele"),
        pl.col("variabele")
        .replace_strict(names, default=None, return_dtype=pl.String)
        .alias("variabele"),
        pl.col("variabele")
        .replace_strict(units, default=None, return_dtype=pl.String)
        .alias("eenheid"),
    )


def _same_gemeente(rows: pl.DataFrame, whole: pl.DataFrame) -> bool:
    status = ["klasse", "variabele", "status_huishoudens", "status_waarde"]
    mine = rows.filter(pl.col("wijk") == TOTAL).select(status).sort(status, nulls_last=True)
    return mine.equals(whole.select(status).sort(status, nulls_last=True))


def _class_label(spec: TableSpec, categories: Sequence[str]) -> pl.Expr:
    if not categories:
        return pl.lit(TOTAL)
    if len(categories) == 1:
        return pl.col(categories[0])
    parts = [
        pl.when(pl.col(d.column) == TOTAL)
        .then(pl.lit(None, pl.String))
        .otherwise(pl.lit(f"{d.label}: ") + pl.col(d.column))
        for d in spec.dims
    ]
    joined = pl.concat_str(parts, separator="; ", ignore_nulls=True)
    return pl.when(joined == "").then(pl.lit(TOTAL)).otherwise(joined)


def aggregate(
    facts: HouseholdFacts,
    municipality: str,
    year: int,
    level: Level,
    rules: Rules,
    tables: Collection[str] | None = None,
) -> Aggregates:
    """The disclosure-controlled aggregates of one municipality and year.

    ``tables`` (names from :func:`reports.tables.table_specs`; default all) limits the rows and
    the metadata to those tables, for a page that shows one theme. Every table is protected
    all the same, because the tables protect each other (an area total hidden in one is
    hidden in all, see the module doc): a table's rows are exactly those of the full export.
    Skipped for the other tables is only what no decision reads: their medians and their rows.
    """
    names = [s.name for s in table_specs()]
    if tables is not None and (unknown := sorted(set(tables) - set(names))):
        raise ValueError(f"onbekende tabel: {', '.join(unknown)}")
    wanted = set(names if tables is None else tables)
    frame = facts.frame.filter((pl.col("municipality") == municipality) & (pl.col("year") == year))
    specs, left_out = [], []
    for spec in table_specs():
        resolved, why = resolve(spec, facts)
        if resolved is None:
            left_out.append({"tabel": spec.name, "titel": spec.title, "reden": why})
        else:
            specs.append(resolved)
    rows = records(frame, specs)
    area = cast(tuple[str, ...], ())
    wijken: list[str] = []
    if level is Level.WIJK:
        present = set(rows["wijk"].to_list())
        wijken = sorted(present - {UNKNOWN}) + ([UNKNOWN] if UNKNOWN in present else [])
        area = ("wijk",)
    cubes = {s.name: _cube(rows, s, area, wijken, medians=s.name in wanted) for s in specs}
    whole_cells = {
        s.name: _prepare(_gemeente_part(cubes[s.name], area), s, (), None) for s in specs
    }
    gemeente = _protect_level(whole_cells, specs, (), rules)
    runs = gemeente
    if area:
        wijk_cells = {s.name: _prepare(cubes[s.name], s, area, gemeente) for s in specs}
        runs = _protect_level(wijk_cells, specs, area, rules)
    runs = {name: run for name, run in runs.items() if name in wanted}
    parts = []
    for name, run in runs.items():
        rows_ = _flatten(run, area, rules, municipality, year)
        if area:
            # The gemeente rows are the gemeente export's, reasons included (same decisions).
            whole = _flatten(gemeente[name], (), rules, municipality, year)
            if not _same_gemeente(rows_, whole):
                # Checked on every export; should it ever differ, the wijk level goes, never
                # the analyst's export.
                counts, cells, dims, known = wijk_cells[name]
                hidden = _hide_everything(counts, cells, dims, area, rules, known)
                run = replace(run, protected=hidden, everything=True)
                runs[name] = run
                rows_ = _flatten(run, area, rules, municipality, year)
            rows_ = pl.concat([rows_.filter(pl.col("wijk") != TOTAL), whole])
        parts.append(rows_)
    out = pl.concat(parts) if parts else pl.DataFrame(schema=EXPORT_SCHEMA)
    out = out.select(list(EXPORT_SCHEMA)).cast(EXPORT_SCHEMA)  # type: ignore[arg-type]
    suppressed = out.filter(
        (pl.col("status_huishoudens") == "onderdrukt") | (pl.col("status_waarde") == "onderdrukt")
    ).select("tabel", "wijk", "klasse", "variabele", "reden")
    metadata: dict[str, object] = {
        "gemeente": municipality,
        "jaar": year,
        "periode": {"van": f"{dt.date(year, 1, 1)}", "tot_en_met": f"{dt.date(year, 12, 31)}"},
        "niveau": str(level),
        "regels": rules.as_dict(),
        "tabellen": [
            {"tabel": s.name, "titel": s.title, "kenmerken": [d.label for d in s.dims]}
            for s in specs
            if s.name in wanted
        ],
        "niet_beschikbaar": [t for t in left_out if t["tabel"] in wanted],
        "onderdrukt_per_tabel": {
            name: suppressed_counts(run.protected) for name, run in runs.items()
        },
        "onderdrukte_cellen": suppressed.to_dicts(),
        "bronnen": dict(facts.sources),
    }
    return Aggregates(out, metadata)
