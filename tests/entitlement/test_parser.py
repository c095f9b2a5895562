"""The formula language: precedence, Dutch keywords, and errors that point at the character."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from entitlement.rules.expr import Binary, BoolLit, Call, Expr, If, Num, Ref, Unary
from entitlement.rules.lexer import ExprError
from entitlement.rules.parser import parse


def shape(node: Expr) -> Any:
    """The tree without character positions."""
    fields = {f.name: getattr(node, f.name) for f in dataclasses.fields(node) if f.name != "pos"}
    out: list[Any] = [type(node).__name__]
    for value in fields.values():
        if isinstance(value, tuple):
            out.append(tuple(shape(v) for v in value))
        elif dataclasses.is_dataclass(value):
            out.append(shape(value))  # type: ignore[arg-type]
        else:
            out.append(value)
    return tuple(out)


def test_multiplication_binds_tighter_than_addition() -> None:
    tree = parse("a + b * 2")
    assert isinstance(tree, Binary) and tree.op == "+"
    assert isinstance(tree.right, Binary) and tree.right.op == "*"


def test_and_binds_tighter_than_or_and_not_applies_to_a_comparison() -> None:
    tree = parse("niet a < b of c en d")
    assert isinstance(tree, Binary) and tree.op == "or"
    assert isinstance(tree.left, Unary) and tree.left.op == "not"
    assert isinstance(tree.left.operand, Binary) and tree.left.operand.op == "<"
    assert isinstance(tree.right, Binary) and tree.right.op == "and"


def test_dutch_and_english_keywords_give_the_same_tree() -> None:
    dutch = parse("als partner dan 2 * premie anders premie")
    english = parse("if partner then 2 * premie else premie")
    assert shape(dutch) == shape(english)
    assert isinstance(dutch, If)


def test_else_branch_reaches_to_the_right() -> None:
    tree = parse("if c then 1 else 2 + 3")
    assert isinstance(tree, If) and isinstance(tree.other, Binary)


def test_qualified_step_reference_and_calls() -> None:
    text = "max(0, bijstand.norm - netto_inkomen_maand, 1.5)"
    tree = parse(text)
    assert isinstance(tree, Call) and tree.func == "max" and len(tree.args) == 3
    inner = tree.args[1]
    assert isinstance(inner, Binary)
    assert inner.left == Ref("norm", "bijstand", text.index("bijstand"))
    assert tree.args[2] == Num(1.5, "1.5", text.index("1.5"))


def test_unary_minus_and_literals() -> None:
    assert parse("-x * 2") == Binary("*", Unary("-", Ref("x", None, 1), 0), Num(2.0, "2", 5), 3)
    assert parse("waar") == BoolLit(True, 0)


@pytest.mark.parametrize(
    ("text", "pos", "fragment"),
    [
        ("a = b", 2, "gebruik =="),
        ("a < b < c", 6, "niet aaneen"),
        ("maxx(1, 2)", 0, "bedoelt u 'max'"),
        ("min(1)", 0, "2 of meer argumenten"),
        ("round(x, 1.5)", 9, "geheel getal"),
        ("aantal_kinderen(12)", 0, "geen of twee leeftijden"),
        ("aantal_kinderen(12, 6)", 20, "onder 'van'"),
        ("(a + b", 6, "')' verwacht"),
        ("a b", 2, "mist er een operator"),
        ("5% * a", 1, "procent"),
        ("als a dan b", 11, "'anders' (else) verwacht"),
        ("tabel(2, leeftijd)", 0, "naam van een tabel"),
        ("", 0, "leeg"),
        ("12abc", 0, "geen getal en geen naam"),
    ],
)
def test_errors_name_the_position(text: str, pos: int, fragment: str) -> None:
    with pytest.raises(ExprError) as info:
        parse(text)
    assert info.value.pos == pos
    assert fragment in info.value.message
