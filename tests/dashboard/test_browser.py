"""What only a browser shows: login, a participant's month, a coach's upload, refused access,
the analyst page and its export, no CSP violation, and axe-core on every page (no serious or
critical violation)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dashboard import create_app
from dashboard.config import DashboardConfig
from store.access import add_to_caseload, grant_consent, revoke_consent
from store.db import make_engine, session_scope
from store.households import create_household
from tests.dashboard.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    axe_violations,
    require_chromium,
    serving,
)
from tests.dashboard.conftest import World

pytestmark = pytest.mark.browser
DATA = Path(__file__).resolve().parents[1] / "data"
MT940 = DATA / "ingest" / "mt940" / "ing" / "structured.sta"
FRESH = "hh-0001"


@dataclass(frozen=True, slots=True)
class Site:
    url: str
    database: Path


@pytest.fixture(scope="module")
def site(world_template: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo world on waitress, plus a fresh household in jdevries' caseload for uploads."""
    require_chromium()
    target = tmp_path_factory.mktemp("browser") / "hhb.sqlite3"
    with sqlite3.connect(world_template.database) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    engine = make_engine(f"sqlite:///{target}")
    with session_scope(engine) as session:
        create_household(session, FRESH, "test")
        add_to_caseload(session, "jdevries", FRESH, "test")
        grant_consent(session, FRESH, "jdevries", "test")
    engine.dispose()
    world = World(
        target,
        world_template.files,
        world_template.passwords,
        world_template.seed,
        world_template.other,
        world_template.waiting,
        world_template.foreign,
    )
    app = create_app(world.settings(), DashboardConfig(secret_key="browser-test"))
    with serving(app) as url:
        yield Site(url, target)
    app.server.extensions["hhb"].engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Visit:
    """One browser page that records console errors (a CSP violation is one)."""

    def __init__(self, browser: Any, site: str) -> None:
        self.site = site
        self.context = browser.new_context(locale="nl-NL")
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    def login(self, username: str, password: str) -> None:
        self.page.goto(self.site + "/")
        assert self.page.url.startswith(self.site + "/login")
        self.page.get_by_label("Gebruikersnaam").fill(username)
        self.page.get_by_label("Wachtwoord").fill(password)
        self.page.get_by_role("button", name="Inloggen").click()
        self.page.get_by_text(f"Welkom, {username}").wait_for()

    def open(self, path: str, text: str) -> None:
        self.page.goto(self.site + path)
        self.page.get_by_text(text, exact=False).first.wait_for()

    def csp_errors(self) -> list[str]:
        return [e for e in self.errors if "Content Security Policy" in e or "Refused" in e]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Any, site: Site) -> Iterator[Any]:
    opened: list[Visit] = []

    def make() -> Visit:
        opened.append(Visit(browser, site.url))
        return opened[-1]

    yield make
    for v in opened:
        v.close()


def test_login_and_the_participants_month_overview(visit: Any, world_template: World) -> None:
    v = visit()
    v.login("deelnemer", world_template.passwords["deelnemer"])
    v.page.get_by_role("link", name="Overzicht").first.click()
    v.page.get_by_text("Saldo eind van periode").wait_for()
    table = v.page.locator("table").first.inner_text()
    assert "april 2024" in table and re.search(r"€\s[+-]?\d", table)
    v.page.locator(".main-svg").first.wait_for()  # the Plotly chart is drawn
    assert v.csp_errors() == []
    v.page.get_by_role("button", name="Uitloggen").click()
    v.page.get_by_text("U bent uitgelogd.").wait_for()
    v.page.goto(v.site + f"/huishouden/{world_template.seed}/overzicht")
    assert "/login" in v.page.url


def test_a_coach_uploads_a_bank_file(visit: Any, world_template: World) -> None:
    v = visit()
    v.login("jdevries", world_template.passwords["jdevries"])
    v.open(f"/huishouden/{FRESH}/importeren", "Sleep bestanden hierheen")
    v.page.locator("input[type=file]").set_input_files(str(MT940))
    v.page.get_by_text("structured.sta").first.wait_for()
    result = v.page.locator(".alert-success").first.inner_text()
    assert "toegevoegd" in result
    assert v.csp_errors() == []


def test_refused_access_shows_a_message_and_a_withdrawn_consent_counts_at_once(
    visit: Any, world_template: World, site: Site
) -> None:
    participant = visit()
    participant.login("deelnemer", world_template.passwords["deelnemer"])
    participant.open(f"/huishouden/{world_template.other}/overzicht", "Geen toegang")

    coach = visit()
    coach.login("jdevries", world_template.passwords["jdevries"])
    coach.open(f"/huishouden/{world_template.seed}/overzicht", "Saldo eind van periode")
    engine = make_engine(f"sqlite:///{site.database}")
    try:
        with session_scope(engine) as session:
            revoke_consent(session, world_template.seed, "jdevries", "deelnemer")
        coach.page.locator("#ov-first").fill("2024-01")  # the coach's next action
        coach.page.get_by_text("niet langer) toegang tot deze gegevens").wait_for()
        coach.page.reload()
        coach.page.get_by_text("Geen toegang").first.wait_for()
    finally:
        with session_scope(engine) as session:
            grant_consent(session, world_template.seed, "jdevries", "deelnemer")
        engine.dispose()


def test_the_participant_lands_on_their_month(visit: Any, world_template: World) -> None:
    v = visit()
    v.login("deelnemer", world_template.passwords["deelnemer"])
    v.page.get_by_text("Inkomsten deze maand").wait_for()
    assert v.page.url == v.site + "/"
    assert "April 2024" in v.page.locator("#mm-summary").inner_text()
    assert v.csp_errors() == []


