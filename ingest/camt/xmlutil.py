"""Small, hot helpers for walking camt XML: local names, amounts, dates.

They run once per element of files with a million entries, so they avoid regular expressions
and cache what repeats (tag strings, date strings).
"""

from __future__ import annotations

import datetime as dt

from lxml import etree

from ingest.errors import IngestError


class _LocalNames(dict[object, str]):
    """Tag -> local name, computed once per distinct tag.

    Banks use the camt namespace with or without a prefix, and a few omit it altogether, so
    every comparison is on the local name. Indexing (``LOCAL[el.tag]``) is a plain dict hit on
    the hot path; comments and entity references (whose tag is not a string) map to ``""``.
    """

    def __missing__(self, tag: object) -> str:
        name = tag.rpartition("}")[2] if isinstance(tag, str) else ""
        if len(self) > 4096:  # a hostile file with endless distinct tags must not grow this
            self.clear()
        self[tag] = name
        return name


LOCAL = _LocalNames()


def local(tag: object) -> str:
    """The local name of an lxml tag, whatever its namespace (see :data:`LOCAL`)."""
    return LOCAL[tag]


def text(element: etree._Element) -> str:
    """Stripped text of an element; ``""`` when empty."""
    value = element.text
    return value.strip() if value else ""


def child_text(element: etree._Element, name: str) -> str:
    """Text of the first child with local name ``name`` (``""`` if there is none)."""
    for child in element:
        if LOCAL[child.tag] == name:
            return text(child)
    return ""


def cents(value: str | None, file: str, line: int) -> int:
    """A camt amount (``1234.5``, unsigned, decimal point) to integer cents, exactly.

    The schema allows up to five fraction digits; euro amounts have two, so extra digits must
    be zeros or the amount is rejected rather than rounded.
    """
    raw = (value or "").strip()
    whole, dot, frac = raw.partition(".")
    if (
        whole.isascii()
        and whole.isdigit()
        and (not dot or (frac.isascii() and frac.isdigit()))
        and len(whole) <= 15
    ):
        if len(frac) > 2 and frac[2:].strip("0"):
            raise IngestError(
                file,
                line,
                f"bedrag {raw!r} heeft meer dan twee decimalen; vraag de bank om een nieuwe export",
            )
        return int(whole) * 100 + int((frac + "00")[:2])
    if not raw:
        raise IngestError(
            file, line, "boeking zonder bedrag; het bestand is onvolledig, download het opnieuw"
        )
    raise IngestError(
        file, line, f"bedrag {raw!r} is geen geldig bedrag; download het afschrift opnieuw"
    )


_DATES: dict[str, dt.date] = {}


def date(value: str, file: str, line: int) -> dt.date:
    """``2024-01-02`` or ``2024-01-02T23:30:00+01:00`` to the date as written.

    A ``DtTm`` with a time zone is the bank's local booking moment; converting it to UTC would
    move late-evening bookings to another day, so only the written date counts.
    """
    key = value.strip()[:10]
    found = _DATES.get(key)
    if found is None:
        try:
            found = dt.date.fromisoformat(key)
        except ValueError:
            raise IngestError(
                file,
                line,
                f"datum {value.strip()!r} is geen geldige datum (jjjj-mm-dd); "
                "download het afschrift opnieuw",
            ) from None
        if len(_DATES) > 100_000:
            _DATES.clear()
        _DATES[key] = found
    return found


def date_of(element: etree._Element, file: str, offset: int = 0) -> dt.date | None:
    """The date inside a ``BookgDt``/``ValDt``/``Bal/Dt`` element (``Dt`` or ``DtTm``);
    ``offset`` is added to the line of an error (see ``EntryContext.offset``)."""
    for child in element:
        name = LOCAL[child.tag]
        if name == "Dt" or name == "DtTm":
            raw = child.text
            found = _RAW_DATES.get(raw)
            if found is None:
                line = child.sourceline
                found = date(raw.strip() if raw else "", file, line + offset if line else 0)
                if len(_RAW_DATES) > 100_000:
                    _RAW_DATES.clear()
                _RAW_DATES[raw] = found
            return found
    return None


_RAW_DATES: dict[str | None, dt.date] = {}
"""Date element text as written -> date (a statement repeats a few hundred dates)."""
