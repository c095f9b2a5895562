"""Secondary suppression: hide enough other cells that no suppressed cell can be worked back.

A table with all its margins is a set of linear relations: every margin is the sum of its
parts along each dimension it sums over (a *line*). Publishing a margin and all but one of its
parts publishes that last part too, and a total minus a published subset reveals the rest. Three
passes, repeated until none changes anything:

1. **Lines.** In every line whose margin is published, the suppressed parts must be at least
   two, and together they must pass the primary rule themselves (enough households, no
   dominating one), because their union *is* published (margin minus the published parts). If
   not, the smallest published part of that line is suppressed as well; when no part is left,
   the margin itself.
2. **Differences.** For every published cell and every published cell inside it (a filter
   combination and a narrower one), their difference is published too; it must be empty or
   pass the primary rule. If not, the narrower cell is suppressed.
3. **Exact check.** Linear algebra over the innermost cells (the *atoms*; empty ones are known
   zeros): a suppressed cell is derivable when its indicator vector lies in the row space of
   the published cells. This catches what lines miss (a chain of lines through several
   margins). A derivable cell gets a complement suppressed next to it and the loop repeats.

When all passes are quiet, no suppressed cell, and so no household below the threshold or
dominating its cell, can be recovered exactly from the published cells of this table. A
complement that turns out to follow from the published cells anyway is published again at the
end (it protected nothing), so "hidden" always means "cannot be worked out". Which
cell to sacrifice is a heuristic (the smallest, so the least information is lost); the
guarantee comes from the exact check, not from the heuristic.

``fixed`` cells are published elsewhere already (the gemeente level of a wijk table is also the
gemeente table): they count as known to the attacker and are never suppressed here, so the two
exports stay consistent and cannot be combined against each other.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from threadpoolctl import ThreadpoolController

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

NONE = -1


@functools.cache
def _controller() -> ThreadpoolController:
    return ThreadpoolController()


def one_blas_thread() -> AbstractContextManager[object]:
    """Run the linear algebra on one BLAS thread: its matrices are small (one row or column per
    hidden cell), and OpenBLAS's threads made it 40 times slower on a busy two-core machine.
    One controller for the process: ``threadpool_limits`` looks up the loaded libraries anew on
    every call, a few milliseconds each, and the aggregates call this for every table."""
    limiter: AbstractContextManager[object] = _controller().limit(limits=1, user_api="blas")
    return limiter


@dataclass(frozen=True, slots=True)
class Lattice:
    """The linear structure of a table: cells by coordinates (``-1`` = margin over that
    dimension), lines (margin, parts) and which atoms each cell adds up."""

    coords: Ints
    lines: tuple[tuple[int, Ints], ...]
    child_of: tuple[tuple[int, ...], ...]
    """Per cell, the lines it is a part of."""
    parent_of: tuple[tuple[int, ...], ...]
    """Per cell, the lines it is the margin of."""
    incidence: Bools
    """(cells x atoms): whether the atom (an innermost cell) is part of the cell."""
    within: Bools
    """(cells x cells): ``within[p, c]`` when cell ``c`` lies inside cell ``p`` (``c != p``)."""
    atoms: Ints
    """The cell index of each atom."""
    pairs: Ints
    """(pairs x 2): every ``(p, c)`` with ``within[p, c]``, in row-major order."""

    @property
    def size(self) -> int:
        return int(self.coords.shape[0])


def build_lattice(coords: Ints) -> Lattice:
    """The lattice of a complete grid of cells given by their coordinates (see :class:`Lattice`).

    Cells are found by a mixed-radix key (each coordinate shifted by one, so a margin is 0)
    rather than a dictionary of tuples: the lines of a wijk table number in the thousands.
    Lines are ordered by margin cell, then by the dimension summed over.
    """
    m, d = coords.shape
    extent = [int(coords[:, k].max()) + 1 if m else 0 for k in range(d)]
    strides = np.ones(d, dtype=np.int64)
    for k in range(d - 2, -1, -1):
        strides[k] = strides[k + 1] * (extent[k + 1] + 1)
    keys = (coords + 1) @ strides if d else np.zeros(m, dtype=np.int64)
    position = np.full(int(np.prod([e + 1 for e in extent])), -1, dtype=np.int64)
    position[keys] = np.arange(m, dtype=np.int64)
    margins, dims, parts_of = [], [], []
    for k in range(d):
        margin = np.flatnonzero(coords[:, k] == NONE)
        steps = np.arange(1, extent[k] + 1, dtype=np.int64) * strides[k]
        parts = position[keys[margin, None] + steps[None, :]]
        if (parts < 0).any():
            raise KeyError(f"incomplete grid: dimension {k} misses cells")
        margins.append(margin)
        dims.append(np.full(margin.size, k, dtype=np.int64))
        parts_of.append(parts)
    lines: list[tuple[int, Ints]] = []
    child_of: list[list[int]] = [[] for _ in range(m)]
    parent_of: list[list[int]] = [[] for _ in range(m)]
    if d:
        cells, along = np.concatenate(margins), np.concatenate(dims)
        rows = np.concatenate([np.arange(x.size) for x in margins])
        for line, j in enumerate(np.lexsort((along, cells)).tolist()):
            cell, parts = int(cells[j]), parts_of[int(along[j])][int(rows[j])]
            lines.append((cell, parts))
            parent_of[cell].append(line)
            for part in parts.tolist():
                child_of[part].append(line)
    innermost = np.flatnonzero((coords != NONE).all(axis=1)).astype(np.int64)
    atom_coords = coords[innermost]
    incidence = np.ones((m, innermost.size), dtype=np.bool_)
    for k in range(d):
        incidence &= (coords[:, None, k] == NONE) | (coords[:, None, k] == atom_coords[None, :, k])
    within = np.ones((m, m), dtype=np.bool_)
    for k in range(d):  # one dimension at a time: no (cells x cells x dims) temporary
        column = coords[:, k]
        within &= (column == NONE)[:, None] | (column[:, None] == column[None, :])
    np.fill_diagonal(within, False)
    return Lattice(
        coords=coords,
        within=within,
        lines=tuple(lines),
        child_of=tuple(tuple(c) for c in child_of),
        parent_of=tuple(tuple(p) for p in parent_of),
        incidence=incidence,
        atoms=innermost,
        pairs=np.argwhere(within).astype(np.int64),
    )


def shared_lattice(coords: Ints) -> Lattice:
    """:func:`build_lattice`, built once per grid: the tables of an aggregate share a few
    shapes (every regeling table is wijk x right x receipt), so a request needs a handful of
    lattices, not one per table and level. The shared lattice is read-only."""
    grid = np.ascontiguousarray(coords, dtype=np.int64)
    return _cached_lattice(grid.shape, grid.tobytes())


@functools.lru_cache(maxsize=32)
def _cached_lattice(shape: tuple[int, ...], data: bytes) -> Lattice:
    lattice = build_lattice(np.frombuffer(data, dtype=np.int64).reshape(shape).copy())
    arrays = [lattice.coords, lattice.within, lattice.incidence, lattice.atoms, lattice.pairs]
    for array in [*arrays, *(parts for _cell, parts in lattice.lines)]:
        array.setflags(write=False)
    return lattice


@dataclass(frozen=True, slots=True)
class Measure:
    """What the primary rule looks at, per cell: households or observations, and for a value
    the absolute sum and the largest absolute single contribution (dominance)."""

    size: Ints
    min_size: int
    abs_sum: Ints | None = None
    max_abs: Ints | None = None
    dominance_pct: int | None = None

    def safe_union(self, cells: Sequence[int] | Ints) -> bool:
        """Whether the union of these (disjoint) cells could be published on its own."""
        idx = np.asarray(cells, dtype=np.int64)
        size = int(self.size[idx].sum())
        if size == 0:
            return True
        if size < self.min_size:
            return False
        if self.dominance_pct is None or self.abs_sum is None or self.max_abs is None:
            return True
        total = int(self.abs_sum[idx].sum())
        return int(self.max_abs[idx].max()) * 100 <= self.dominance_pct * total


@dataclass(frozen=True, slots=True)
class Pattern:
    """The outcome: which cells are suppressed, and for a secondary suppression which cell it
    protects and through which margin that cell would otherwise be derived."""

    suppressed: Bools
    protects: Ints
    via: Ints


def _basis(rows: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Orthonormal basis of the row space.

    From the eigenvectors of the smaller of the two Gram matrices (rows x rows or columns x
    columns) rather than an SVD, several times faster. The rows are 0/1 incidence vectors
    of a few hundred cells, whose non-zero singular values stay far above the cut-off of
    1e-5 of the largest; the exact check of the tests (rank comparisons) guards this.
    """
    if rows.shape[0] == 0 or rows.shape[1] == 0:
        return np.zeros((0, rows.shape[1]))
    if rows.shape[0] < rows.shape[1]:
        # few published rows over many hidden atoms: the small Gram matrix of the rows
        values, vectors = np.linalg.eigh(rows @ rows.T)
        keep = values > float(values[-1]) * 1e-10
        return np.asarray((vectors[:, keep] / np.sqrt(values[keep])).T @ rows)
    values, vectors = np.linalg.eigh(rows.T @ rows)
    keep = values > float(values[-1]) * 1e-10
    return np.asarray(vectors[:, keep].T, dtype=np.float64)


