"""Browser test support: the app on waitress in a thread, Debian's Chromium, and axe-core.

Playwright drives the system Chromium (``/usr/bin/chromium``, installed by scripts/setup.sh);
``playwright install`` is never needed. axe-core is vendored under ``vendor/axe-core`` (from the
npm registry, MPL-2.0, licence beside it) and evaluated in the page through the DevTools
protocol, which the page's Content-Security-Policy does not restrict.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import waitress
from dash import Dash

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking"]  # fmt: skip
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def require_chromium() -> None:
    """Skip where no Chromium is installed, except in CI, where that is a failure."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing; scripts/setup.sh installs it")
    pytest.skip(f"{CHROMIUM} is not installed")


@contextmanager
def serving(app: Dash) -> Iterator[str]:
    """Serve the app with waitress on a free local port; yields the base URL."""
    server = waitress.create_server(app.server, host="127.0.0.1", port=0, threads=4)
    port = server.effective_port
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        thread.join(timeout=5)


@cache
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.impact}: {self.rule} ({self.help}) at {', '.join(self.targets)}"


def axe_violations(page: Any) -> list[Violation]:
    """Run axe-core (WCAG 2.x A and AA rules) on the page; serious or critical ones only."""
    page.evaluate(axe_source())
    result = page.evaluate(
        """async () => await axe.run(document, {
              runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                              'best-practice']}
           })"""
    )
    return [
        Violation(v["id"], v["impact"], v["help"], tuple(str(n["target"]) for n in v["nodes"]))
        for v in result["violations"]
        if v.get("impact") in BLOCKING
    ]
