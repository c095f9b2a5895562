"""The translation layer of the command line.

Our own messages are Dutch in the code; what the command-line framework (Click) says itself goes
through gettext's default domain, for which we ship a Dutch catalog. ``activate()`` binds it and
makes Dutch the default language unless the user chose one (``LANGUAGE``/``LC_ALL``/
``LC_MESSAGES``/``LANG`` naming another language).
"""

from __future__ import annotations

import gettext
import io
import os
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"


def activate() -> None:
    chosen = [os.environ.get(v, "") for v in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")]
    if not any(value and not value.startswith(("C", "POSIX")) for value in chosen):
        os.environ["LANGUAGE"] = "nl"
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(DOMAIN)


def compile_catalog(po_path: Path) -> bytes:
    """The .mo bytes for a .po file (used by scripts/compile_messages.py and a freshness test)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path.open("rb") as fh:
        catalog = read_po(fh)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()