def _hidden_system(lattice: Lattice, suppressed: Bools) -> tuple[Bools, npt.NDArray[np.float64]]:
    """The unknowns and what is known of them: the hidden atoms, and an orthonormal basis of
    the published cells restricted to them.

    Why this suffices: a published atom is a published cell, so its value is known on its own;
    a vector lies in the row space of the published cells exactly when its part on the hidden
    atoms lies in the row space of the published cells' parts on them. (Empty atoms that are
    published are known zeros; a hidden empty atom is an unknown like any other.) The system is
    as large as what is hidden, not as the table, which keeps wide tables fast.
    """
    hidden = suppressed[lattice.atoms]
    known = lattice.incidence[~suppressed][:, hidden]
    return hidden, _basis(known[known.any(axis=1)].astype(np.float64))


def derivable(
    lattice: Lattice, measure: Measure, suppressed: Bools, targets: Bools | None = None
) -> Ints:
    """Cells among ``targets`` (default: the suppressed ones) whose value follows exactly from
    the published cells (see :func:`_hidden_system`)."""
    del measure  # the structure alone decides; kept for a uniform signature
    wanted = np.flatnonzero(suppressed if targets is None else targets)
    if wanted.size == 0:
        return np.zeros(0, dtype=np.int64)
    hidden, basis = _hidden_system(lattice, suppressed)
    vectors = lattice.incidence[wanted][:, hidden].astype(np.float64)
    residual = vectors - (vectors @ basis.T) @ basis if basis.size else vectors
    found = np.abs(residual).max(axis=1, initial=0.0) < 1e-7
    return np.asarray(wanted[found], dtype=np.int64)


