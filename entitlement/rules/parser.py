"""Parse a formula into a syntax tree: a Pratt parser over the tokens of ``lexer``.

Precedence, loosest first: ``if c then a else b`` (the else-branch reaches as far right as it
can), ``or``, ``and``, ``not``, comparisons (not chained: ``a < b < c`` is refused, say
``a < b and b < c``), ``+ -``, ``* /``, unary minus, then names, numbers, calls and brackets.
Functions come from a whitelist with fixed arities; arguments that must be literal (the digits of
``round``, the ages of ``aantal_kinderen``) are checked here.
"""

from __future__ import annotations

import difflib

from entitlement.rules.expr import COMPARISON, Binary, BoolLit, Call, Expr, If, Num, Ref, Unary
from entitlement.rules.lexer import ExprError, Kind, Token, tokenize

# name -> (fewest, most) arguments; None = any number
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "min": (2, None),
    "max": (2, None),
    "round": (1, 2),
    "floor": (1, 1),
    "ceil": (1, 1),
    "abs": (1, 1),
    "clip": (3, 3),
    "tabel": (2, 2),
    "aantal_kinderen": (0, 2),
    "som_kinderen": (1, 1),
}

_BINARY_POWER = {
    "or": 10,
    "and": 20,
    "<": 30,
    "<=": 30,
    ">": 30,
    ">=": 30,
    "==": 30,
    "!=": 30,
    "+": 40,
    "-": 40,
    "*": 50,
    "/": 50,
}
_NOT_POWER = 25
_NEG_POWER = 60
MAX_AGE = 120


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def expect(self, kind: Kind, text: str | None, what: str) -> Token:
        token = self.take()
        if token.kind is not kind or (text is not None and token.text != text):
            raise ExprError(token.pos, f"{what} verwacht, maar {_describe(token)} gevonden")
        return token

    def power(self, token: Token) -> int:
        if token.kind in (Kind.OP, Kind.KEYWORD):
            return _BINARY_POWER.get(token.text, 0)
        return 0

    def expression(self, rbp: int = 0) -> Expr:
        left = self.prefix(self.take())
        while rbp < self.power(self.peek()):
            token = self.take()
            if token.text in COMPARISON and isinstance(left, Binary) and left.op in COMPARISON:
                raise ExprError(
                    token.pos,
                    "vergelijkingen kunnen niet aaneen (a < b < c); schrijf a < b en b < c",
                )
            right = self.expression(_BINARY_POWER[token.text])
            left = Binary(token.text, left, right, token.pos)
        return left

    def prefix(self, token: Token) -> Expr:
        if token.kind is Kind.NUM:
            return Num(float(token.text), token.text, token.pos)
        if token.kind is Kind.KEYWORD:
            if token.text in ("true", "false"):
                return BoolLit(token.text == "true", token.pos)
            if token.text == "not":
                return Unary("not", self.expression(_NOT_POWER), token.pos)
            if token.text == "if":
                cond = self.expression()
                self.expect(Kind.KEYWORD, "then", "'dan' (then)")
                then = self.expression()
                self.expect(Kind.KEYWORD, "else", "'anders' (else)")
                return If(cond, then, self.expression(), token.pos)
        if token.kind is Kind.OP and token.text == "-":
            return Unary("-", self.expression(_NEG_POWER), token.pos)
        if token.kind is Kind.OP and token.text == "+":
            return self.expression(_NEG_POWER)
        if token.kind is Kind.LPAREN:
            inner = self.expression()
            self.expect(Kind.RPAREN, None, "')'")
            return inner
        if token.kind is Kind.NAME:
            return self.name(token)
        raise ExprError(token.pos, f"{_describe(token)} kan hier niet staan")

    def name(self, token: Token) -> Expr:
        nxt = self.peek()
        if nxt.kind is Kind.LPAREN:
            self.take()
            return self.call(token)
        if nxt.kind is Kind.DOT:
            self.take()
            step = self.expect(Kind.NAME, None, "een stapnaam na de punt")
            return Ref(step.text, token.text, token.pos)
        return Ref(token.text, None, token.pos)

    def call(self, token: Token) -> Expr:
        func = token.text
        if func not in FUNCTIONS:
            close = difflib.get_close_matches(func, FUNCTIONS, n=1)
            hint = f"; bedoelt u '{close[0]}'?" if close else ""
            allowed = ", ".join(sorted(FUNCTIONS))
            raise ExprError(token.pos, f"onbekende functie '{func}'{hint} (toegestaan: {allowed})")
        args: list[Expr] = []
        if self.peek().kind is not Kind.RPAREN:
            args.append(self.expression())
            while self.peek().kind is Kind.COMMA:
                self.take()
                args.append(self.expression())
        self.expect(Kind.RPAREN, None, "',' of ')'")
        fewest, most = FUNCTIONS[func]
        if len(args) < fewest or (most is not None and len(args) > most):
            wanted = str(fewest) if fewest == most else f"{fewest} of meer"
            if most is not None and most != fewest:
                wanted = f"{fewest} tot {most}"
            raise ExprError(token.pos, f"{func}() krijgt {wanted} argumenten, niet {len(args)}")
        _check_literals(func, args, token.pos)
        return Call(func, tuple(args), token.pos)

    def parse(self) -> Expr:
        tree = self.expression()
        end = self.peek()
        if end.kind is not Kind.END:
            raise ExprError(
                end.pos, f"{_describe(end)} verwacht ik hier niet; mist er een operator?"
            )
        return tree


def _int_literal(node: Expr, what: str, pos: int, low: int, high: int) -> int:
    if not isinstance(node, Num) or "." in node.text:
        raise ExprError(getattr(node, "pos", pos), f"{what} moet een geheel getal zijn")
    value = int(node.text)
    if not low <= value <= high:
        raise ExprError(node.pos, f"{what} moet tussen {low} en {high} liggen")
    return value


def _check_literals(func: str, args: list[Expr], pos: int) -> None:
    if func == "round" and len(args) == 2:
        _int_literal(args[1], "het aantal decimalen van round()", pos, 0, 6)
    elif func == "aantal_kinderen":
        if len(args) == 1:
            raise ExprError(
                pos, "aantal_kinderen() krijgt geen of twee leeftijden (van, tot en met)"
            )
        if len(args) == 2:
            low = _int_literal(args[0], "de leeftijd 'van'", pos, 0, MAX_AGE)
            high = _int_literal(args[1], "de leeftijd 'tot en met'", pos, 0, MAX_AGE)
            if high < low:
                raise ExprError(args[1].pos, "de leeftijd 'tot en met' ligt onder 'van'")
    elif func in ("tabel", "som_kinderen"):
        first = args[0]
        if not isinstance(first, Ref) or first.regeling is not None:
            raise ExprError(pos, f"het eerste argument van {func}() is de naam van een tabel")


def _describe(token: Token) -> str:
    if token.kind is Kind.END:
        return "het einde van de formule"
    return f"'{token.text}'"


def parse(text: str) -> Expr:
    """Parse one formula; raise :class:`ExprError` with the offset of the first problem."""
    if not text.strip():
        raise ExprError(0, "de formule is leeg")
    return _Parser(text).parse()
