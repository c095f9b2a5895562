"""The command line speaks Dutch, also where the framework itself answers."""

from __future__ import annotations

import gettext
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hhb.i18n import LOCALE_DIR, compile_catalog


@pytest.mark.parametrize("po", sorted(LOCALE_DIR.rglob("*.po")), ids=lambda p: p.parent.parent.name)
def test_compiled_catalog_is_up_to_date(po: Path) -> None:
    def messages(mo: bytes) -> dict[object, str]:
        catalog = gettext.GNUTranslations(io.BytesIO(mo))
        entries: dict[object, str] = catalog._catalog  # type: ignore[attr-defined]
        return {k: v for k, v in entries.items() if k != ""}  # "" holds dated metadata

    shipped = messages(po.with_suffix(".mo").read_bytes())
    assert shipped == messages(compile_catalog(po)), "run: python scripts/compile_messages.py"


def test_every_translation_keeps_its_placeholders() -> None:
    catalog = gettext.translation("messages", str(LOCALE_DIR), languages=["nl"])

    for msgid, msgstr in catalog._catalog.items():  # type: ignore[attr-defined]
        source = msgid[0] if isinstance(msgid, tuple) else msgid
        if not source:
            continue
        if isinstance(msgid, tuple):  # plural forms: compare with the matching source form
            continue
        assert sorted(re.findall(r"\{[^}]*\}", source)) == sorted(
            re.findall(r"\{[^}]*\}", msgstr)
        ), source


def test_framework_errors_are_dutch(tmp_path: Path) -> None:
    env = {"HHB_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", "from hhb.cli import run; run()", "transactions"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 2
    assert "Gebruik: hhb transactions" in done.stderr
    assert "Fout: Optie ontbreekt '--household'" in done.stderr