def group_leaks(lattice: Lattice, measure: Measure, suppressed: Bools, group: Ints) -> Ints:
    """Cells of ``group`` (disjoint hidden cells, e.g. the hidden wijk totals) that take part in
    a combination the published cells reveal, other than the sum of the whole group.

    Each table may reveal about the group no more than that sum (which the gemeente total
    gives anyway). Then no combination of tables reveals more: their knowledge about the
    group is the same one number, so each table's own protection holds against all of them.
    """
    del measure
    if group.size < 2:
        return np.zeros(0, dtype=np.int64)
    hidden, basis = _hidden_system(lattice, suppressed)
    members = lattice.incidence[group][:, hidden].astype(np.float64)
    residual = members - (members @ basis.T) @ basis if basis.size else members
    # combinations c with c @ members in the published row space: c @ residual == 0, the
    # null space of the (group x group) Gram matrix of the residuals
    values, vectors = np.linalg.eigh(residual @ residual.T)
    null = vectors[:, values <= max(float(values[-1]), 1.0) * 1e-10].T
    if null.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    ones = np.ones(group.size) / np.sqrt(group.size)
    null = null - np.outer(null @ ones, ones)
    involved = (np.abs(null) > 1e-7).any(axis=0)
    return np.asarray(group[involved], dtype=np.int64)


