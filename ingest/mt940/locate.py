"""Turn an exception of the ``mt-940`` library into a line number and a Dutch message.

The library says neither where nor (in words a coach understands) what is wrong, and it raises
several types (``RuntimeError`` for a tag that does not match, ``ValueError`` for a date like
``241332``, ``decimal.InvalidOperation`` for an amount like ``,,``). Only on that error path we
check the amount and date lines ourselves to find the first bad one.
"""

from __future__ import annotations

import datetime as dt
import re

_AGAIN = "exporteer het afschrift opnieuw bij de bank"
_LINE61 = re.compile(r":61:(\d{6})(\d{4}|\s{4})?R?[DC][A-Z]?\s?([\d,.]*)", re.IGNORECASE)
_BALANCE = re.compile(r":(6[0-5][FM]?):([DC]?)(\d{0,6})(.{0,3}?)([\d,.]*)$")
_AMOUNT = re.compile(r"\d*,\d{0,2}|\d+")


def _valid_date(text: str) -> bool:
    try:
        dt.date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        # The library moves 29-31 February to the month's end, so only other dates fail.
        return text[2:4] == "02" and text[4:6] in ("29", "30", "31")
    return True


def _valid_amount(text: str) -> bool:
    return bool(_AMOUNT.fullmatch(text)) and any(c.isdigit() for c in text)


def check_line(line: str) -> str | None:
    """What is wrong with a ``:61:`` or balance line, or None if we see nothing wrong."""
    if line.startswith(":61:"):
        m = _LINE61.match(line)
        if m is None:
            if not re.match(r":61:\d{6}", line):
                return f"regel :61: heeft geen geldige datum (jjmmdd); {_AGAIN}"
            return f"regel :61: is onleesbaar (bedrag of af/bij-teken klopt niet); {_AGAIN}"
        if not _valid_date(m.group(1)):
            return f"regel :61: heeft geen geldige datum (jjmmdd); {_AGAIN}"
        entry = m.group(2)
        if entry and entry.strip() and not _valid_date("00" + entry):
            return f"regel :61: heeft geen geldige boekdatum (mmdd); {_AGAIN}"
        if not _valid_amount(m.group(3)):
            return f"regel :61: heeft geen geldig bedrag; {_AGAIN}"
        if not re.match(r"[A-Z]", line[m.end() :], re.IGNORECASE):
            return f"regel :61: mist de transactiecode (zoals NTRF); {_AGAIN}"
        return None
    m = _BALANCE.match(line.rstrip())
    if m is not None:
        tag = m.group(1)
        if not m.group(2):
            return f"saldoregel :{tag}: mist het teken C of D; {_AGAIN}"
        if len(m.group(3)) < 6 or not _valid_date(m.group(3)):
            return f"saldoregel :{tag}: heeft geen geldige datum (jjmmdd); {_AGAIN}"
        if len(m.group(4)) < 3 or not _valid_amount(m.group(5)):
            return f"saldoregel :{tag}: heeft geen geldig bedrag; {_AGAIN}"
    elif re.match(r":6[0-5][FM]?:", line):
        return f"saldoregel {line[:5].rstrip(':')}: is onleesbaar; {_AGAIN}"
    return None


def locate_error(lines: list[str], exc: BaseException) -> tuple[int, str]:
    """``(line, message)`` for a library failure on ``lines`` (1-based line)."""
    for no, line in enumerate(lines, 1):
        if line[:2] in (":6",):
            message = check_line(line)
            if message is not None:
                return no, message
    args = exc.args
    if isinstance(exc, RuntimeError) and len(args) == 3 and isinstance(args[2], str):
        tag_id = getattr(args[1], "id", "")
        first = args[2].split("\n", 1)[0]
        prefix = f":{tag_id}"
        for no, line in enumerate(lines, 1):
            if line.startswith(prefix) and first in line:
                return no, f"regel :{tag_id}: is onleesbaar; {_AGAIN}"
    return 1, f"het bestand is beschadigd en kan niet gelezen worden; {_AGAIN}"
