"""The loket's helpers outside the command layer: income change parsing, no CLI imports."""

from __future__ import annotations

import ast
from pathlib import Path

import click
import pytest

from entitlement.outlook import ChangeError, parse_change

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "cents"),
    [("+1000", 100_000), ("-250,50", -25_050), ("1.000", 100_000), ("€ 612.50", 61_250)],
)
def test_parse_change(text: str, cents: int) -> None:
    assert parse_change(text) == cents


@pytest.mark.parametrize("text", ["duizend", "12,345", "+"])
def test_a_change_that_is_no_amount_is_one_dutch_line(text: str) -> None:
    with pytest.raises(ChangeError) as caught:
        parse_change(text)
    assert isinstance(caught.value, click.BadParameter) and isinstance(caught.value, ValueError)
    assert "bedrag" in caught.value.message and "\n" not in caught.value.message


@pytest.mark.parametrize("page", ["regelingen.py", "watals.py"])
def test_dashboard_pages_do_not_import_the_command_modules(page: str) -> None:
    tree = ast.parse((ROOT / "dashboard" / "pages" / page).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not {m for m in imported if m.startswith("hhb.commands")}