class SuppressionError(RuntimeError):
    """No cell is left to hide although a sensitive cell can still be derived: the cells
    published elsewhere (``fixed``) reveal it. Means a bug upstream, never bad user input."""


def suppress(
    lattice: Lattice,
    measure: Measure,
    primary: Bools,
    *,
    fixed: Bools | None = None,
    forced: Bools | None = None,
) -> Pattern:
    """Primary plus secondary suppression for one statistic of one table (see module doc).

    ``forced`` cells are suppressed from the start (the same households' cell was suppressed
    in another table). ``fixed`` cells are published elsewhere (the gemeente table beside a
    wijk table): they count as known to an attacker and are never chosen, nor is any cell
    that follows from them. The *sensitive* cells (primary, forced, and a cell hidden to stop
    a differencing attack) must end up underivable; other hidden cells are only means to that.
    """
    m = lattice.size
    sensitive = primary | (forced if forced is not None else False)
    known = np.zeros(m, dtype=np.bool_) if fixed is None else fixed & ~sensitive
    if known.any():
        follows = derivable(lattice, measure, ~known)
        known[follows[~sensitive[follows]]] = True
        clash = follows[sensitive[follows]]
        if clash.size:
            raise SuppressionError(f"cells published elsewhere reveal cells {clash.tolist()}")
    state = _State(
        lattice,
        measure,
        suppressed=sensitive.copy(),
        sensitive=sensitive.copy(),
        known=known,
        protects=np.full(m, NONE, dtype=np.int64),
        via=np.full(m, NONE, dtype=np.int64),
    )
    while True:
        while state.line_pass():
            pass
        if state.difference_pass():
            continue
        follows = derivable(lattice, measure, state.suppressed)  # one system per round
        found = follows[state.sensitive[follows]]
        if found.size:
            changed = [state.break_derivation(int(cell)) for cell in found]
            if not any(changed):
                raise SuppressionError(f"no cell left to hide for cells {found.tolist()}")
            continue
        # A complement that follows from the published cells protects nothing: publish it,
        # and never pick it again (it is known), so hidden means "cannot be worked out".
        spare = follows[~state.sensitive[follows]]
        if spare.size == 0:
            break
        state.suppressed[spare] = False
        state.known[spare] = True
        state.protects[spare] = NONE
        state.via[spare] = NONE
    return Pattern(state.suppressed, state.protects, state.via)


