"""The error a rule file raises: file, line and cause, in the form every hhb command prints.

It is an :class:`ingest.errors.IngestError` so the command line already turns it into one line
``hhb: FILE:LINE: cause`` with exit code 1, like a bad bank file or profile.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from entitlement.rules.expr import Expr
from entitlement.rules.lexer import ExprError
from entitlement.rules.parser import parse
from ingest.errors import IngestError
from ingest.profile.schema_errors import Path, format_path, line_of


class RuleError(IngestError):
    """A regeling or scenario file that cannot be used; nothing from it is loaded."""


class InputError(ValueError):
    """An input frame the engine cannot use (a missing column, a wrong type); said in Dutch."""


class Where:
    """File and line bookkeeping for messages: ``FILE:LINE: path: cause``."""

    def __init__(self, filename: str, lines: dict[Path, int]) -> None:
        self.filename = filename
        self.lines = lines

    def line(self, path: Path) -> int:
        return line_of(self.lines, path)

    def fail(self, path: Path, reason: str) -> RuleError:
        return RuleError(self.filename, self.line(path), f"{format_path(path)}: {reason}")

    def date(self, raw: Any, path: Path) -> dt.date:
        try:
            return dt.date.fromisoformat(str(raw))
        except ValueError:
            raise self.fail(path, f"{raw!r} is geen geldige datum (jjjj-mm-dd)") from None

    def period(self, raw: dict[str, Any], path: Path) -> tuple[dt.date, dt.date | None]:
        start = self.date(raw["geldig_van"], (*path, "geldig_van"))
        end = None
        if "geldig_tot" in raw:
            end = self.date(raw["geldig_tot"], (*path, "geldig_tot"))
            if end < start:
                raise self.fail((*path, "geldig_tot"), f"'{end}' ligt voor geldig_van '{start}'")
        return start, end

    def formula(self, raw: Any, path: Path) -> tuple[str, Expr]:
        text = str(raw).lower() if isinstance(raw, bool) else str(raw)
        try:
            return text, parse(text)
        except ExprError as exc:
            raise self.expr_fail(path, text, exc) from None

    def expr_fail(self, path: Path, text: str, exc: ExprError) -> RuleError:
        return self.fail(path, f"{exc.message} (teken {exc.pos + 1} van '{text}')")