def test_the_coach_sorts_the_caseload(visit: Any, world_template: World) -> None:
    v = visit()
    v.login("jdevries", world_template.passwords["jdevries"])
    v.open("/caseload", "Huishoudens in uw caseload")
    v.page.get_by_text("Dringendste signaal").wait_for()
    first = v.page.locator("#cl-table tbody th").first
    assert first.inner_text() == world_template.seed  # needs attention: consent, signals open
    v.page.get_by_role("button", name="Huishoudcode").click()
    first.get_by_text(world_template.waiting).wait_for()  # by code: DEMO-0000.. before DEMO-SEED
    codes = v.page.locator("#cl-table tbody th").all_inner_texts()
    assert codes == sorted(codes) and world_template.seed in codes
    assert v.csp_errors() == []


def test_the_participants_month_page_with_its_charts(visit: Any, world_template: World) -> None:
    v = visit()
    v.login("deelnemer", world_template.passwords["deelnemer"])
    # the start page is this month page already (same ids): open it fresh, not by the link,
    # or the old page's content would satisfy the waits below
    path = f"/huishouden/{world_template.seed}/maand"
    assert v.page.get_by_role("link", name="Mijn maand").first.get_attribute("href") == path
    v.open(path, "Inkomsten deze maand")
    summary = v.page.locator("#mm-summary").inner_text()
    assert "April 2024" in summary and re.search(r"€\s1\.095,02", summary)
    assert "Leefgeld over deze week" in summary
    v.page.locator("#mm-flows .main-svg").first.wait_for()  # both charts are drawn
    v.page.locator("#mm-balance .main-svg").first.wait_for()
    assert "Saldo en verwacht saldo" in v.page.locator("#mm-balance").inner_text()
    v.page.locator("#mm-month").fill("2024-02")
    v.page.get_by_text("Februari 2024, tot en met 29 februari 2024").wait_for()
    assert v.csp_errors() == []


def test_the_analyst_page_and_its_export(visit: Any, world_template: World) -> None:
    v = visit()
    v.login("analist", world_template.passwords["analist"])
    v.page.get_by_role("link", name="Cijfers voor de gemeente").first.click()
    v.page.get_by_text("Huishoudens naar samenstelling").wait_for()
    tables = v.page.locator("#an-tables").inner_text()
    assert "onderdrukt" in tables and "te weinig huishoudens" in tables
    assert world_template.seed not in v.page.content()
    theme = v.page.get_by_role("button", name="Regelingen: recht, ontvangen en gemist")
    theme.click()
    v.page.get_by_text("Regeling: zorgtoeslag").wait_for()
    assert theme.get_attribute("aria-pressed") == "true"
    with v.page.expect_download() as info:
        v.page.get_by_role("button", name="Downloaden als CSV (met metadata)").click()
    download = info.value
    assert download.suggested_filename == "hhb-GM0344-2024-gemeente-intern.csv"
    content = Path(download.path()).read_text(encoding="utf-8")
    assert content.startswith("# hhb geaggregeerde gegevens")
    assert v.csp_errors() == []


PAGES = [  # (user or None, path, text that shows the page has rendered)
    (None, "/login", "Inloggen"),
    ("deelnemer", "/", "Inkomsten deze maand"),  # a participant's start page is their month
    ("deelnemer", "/huishouden/{seed}/overzicht", "Saldo eind van periode"),
    ("deelnemer", "/huishouden/{seed}/maand", "Inkomsten deze maand"),
    ("deelnemer", "/huishouden/{seed}/gegevens", "Wie mijn gegevens heeft bekeken"),
    ("deelnemer", "/huishouden/{seed}/regelingen", "Per regeling en maand"),
    ("deelnemer", "/huishouden/{seed}/wat-als", "Bereken met een netto verandering"),
    ("deelnemer", "/huishouden/{other}/overzicht", "Geen toegang"),
    ("jdevries", "/caseload", "Huishoudens in uw caseload"),
    ("jdevries", "/huishouden/{seed}/overzicht", "Notitie opslaan"),
    ("jdevries", "/huishouden/{seed}/importeren", "De laatste"),
    ("jdevries", "/huishouden/{seed}/indeling", "Transacties van"),
    ("jdevries", "/huishouden/{seed}/gegevens", "Geschiedenis van het profiel"),
    ("jdevries", "/huishouden/{seed}/maand", "Vaste lasten die nog komen"),
    ("beheerder", "/beheer", "Alle gebruikers"),
    ("analist", "/", "Welkom, analist"),
    ("analist", "/analist", "Huishoudens naar samenstelling"),
    ("deelnemer", "/analist", "Geen toegang"),
    ("analist", "/bestaat/niet", "Pagina niet gevonden"),
]


def test_every_page_has_no_serious_or_critical_accessibility_violation(
    visit: Any, world_template: World
) -> None:
    found: list[str] = []
    sessions: dict[str | None, Visit] = {}
    for user, path, text in PAGES:
        if user not in sessions:
            sessions[user] = visit()
            if user is not None:
                sessions[user].login(user, world_template.passwords[user])
        v = sessions[user]
        v.open(path.format(seed=world_template.seed, other=world_template.other), text)
        v.page.wait_for_load_state("networkidle")
        found += [f"{path} as {user}: {violation}" for violation in axe_violations(v.page)]
        found += [f"{path} as {user}: {error}" for error in v.csp_errors()]
    assert not found, "\n".join(found)
