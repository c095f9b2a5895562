"""Compile the gettext catalogs (``*.po`` → ``*.mo``) with Babel. Run after editing a .po file."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hhb.i18n import compile_catalog

if __name__ == "__main__":
    for po in sorted((Path(__file__).resolve().parent.parent / "hhb" / "locale").rglob("*.po")):
        po.with_suffix(".mo").write_bytes(compile_catalog(po))
        print(f"compiled {po.with_suffix('.mo')}")
