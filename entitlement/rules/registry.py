"""All regelingen together: read every file, resolve steps used across regelingen, order them.

A regeling may use a step of another (``bijstand.norm`` in kwijtschelding), so the files are read
first, then checked in dependency order; a cycle between regelingen is refused like a cycle
between steps. The packaged files live in ``entitlement/regelingen/``; a municipality can point
``HHB_REGELINGEN`` at a folder of its own files, which are added to (and may replace) them.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from entitlement.rules.arena import Arena
from entitlement.rules.check import CycleError, order_steps
from entitlement.rules.errors import RuleError
from entitlement.rules.expr import Type, refs
from entitlement.rules.loader import Draft, finish, read_regeling
from entitlement.rules.model import Regeling, Unit

ENV_DIR = "HHB_REGELINGEN"


@dataclass(frozen=True)
class Rules(Mapping[str, Regeling]):
    """The checked regelingen by name; iteration follows dependency order."""

    regelingen: dict[str, Regeling]
    _closures: dict[tuple[str, ...], list[str]] = field(default_factory=dict, compare=False)
    _dependencies: dict[str, frozenset[str]] = field(default_factory=dict, compare=False)
    # Memory for the engine's outputs, reused once a result is dropped (see rules.arena).
    arena: Arena = field(default_factory=Arena, compare=False, repr=False)

    def __getitem__(self, name: str) -> Regeling:
        return self.regelingen[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.regelingen)

    def __len__(self) -> int:
        return len(self.regelingen)

    def dependencies(self, name: str) -> set[str]:
        """The regelingen whose steps ``name`` uses, directly or through others (the formulas
        are walked once per name; the caller gets its own set)."""
        known = self._dependencies.get(name)
        if known is not None:
            return set(known)
        found: set[str] = set()
        todo = [name]
        while todo:
            regeling = self.regelingen[todo.pop()]
            for version in regeling.versions:
                exprs = [s.expr for s in version.steps] + [c.expr for c in version.conditions]
                for expr in exprs:
                    for ref in refs(expr):
                        if ref.regeling is not None and ref.regeling not in found:
                            found.add(ref.regeling)
                            todo.append(ref.regeling)
        self._dependencies[name] = frozenset(found)
        return found

    def closure(self, names: Iterable[str]) -> list[str]:
        """``names`` plus what they depend on, in evaluation order (computed once per set)."""
        key = tuple(sorted(set(names)))
        found = self._closures.get(key)
        if found is None:
            wanted = set(key)
            for name in key:
                wanted |= self.dependencies(name)
            found = self._closures[key] = [n for n in self.regelingen if n in wanted]
        return found


def _step_type(regeling: Regeling, step: str) -> Type | None:
    for version in regeling.versions:
        found = version.step(step)
        if found is not None:
            return Type.BOOL if found.unit is Unit.JA_NEE else Type.NUMBER
    return None


def build(drafts: Iterable[Draft]) -> Rules:
    """Check drafts together (cross references, cycles) and return them in dependency order."""
    by_name: dict[str, Draft] = {}
    for draft in drafts:
        if draft.name in by_name:
            raise draft.where.fail(
                ("regeling",),
                f"regeling '{draft.name}' staat ook in {by_name[draft.name].where.filename}",
            )
        by_name[draft.name] = draft
    deps: dict[str, list[str]] = {}
    for name, draft in by_name.items():
        used = sorted(draft.extern_regelingen())
        for other in used:
            if other not in by_name:
                raise _at_reference(draft, other, f"regeling '{other}' bestaat niet")
        deps[name] = used
    try:
        order = order_steps(deps)
    except CycleError as exc:
        draft = by_name[exc.cycle[0]]
        raise _at_reference(
            draft, exc.cycle[1], f"kringverwijzing tussen regelingen: {' -> '.join(exc.cycle)}"
        ) from None
    done: dict[str, Regeling] = {}

    def extern(regeling: str, step: str) -> Type | None:
        other = done.get(regeling)
        return None if other is None else _step_type(other, step)

    for name in order:
        done[name] = finish(by_name[name], extern)
    return Rules(done)


def _at_reference(draft: Draft, other: str, message: str) -> RuleError:
    for version in draft.versions:
        for step in version.steps:
            if any(r.regeling == other for r in refs(step.expr)):
                return draft.where.fail((*step.path, "formule"), message)
        for cond in version.conditions:
            if any(r.regeling == other for r in refs(cond.expr)):
                return draft.where.fail((*cond.path, "eis"), message)
    return draft.where.fail(("regeling",), message)


def read_files(paths: Iterable[Path]) -> list[Draft]:
    drafts = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise RuleError(str(path), 0, f"kan het bestand niet lezen: {exc.strerror}") from None
        drafts.append(read_regeling(data, str(path), path.stem))
    return drafts


def packaged_dir() -> Path:
    return Path(str(resources.files("entitlement").joinpath("regelingen")))


def rule_files(extra_dir: Path | None = None) -> list[Path]:
    """The packaged files, with those of ``extra_dir`` added or replacing same-named ones."""
    files = {p.name: p for p in sorted(packaged_dir().glob("*.yaml"))}
    if extra_dir is not None:
        if not extra_dir.is_dir():
            raise RuleError(str(extra_dir), 0, "deze map met regelingen bestaat niet")
        files.update({p.name: p for p in sorted(extra_dir.glob("*.yaml"))})
    return [files[name] for name in sorted(files)]


def load_rules(extra_dir: Path | None = None) -> Rules:
    """Read and check every regeling (packaged plus ``extra_dir``); raise on the first problem."""
    return build(read_files(rule_files(extra_dir)))


@functools.cache
def _cached(extra: str | None) -> Rules:
    return load_rules(Path(extra) if extra else None)


def default_rules() -> Rules:
    """The regelingen in force for this process (packaged plus ``$HHB_REGELINGEN``), read once."""
    return _cached(os.environ.get(ENV_DIR) or None)
