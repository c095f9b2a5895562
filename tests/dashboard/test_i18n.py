"""Every text the dashboard shows has its Dutch translation, and the page says lang="nl"."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.extract import extract_from_dir

import dashboard
from dashboard.i18n import _, action_label, catalog
from tests.dashboard.conftest import Login

PACKAGE = Path(dashboard.__file__).resolve().parent


@cache
def source_texts() -> frozenset[str]:
    return frozenset(
        str(message)
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(PACKAGE), method_map=[("**.py", "python")], keywords={"_": None}
        )
    )


def test_every_text_in_the_code_has_a_dutch_translation() -> None:
    texts = source_texts()
    assert len(texts) > 150
    missing = sorted(t for t in texts if t not in catalog())
    assert missing == []


def test_the_catalog_has_no_texts_the_code_no_longer_uses() -> None:
    unused = sorted(k for k in catalog() if not k.startswith("audit:") and k not in source_texts())
    assert unused == []


def test_placeholders_survive_translation() -> None:
    for source, dutch in catalog().items():
        wanted = sorted(p for p in source.split("{")[1:])
        got = sorted(p for p in dutch.split("{")[1:])
        assert [w.split("}")[0] for w in wanted] == [g.split("}")[0] for g in got], source


def test_translation_and_audit_labels() -> None:
    assert _("Log out") == "Uitloggen"
    assert _("a text nobody translated") == "a text nobody translated"
    assert action_label("consent.revoke") == "Toestemming ingetrokken"
    assert action_label("something.new") == "something.new"


def test_pages_are_dutch(as_user: Login) -> None:
    client = as_user("deelnemer")
    assert '<html lang="nl">' in client.client.get("/").get_data(as_text=True)
    anonymous = client.app.server.test_client()
    assert '<html lang="nl">' in anonymous.get("/login").get_data(as_text=True)
    layout = client.client.get("/_dash-layout").get_data(as_text=True)
    assert "Uitloggen" in layout and "Naar de inhoud" in layout
