"""Names, types and order of the steps of one logic version, checked once at load time.

A formula may use parameters, declared inputs, ``jaar``/``maand``, other steps of the same
version (in any order: they are sorted here, and a cycle is refused naming its steps) and steps of
another regeling (``bijstand.norm``; checked by the registry, which sees all files). Types are
number or ja/nee; mixing them is refused here rather than discovered on real data.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from entitlement.rules.expr import (
    ARITHMETIC,
    COMPARISON,
    LOGIC,
    Binary,
    BoolLit,
    Call,
    Expr,
    If,
    Num,
    Ref,
    Type,
    Unary,
    refs,
)
from entitlement.rules.inputs import IMPLICIT, INPUTS, InputKind
from entitlement.rules.lexer import ExprError
from entitlement.rules.model import Parameter

ExternType = Callable[[str, str], Type | None]


class CycleError(ValueError):
    def __init__(self, cycle: list[str]) -> None:
        super().__init__(" -> ".join(cycle))
        self.cycle = cycle


@dataclass(frozen=True, slots=True)
class Scope:
    params: Mapping[str, Parameter]
    steps: Mapping[str, Type]
    extern: ExternType | None = None

    def known(self) -> list[str]:
        numeric = [n for n, s in INPUTS.items() if s.kind not in (InputKind.AGES, InputKind.CODE)]
        return [*self.params, *self.steps, *numeric, *IMPLICIT]

    def ref_type(self, ref: Ref) -> Type:
        if ref.regeling is not None:
            found = self.extern(ref.regeling, ref.name) if self.extern else None
            if found is None:
                raise ExprError(ref.pos, f"'{ref.qualified}' is geen stap van een regeling")
            return found
        name = ref.name
        if name in self.steps:
            return self.steps[name]
        if name in self.params:
            if self.params[name].is_table:
                raise ExprError(
                    ref.pos,
                    f"'{name}' is een tabel; gebruik tabel({name}, leeftijd)"
                    f" of som_kinderen({name})",
                )
            return Type.NUMBER
        if name in IMPLICIT:
            return Type.NUMBER
        spec = INPUTS.get(name)
        if spec is not None:
            if spec.kind is InputKind.BOOL:
                return Type.BOOL
            if spec.kind is InputKind.AGES:
                raise ExprError(
                    ref.pos, "de kinderen tel je met aantal_kinderen() of som_kinderen(tabel)"
                )
            if spec.kind is InputKind.CODE:
                raise ExprError(ref.pos, f"'{name}' kan niet in een formule staan")
            return Type.NUMBER
        close = difflib.get_close_matches(name, self.known(), n=1)
        hint = f"; bedoelt u '{close[0]}'?" if close else ""
        raise ExprError(ref.pos, f"onbekende naam '{name}'{hint}")


def type_of(node: Expr, scope: Scope) -> Type:
    """The type of an expression; raises :class:`ExprError` at the offending position."""
    if isinstance(node, Num):
        return Type.NUMBER
    if isinstance(node, BoolLit):
        return Type.BOOL
    if isinstance(node, Ref):
        return scope.ref_type(node)
    if isinstance(node, Unary):
        want = Type.BOOL if node.op == "not" else Type.NUMBER
        _expect(node.operand, want, scope, f"na '{'niet' if node.op == 'not' else '-'}'")
        return want
    if isinstance(node, Binary):
        return _binary(node, scope)
    if isinstance(node, If):
        _expect(node.cond, Type.BOOL, scope, "als voorwaarde van 'als'")
        then = type_of(node.then, scope)
        _expect(node.other, then, scope, "in 'anders' (zelfde soort als na 'dan')")
        return then
    return _call(node, scope)


def _expect(node: Expr, want: Type, scope: Scope, where: str) -> None:
    got = type_of(node, scope)
    if got is not want:
        raise ExprError(_pos(node), f"{where} hoort een {want} te staan, geen {got}")


def _pos(node: Expr) -> int:
    if isinstance(node, Binary):
        return _pos(node.left)
    return node.pos


def _binary(node: Binary, scope: Scope) -> Type:
    if node.op in ARITHMETIC:
        _expect(node.left, Type.NUMBER, scope, f"links van '{node.op}'")
        _expect(node.right, Type.NUMBER, scope, f"rechts van '{node.op}'")
        return Type.NUMBER
    if node.op in LOGIC:
        word = "en" if node.op == "and" else "of"
        _expect(node.left, Type.BOOL, scope, f"links van '{word}'")
        _expect(node.right, Type.BOOL, scope, f"rechts van '{word}'")
        return Type.BOOL
    assert node.op in COMPARISON
    left = type_of(node.left, scope)
    if left is Type.BOOL and node.op not in ("==", "!="):
        raise ExprError(node.pos, f"'{node.op}' vergelijkt getallen, geen ja/nee-waarden")
    _expect(node.right, left, scope, f"rechts van '{node.op}'")
    return Type.BOOL


def _call(node: Call, scope: Scope) -> Type:
    if node.func in ("tabel", "som_kinderen"):
        table = node.args[0]
        assert isinstance(table, Ref)
        param = scope.params.get(table.name)
        if param is None or not param.is_table:
            raise ExprError(table.pos, f"'{table.name}' is geen tabelparameter")
        for arg in node.args[1:]:
            _expect(arg, Type.NUMBER, scope, f"in {node.func}()")
        return Type.NUMBER
    for arg in node.args:
        _expect(arg, Type.NUMBER, scope, f"in {node.func}()")
    return Type.NUMBER


def local_step_refs(node: Expr, step_names: Iterable[str]) -> list[Ref]:
    names = set(step_names)
    return [r for r in refs(node) if r.regeling is None and r.name in names]


def order_steps(deps: Mapping[str, list[str]]) -> list[str]:
    """Topological order (dependencies first, file order otherwise); raise on a cycle."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            start = path.index(name)
            raise CycleError([*path[start:], name])
        state[name] = 1
        for dep in deps[name]:
            visit(dep, [*path, name])
        state[name] = 2
        order.append(name)

    for name in deps:
        visit(name, [])
    return order