@dataclass(slots=True)
class _State:
    lattice: Lattice
    measure: Measure
    suppressed: Bools
    sensitive: Bools
    known: Bools
    protects: Ints
    via: Ints

    def _pick(self, candidates: Sequence[int]) -> int | None:
        """The smallest published, non-empty candidate that is not known from elsewhere."""
        open_ = [
            c
            for c in candidates
            if not self.suppressed[c] and not self.known[c] and self.measure.size[c] > 0
        ]
        return min(open_, key=lambda c: (int(self.measure.size[c]), c)) if open_ else None

    def _hide(self, cell: int, protects: int, via: int) -> None:
        self.suppressed[cell] = True
        self.protects[cell] = protects
        self.via[cell] = via

    def line_pass(self) -> bool:
        changed = False
        # Only a line with a sensitive, non-empty part can need a cell: sensitive cells are
        # always hidden and none becomes sensitive in this pass, so the other lines are skipped
        # (in their order, so the choices are those of a pass over every line).
        hot = np.flatnonzero(self.sensitive & (self.measure.size > 0)).tolist()
        for line in sorted({x for cell in hot for x in self.lattice.child_of[cell]}):
            parent, parts = self.lattice.lines[line]
            if self.suppressed[parent]:
                continue
            hidden = parts[self.suppressed[parts] & (self.measure.size[parts] > 0)]
            if not self.sensitive[hidden].any():
                continue  # hidden parts that pass the rule on their own are safe together
            if hidden.size >= 2 and self.measure.safe_union(hidden):
                continue
            choice = self._pick([int(p) for p in parts])
            if choice is None and not self.known[parent]:
                choice = parent
            if choice is None:
                continue  # the exact check decides
            self._hide(choice, int(hidden[0]), parent)
            changed = True
        return changed

    def difference_pass(self) -> bool:
        """Suppress a narrower cell whose difference with a wider published cell is a group
        that fails the primary rule (the differencing attack)."""
        measure, lattice = self.measure, self.lattice
        published = ~self.suppressed & (measure.size > 0)
        pairs = lattice.pairs[published[lattice.pairs[:, 0]] & published[lattice.pairs[:, 1]]]
        if pairs.size == 0:
            return False
        wide, narrow = pairs[:, 0], pairs[:, 1]
        rest = measure.size[wide] - measure.size[narrow]
        bad = (rest > 0) & (rest < measure.min_size)
        if measure.dominance_pct is not None and measure.abs_sum is not None:
            assert measure.max_abs is not None
            check = np.flatnonzero(~bad & (rest > 0))
            # The largest contribution to the difference is at most the wide cell's largest:
            # only where that could dominate is the difference itself looked at.
            total = measure.abs_sum[wide[check]] - measure.abs_sum[narrow[check]]
            check = check[measure.max_abs[wide[check]] * 100 > measure.dominance_pct * total]
            atom_max = measure.max_abs[lattice.atoms]
            inside = lattice.incidence[wide[check]] & ~lattice.incidence[narrow[check]]
            top = np.where(inside, atom_max[None, :], 0).max(axis=1, initial=0)
            total = measure.abs_sum[wide[check]] - measure.abs_sum[narrow[check]]
            bad[check] = top * 100 > measure.dominance_pct * total
        changed = False
        for p, c in zip(wide[bad].tolist(), narrow[bad].tolist(), strict=True):
            if self.suppressed[p] or self.suppressed[c]:
                continue
            choice = c if not self.known[c] else p
            if self.known[choice]:
                continue  # both known elsewhere: checked where they are published
            self._hide(choice, choice, p if choice == c else c)
            self.sensitive[choice] = True  # if it could be derived, so could the difference
            changed = True
        return changed

    def break_derivation(self, cell: int) -> bool:
        """Suppress a neighbour of a derivable cell: a published part of one of its lines, a
        part of the margin it is, or a margin it is part of; as a last resort any cell."""
        options: list[tuple[int, int]] = []  # (candidate, via)
        for line in self.lattice.child_of[cell]:
            parent, parts = self.lattice.lines[line]
            if not self.suppressed[parent]:
                options += [(int(p), parent) for p in parts if p != cell]
        for line in self.lattice.parent_of[cell]:
            _, parts = self.lattice.lines[line]
            options += [(int(p), cell) for p in parts]
        for line in self.lattice.child_of[cell]:
            parent, _ = self.lattice.lines[line]
            options.append((parent, parent))
        choice = self._pick([c for c, _ in options])
        if choice is None:
            choice = self._pick(range(self.lattice.size))
            via = cell
        else:
            via = next(v for c, v in options if c == choice)
        if choice is None:
            return False
        self._hide(choice, cell, via)
        return True
