"""Tokens of the rule expression language (no ``eval``: formulas are data, never code).

Keywords exist in English and Dutch (``and``/``en``, ``if``/``als`` ...) because the people who
edit regelingen are municipal policy staff; both spell the same token. A decimal point is a
point: ``0.05``; a comma only separates function arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ExprError(ValueError):
    """A formula that cannot be read or used; ``pos`` is the character offset (0-based)."""

    def __init__(self, pos: int, message: str) -> None:
        super().__init__(message)
        self.pos = pos
        self.message = message


class Kind(StrEnum):
    NUM = "getal"
    NAME = "naam"
    OP = "operator"
    KEYWORD = "sleutelwoord"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    DOT = "."
    END = "einde"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str  # keywords normalised to their English spelling
    pos: int


KEYWORDS = {
    "and": "and",
    "en": "and",
    "or": "or",
    "of": "or",
    "not": "not",
    "niet": "not",
    "if": "if",
    "als": "if",
    "then": "then",
    "dan": "then",
    "else": "else",
    "anders": "else",
    "true": "true",
    "waar": "true",
    "false": "false",
    "onwaar": "false",
}

_TWO_CHAR = ("<=", ">=", "==", "!=")
_ONE_CHAR = "+-*/<>"
_HINTS = {
    "=": "gebruik == om te vergelijken",
    "%": "schrijf een percentage als parameter met eenheid procent, of als breuk (0.05)",
    "&": "schrijf 'en' (of 'and')",
    "|": "schrijf 'of' (of 'or')",
    "!": "schrijf 'niet' (of 'not'), of != voor 'is niet gelijk aan'",
    "[": "gebruik ronde haakjes",
    "]": "gebruik ronde haakjes",
}


def tokenize(text: str) -> list[Token]:
    """Split a formula into tokens; the last token is always END."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch.isdigit():
            start = i
            while i < n and text[i].isdigit():
                i += 1
            if i < n and text[i] == "." and i + 1 < n and text[i + 1].isdigit():
                i += 1
                while i < n and text[i].isdigit():
                    i += 1
            if i < n and (text[i].isalpha() or text[i] == "_"):
                raise ExprError(start, f"'{text[start : i + 1]}' is geen getal en geen naam")
            tokens.append(Token(Kind.NUM, text[start:i], start))
        elif ch.isalpha() or ch == "_":
            start = i
            while i < n and (text[i].isalnum() or text[i] == "_"):
                i += 1
            word = text[start:i]
            if not word.isascii():
                raise ExprError(
                    start, f"'{word}': gebruik in namen alleen letters a-z, cijfers en _"
                )
            keyword = KEYWORDS.get(word)
            kind = Kind.KEYWORD if keyword else Kind.NAME
            tokens.append(Token(kind, keyword or word, start))
        elif text.startswith(_TWO_CHAR, i):
            tokens.append(Token(Kind.OP, text[i : i + 2], i))
            i += 2
        elif ch in _ONE_CHAR:
            tokens.append(Token(Kind.OP, ch, i))
            i += 1
        elif ch in "(),.":
            kind = {"(": Kind.LPAREN, ")": Kind.RPAREN, ",": Kind.COMMA, ".": Kind.DOT}[ch]
            tokens.append(Token(kind, ch, i))
            i += 1
        else:
            hint = _HINTS.get(ch)
            raise ExprError(i, f"teken '{ch}' is niet toegestaan" + (f"; {hint}" if hint else ""))
    tokens.append(Token(Kind.END, "", n))
    return tokens
