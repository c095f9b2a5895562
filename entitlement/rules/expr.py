"""The syntax tree of the rule expression language, shared by the compiler and the evaluator.

The language is deliberately small (see docs/regelingen.md): numbers, true/false, names of
parameters, inputs and steps (``bijstand.norm`` for a step of another regeling), arithmetic,
comparisons, and/or/not, if-then-else and a whitelist of functions. Nodes are frozen so that one
parsed tree can be shared by every consumer; ``pos`` is the 0-based character offset in the
formula, for error messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum


class Type(StrEnum):
    NUMBER = "getal"
    BOOL = "ja/nee"


@dataclass(frozen=True, slots=True)
class Num:
    value: float
    text: str
    pos: int = 0


@dataclass(frozen=True, slots=True)
class BoolLit:
    value: bool
    pos: int = 0


@dataclass(frozen=True, slots=True)
class Ref:
    """A name: parameter, input, step of this regeling, or ``regeling.step`` of another."""

    name: str
    regeling: str | None = None
    pos: int = 0

    @property
    def qualified(self) -> str:
        return f"{self.regeling}.{self.name}" if self.regeling else self.name


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "-" or "not"
    operand: Expr
    pos: int = 0


@dataclass(frozen=True, slots=True)
class Binary:
    """Arithmetic (+ - * /), comparison (< <= > >= == !=) or logic (and, or)."""

    op: str
    left: Expr
    right: Expr
    pos: int = 0


@dataclass(frozen=True, slots=True)
class If:
    cond: Expr
    then: Expr
    other: Expr
    pos: int = 0


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    args: tuple[Expr, ...]
    pos: int = 0


Expr = Num | BoolLit | Ref | Unary | Binary | If | Call

ARITHMETIC = frozenset({"+", "-", "*", "/"})
COMPARISON = frozenset({"<", "<=", ">", ">=", "==", "!="})
LOGIC = frozenset({"and", "or"})


def children(node: Expr) -> tuple[Expr, ...]:
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, If):
        return (node.cond, node.then, node.other)
    if isinstance(node, Call):
        return node.args
    return ()


def walk(node: Expr) -> Iterator[Expr]:
    """Every node of the tree, parents before children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def refs(node: Expr) -> Iterator[Ref]:
    """Every name the expression uses (a table parameter inside a call included)."""
    for current in walk(node):
        if isinstance(current, Ref):
            yield current
