"""`hhb calc`: the quick check for a household that is not in the database.

The same engine and rules as for every household, for one regeling over one year, with the full
derivation of one month in plain Dutch. Nothing is read from or written to the database, so there
is no household to audit.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import click

from entitlement.rules.calc import CalcError, calculate, listing
from entitlement.rules.engine import Outcome
from entitlement.rules.explain import STATUS_TEXT, money
from entitlement.rules.fmt import MONTHS
from entitlement.rules.registry import default_rules
from entitlement.rules.render import render_text
from hhb.clikit import Context, user_errors

_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")


def parse_euros(value: str | None, option: str) -> int | None:
    """``"25000"``, ``"25.000"``, ``"1234,56"``, ``"€ 612.50"`` -> cents."""
    if value is None:
        return None
    text = value.replace("€", "").replace(" ", "").strip()
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif _THOUSANDS.match(text):
        text = text.replace(".", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise click.BadParameter(
            f"{value!r} is geen bedrag in euro's (bv. 25000 of 612,50)", param_hint=option
        ) from None
    cents = amount * 100
    if cents != cents.to_integral_value() or amount < 0:
        raise click.BadParameter(
            f"{value!r}: een positief bedrag met hoogstens twee decimalen", param_hint=option
        )
    return int(cents)


def parse_ages(value: str | None) -> list[int] | None:
    if value is None:
        return None
    parts = [p for p in re.split(r"[,\s;]+", value.strip()) if p]
    try:
        ages = [int(p) for p in parts]
    except ValueError:
        raise click.BadParameter(
            f"{value!r}: geef leeftijden in hele jaren, bv. 3,8,14", param_hint="--children"
        ) from None
    if any(not 0 <= a <= 30 for a in ages):
        raise click.BadParameter(
            "leeftijden van kinderen liggen tussen 0 en 30", param_hint="--children"
        )
    return ages


def _print_list(as_json: bool) -> None:
    rows = listing(default_rules())
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    click.echo("Regelingen (hhb calc REGELING --year JJJJ ...):")
    for r in rows:
        where = f"gemeente {r['gemeente']}" if r["gemeente"] else "landelijk"
        until = f" t/m {r['geldig_tot']}" if r["geldig_tot"] else ""
        click.echo(
            f"  {r['regeling']:<22} {r['naam']} ({where}; {r['betaling']}; "
            f"regels vanaf {r['geldig_van']}{until})"
        )


@click.command("calc")
@click.argument("regeling", required=False)
@click.option("--year", type=click.IntRange(2000, 2100), help="jaar (JJJJ)")
@click.option(
    "--month",
    "month",
    type=click.IntRange(1, 12),
    default=1,
    show_default=True,
    help="maand (1-12) waarvan de volledige afleiding getoond wordt",
)
@click.option(
    "--income", metavar="EUR_PER_JAAR", help="toetsingsinkomen per jaar (met partner samen)"
)
@click.option(
    "--net-income",
    metavar="EUR_PER_MAAND",
    help="netto inkomen per maand (geen bijstand of toeslagen)",
)
@click.option("--partner", is_flag=True, help="met toeslagpartner of echtgenoot")
@click.option("--children", metavar="LEEFTIJDEN", help="leeftijden van de kinderen, bv. 3,8,14")
@click.option("--rent", metavar="EUR", help="kale huur per maand")
@click.option("--service-costs", metavar="EUR", help="subsidiabele servicekosten per maand")
@click.option("--vermogen", metavar="EUR", help="vermogen op 1 januari")
@click.option("--municipality", metavar="GMxxxx", help="CBS-gemeentecode, bv. GM0344")
@click.option("--age", type=click.IntRange(0, 120), help="leeftijd aanvrager")
@click.option("--partner-age", type=click.IntRange(0, 120), help="leeftijd partner")
@click.option("--persons", type=click.IntRange(1, 20), help="aantal personen in het huis")
@click.option(
    "--kostendelers", type=click.IntRange(0, 20), help="medebewoners die kostendeler zijn"
)
@click.option(
    "--low-income-pct",
    type=click.IntRange(0, 1000),
    help="hoogste inkomen van de afgelopen jaren in % van de bijstandsnorm",
)
@click.option("--taxes", metavar="EUR", help="aanslag gemeentelijke belastingen per jaar")
@click.option("--student", is_flag=True, help="aanvrager is student")
@click.option("--list", "show_list", is_flag=True, help="toon de regelingen")
@click.option("--json", "as_json", is_flag=True, help="als JSON (bedragen in centen)")
@click.pass_obj
@user_errors
def calc_cmd(
    obj: Context, /, regeling: str | None, year: int | None, month: int, **options: Any
) -> None:
    """Bereken REGELING voor een huishouden dat niet in de database staat, met de afleiding."""
    as_json = bool(options.pop("as_json"))
    if options.pop("show_list"):
        _print_list(as_json)
        return
    if regeling is None:
        raise click.UsageError("geef een regeling (zie hhb calc --list)")
    if year is None:
        raise click.BadParameter("geef het jaar", param_hint="--year")
    municipality = options["municipality"]
    if municipality is not None and not re.fullmatch(r"GM\d{4}", municipality):
        raise click.BadParameter(
            f"{municipality!r} is geen CBS-gemeentecode (GM en 4 cijfers)",
            param_hint="--municipality",
        )
    pct = options["low_income_pct"]
    given: dict[str, Any] = {
        "toetsingsinkomen_jaar": parse_euros(options["income"], "--income"),
        "netto_inkomen_maand": parse_euros(options["net_income"], "--net-income"),
        "partner": bool(options["partner"]),
        "kinderen": parse_ages(options["children"]),
        "kale_huur": parse_euros(options["rent"], "--rent"),
        "servicekosten": parse_euros(options["service_costs"], "--service-costs"),
        "vermogen": parse_euros(options["vermogen"], "--vermogen"),
        "gemeente": municipality,
        "leeftijd": options["age"],
        "leeftijd_partner": options["partner_age"],
        "aantal_personen": options["persons"],
        "kostendelers": options["kostendelers"],
        "inkomen_pct_norm_3j": pct,
        "inkomen_pct_norm_5j": pct,
        "gemeentelijke_belastingen_jaar": parse_euros(options["taxes"], "--taxes"),
        "student": bool(options["student"]),
    }
    try:
        result = calculate(default_rules(), regeling, year, given, month)
    except CalcError as exc:
        raise click.UsageError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
        return
    for line in render_text(result.derivation):
        click.echo(line)
    if result.assumptions:
        click.echo("")
        click.echo("Aangenomen (niet opgegeven): " + "; ".join(result.assumptions))
    click.echo("")
    click.echo(f"Per maand in {year}:")
    for m in result.months:
        shown = money(m.month_cents) if m.status is Outcome.RECHT else STATUS_TEXT[m.status]
        click.echo(f"  {MONTHS[m.month.month - 1]:<10} {shown}")
