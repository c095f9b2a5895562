"""HTML pieces the report sections share: amounts the Dutch way, in cells aligned right."""

from __future__ import annotations

from html import escape

from ingest.amounts import format_euro


def euro(cents: int, *, sign: bool = True) -> str:
    return escape(format_euro(cents, sign=sign, nbsp=True))


def amount_cell(cents: int | None, *, sign: bool = True, missing: str = "onbekend") -> str:
    """A right-aligned amount, red when negative; ``missing`` when there is none."""
    if cents is None:
        return f'<td class="amount">{escape(missing)}</td>'
    negative = " negative" if cents < 0 else ""
    return f'<td class="amount{negative}">{euro(cents, sign=sign)}</td>'


def running_text(text: str) -> str:
    """Escaped running text that never wraps between "€" and its amount."""
    return escape(text.replace("€ ", "€\u00a0"))


def section(title: str, *content: str) -> str:
    return f"<section><h2>{escape(title)}</h2>{''.join(content)}</section>"
