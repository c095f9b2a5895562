"""Every file under tests/data/ingest/ is a golden test: its extraction must equal the JSON
stored beside it (``x.csv`` + ``x.csv.expected.json``). Regenerate with ``--regen-golden`` and
review the diff before committing."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.golden import EXPECTED_SUFFIX, dumps, render_file

DATA = Path(__file__).resolve().parent.parent / "data" / "ingest"
INPUTS = sorted(
    p
    for p in DATA.rglob("*")
    if p.is_file() and not p.name.endswith(EXPECTED_SUFFIX) and not p.name.startswith(".")
)


@pytest.mark.parametrize("path", INPUTS, ids=[str(p.relative_to(DATA)) for p in INPUTS])
def test_golden(path: Path, regen_golden: bool) -> None:
    expected_path = path.with_name(path.name + EXPECTED_SUFFIX)
    actual = dumps(render_file(path))
    if regen_golden or not expected_path.exists():
        expected_path.write_text(actual, encoding="utf-8")
        if not regen_golden:
            pytest.fail(f"no golden file yet; wrote {expected_path.name}, review and commit it")
    assert actual == expected_path.read_text(encoding="utf-8")


def test_every_input_has_a_golden_file() -> None:
    missing = [p for p in INPUTS if not p.with_name(p.name + EXPECTED_SUFFIX).exists()]
    assert not missing
