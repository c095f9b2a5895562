"""Showing money the Dutch way, ``€ 1.234,56`` and ``€ -85,36``, from integer cents.

The sign placement follows Babel's ``nl_NL`` currency format, which the dashboard uses; a test
keeps the two in agreement. Kept free of Babel itself so CLI tables and warnings stay cheap.
"""

from __future__ import annotations


def format_euro(cents: int, *, sign: bool = False, nbsp: bool = False) -> str:
    """``123456`` → ``€ 1.234,56``; ``-8536`` → ``€ -85,36``; ``sign=True`` adds ``+``.

    ``nbsp=True`` joins the euro sign to the number with a no-break space, as Babel does, so a
    web page never wraps between them.
    """
    whole, frac = divmod(abs(cents), 100)
    number = f"{whole:,}".replace(",", ".") + f",{frac:02d}"
    prefix = "-" if cents < 0 else ("+" if sign and cents > 0 else "")
    return ("€\u00a0" if nbsp else "€ ") + prefix + number
