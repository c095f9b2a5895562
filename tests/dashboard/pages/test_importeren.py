"""Importeren: a coach uploads files; a summary per file, a Dutch line for a bad one."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from dash import Dash

from store.access import add_to_caseload, grant_consent
from store.db import session_scope
from store.households import create_household
from tests.dashboard.conftest import Login, World
from tests.dashboard.dashclient import DashClient, text_of

DATA = Path(__file__).resolve().parents[2] / "data"
MT940 = DATA / "ingest" / "mt940" / "ing" / "structured.sta"
BAD = DATA / "ingest" / "mt940" / "ing" / "truncated.bad.sta"
BENEFITS = DATA / "benefits" / "uwv_toeslagen_2024.json"


def as_upload(path: Path) -> str:
    return "data:application/octet-stream;base64," + base64.b64encode(path.read_bytes()).decode()


def upload(client: DashClient, household: str, *paths: Path) -> dict[str, Any]:
    values = {
        "im-upload.contents": [as_upload(p) for p in paths],
        "im-upload.filename": [p.name for p in paths],
        "im-household.data": household,
    }
    result: dict[str, Any] = client.ok("import.upload", values)
    return result


@pytest.fixture
def fresh(app: Dash) -> str:
    """A new household in jdevries' caseload, with consent, and nothing imported yet."""
    with session_scope(app.server.extensions["hhb"].engine) as session:
        create_household(session, "hh-0001", "test")
        add_to_caseload(session, "jdevries", "hh-0001", "test")
        grant_consent(session, "hh-0001", "jdevries", "test")
    return "hh-0001"


def test_a_bank_file_is_imported_with_a_summary_and_listed(as_user: Login, fresh: str) -> None:
    coach = as_user("jdevries")
    out = upload(coach, fresh, MT940)
    text = text_of(out["im-result"]["children"])
    assert "structured.sta" in text and "mt940" in text.lower()
    assert "toegevoegd" in text and "0 dubbel overgeslagen" in text
    assert out["im-upload"]["contents"] is None, "the upload field is emptied for the next file"
    assert "structured.sta" in text_of(out["im-history"]["children"])
    again = text_of(upload(coach, fresh, MT940)["im-result"]["children"])
    assert "0 toegevoegd" in again and "al eerder geïmporteerd" in again


def test_a_bad_file_gets_one_dutch_line_and_the_good_one_is_still_imported(
    as_user: Login, fresh: str
) -> None:
    out = upload(as_user("jdevries"), fresh, BAD, MT940)
    cards = out["im-result"]["children"]
    assert len(cards) == 2
    bad, good = text_of(cards[0]), text_of(cards[1])
    assert bad.startswith("Niet geïmporteerd:  truncated.bad.sta:22: ")
    assert "Traceback" not in bad
    assert "toegevoegd" in good


def test_benefit_data_files_are_recognised(as_user: Login, fresh: str) -> None:
    text = text_of(upload(as_user("jdevries"), fresh, BENEFITS)["im-result"]["children"])
    assert "uitkeringsgegevens" in text and "regels in het bestand" in text


def test_a_damaged_upload_is_reported(as_user: Login, fresh: str) -> None:
    values = {"im-upload.contents": ["data:x;base64,@@@"], "im-upload.filename": ["x.csv"],
              "im-household.data": fresh}  # fmt: skip
    out = as_user("jdevries").ok("import.upload", values)
    assert "x.csv: het bestand kwam beschadigd binnen" in text_of(out["im-result"]["children"])


def test_the_history_lists_the_demo_imports(as_user: Login, world: World) -> None:
    out = as_user("jdevries").ok("import.history", {"im-household.data": world.seed})
    text = text_of(out["im-history"]["children"])
    assert "De laatste" in text and "uitkeringen.json" in text
