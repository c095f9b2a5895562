"""reports/ is domain code: it never imports the web layer (CONVENTIONS.md)."""

from __future__ import annotations

import ast
from pathlib import Path


def test_reports_never_imports_dash_or_flask() -> None:
    root = Path(__file__).parents[2] / "reports"
    paths = list(root.rglob("*.py"))
    assert len(paths) > 5
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in ("dash", "flask"), f"{path.name}: {name}"
