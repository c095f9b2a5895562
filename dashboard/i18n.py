"""The translation layer of the dashboard: every text a user sees goes through ``_()``.

Source texts are English in the code; ``locale/nl/LC_MESSAGES/dashboard.po`` holds the Dutch
(the only language shipped, and the page says ``lang="nl"``). The catalog is read with Babel when
first needed, so there is no compiled file to keep in step; a test extracts every ``_()`` text
from the code and fails when one has no Dutch translation.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "dashboard"
LANGUAGE = "nl"


def catalog_path(language: str = LANGUAGE) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalog(language: str = LANGUAGE) -> dict[str, str]:
    with catalog_path(language).open("rb") as fh:
        po = read_po(fh, locale=language)
    return {
        str(m.id): str(m.string)
        for m in po
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


def _(message: str) -> str:
    """The Dutch text for an English source text (the source text itself if none is known)."""
    return catalog().get(message, message)


def action_label(action: str) -> str:
    """How an audit-log action reads for a participant (``audit:<action>`` in the catalog)."""
    key = f"audit:{action}"
    label = catalog().get(key)
    return label if label is not None else action
