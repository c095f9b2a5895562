"""Reading a household profile from YAML or JSON, with errors that point at the field and line.

YAML is read without its implicit timestamp and float types: ``geboortedatum: 1985-13-01`` would
otherwise crash inside the YAML library instead of giving a message, and ``kale_huur: 612.10``
would pass through a binary float. Dates and amounts arrive as text and are parsed exactly here.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from ingest.errors import IngestError
from ingest.profile.model import HouseholdProfile, Member, Period, Rent, Role, Wealth
from ingest.profile.schema_errors import Fields, Path, first_error


class _TextLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates and decimals as text (see module docstring)."""


_TextLoader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:float")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_text_document(text: str, filename: str) -> tuple[Any, dict[Path, int]]:
    """Parse YAML (JSON is YAML too) into plain data plus the 1-based line of every field."""
    loader = _TextLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise IngestError(filename, 1, "het bestand is leeg")
        doc = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise IngestError(
            filename,
            line,
            f"geen geldige YAML/JSON: {exc.problem or exc}; "
            "controleer inspringing en dubbele punten",
        ) from None
    finally:
        loader.dispose()
    lines: dict[Path, int] = {}
    _collect_lines(node, (), lines)
    return doc, lines


def _collect_lines(node: yaml.Node, path: Path, lines: dict[Path, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                child = (*path, str(key.value))
                _collect_lines(value, child, lines)
                lines[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _collect_lines(item, (*path, i), lines)


def read_document(data: bytes, filename: str) -> tuple[Any, dict[Path, int]]:
    """Decode and parse YAML or JSON, with field lines for messages.

    JSON is read by the JSON parser (its numbers with decimals kept as text, like YAML here);
    the lines come from reading it as YAML too, best effort, since JSON is nearly always YAML.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise IngestError(
            filename, 1, "het bestand is geen UTF-8-tekst; sla het op als UTF-8"
        ) from None
    if not text.lstrip().startswith("{"):
        return load_text_document(text, filename)
    try:
        doc = json.loads(text, parse_float=str)
    except json.JSONDecodeError as exc:
        raise IngestError(filename, exc.lineno, f"geen geldige JSON: {exc.msg}") from None
    try:
        _, lines = load_text_document(text, filename)
    except IngestError:
        lines = {}
    return doc, lines


def _schema_validator(name: str) -> Draft202012Validator:
    text = resources.files("ingest.profile").joinpath(name).read_text("utf-8")
    return Draft202012Validator(json.loads(text))


_VALIDATOR = _schema_validator("profile.schema.json")


_POSTCODE = re.compile(r"^(\d{4}) ?([A-Z]{2})$")


def load_profile(data: bytes, filename: str) -> HouseholdProfile:
    """Read a profile (YAML or JSON); raise :class:`IngestError` naming field, reason and line."""
    doc, lines = read_document(data, filename)
    return profile_from_document(doc, filename, lines)


def profile_from_document(
    doc: Any, filename: str, lines: dict[Path, int] | None = None
) -> HouseholdProfile:
    """A profile from parsed plain data, with the checks of :func:`load_profile`; ``lines``
    (field to line, for messages) is left out for a document that has no file, e.g. one read
    back from the store."""
    problem = first_error(_VALIDATOR, doc)
    f = Fields(filename, lines or {})
    if problem is not None:
        raise f.fail(*problem)

    members: list[Member] = []
    for i, raw in enumerate(doc["leden"]):
        path: Path = ("leden", i)
        member = Member(
            role=Role(raw["rol"]),
            birth_date=f.date(raw["geboortedatum"], (*path, "geboortedatum")),
            name=raw.get("naam"),
            student=bool(raw.get("student", False)),
            member_from=f.opt_date(raw.get("lid_vanaf"), (*path, "lid_vanaf")),
            member_until=f.opt_date(raw.get("lid_tot"), (*path, "lid_tot")),
        )
        if member.member_from and member.member_until and member.member_until < member.member_from:
            raise f.fail((*path, "lid_tot"), "ligt voor lid_vanaf")
        members.append(member)
    _check_roles(members, f)

    gemeente = doc["gemeente"]
    wijk = doc.get("wijk")
    if wijk is not None and wijk[2:6] != gemeente[2:6]:
        raise f.fail(
            ("wijk",),
            f"{wijk!r} hoort niet bij gemeente {gemeente} (moet beginnen met WK{gemeente[2:]})",
        )
    pc = _POSTCODE.match(doc["postcode"])
    assert pc is not None  # the schema checked the pattern

    rent = None
    if "huur" in doc:
        huur = doc["huur"]
        rent = Rent(
            bare_rent_cents=f.cents(huur["kale_huur"], ("huur", "kale_huur")),
            service_costs_cents=f.cents(
                huur.get("subsidiabele_servicekosten", 0), ("huur", "subsidiabele_servicekosten")
            ),
        )
    wealth: list[Wealth] = []
    for i, raw in enumerate(doc.get("vermogen", [])):
        if any(w.year == raw["jaar"] for w in wealth):
            raise f.fail(
                ("vermogen", i, "jaar"), f"jaar {raw['jaar']} staat er al; één bedrag per jaar"
            )
        wealth.append(Wealth(raw["jaar"], f.cents(raw["bedrag"], ("vermogen", i, "bedrag"))))

    return HouseholdProfile(
        municipality=gemeente,
        postcode=f"{pc.group(1)} {pc.group(2)}",
        members=tuple(members),
        participation=Period(
            *f.date_range(
                doc["deelname"]["van"],
                doc["deelname"].get("tot"),
                ("deelname", "van"),
                ("deelname", "tot"),
            )
        ),
        coach=doc["coach"],
        wijk=wijk,
        household_id=doc.get("huishouden"),
        rent=rent,
        wealth=tuple(sorted(wealth, key=lambda w: w.year)),
    )


def _check_roles(members: list[Member], f: Fields) -> None:
    applicants = [i for i, m in enumerate(members) if m.role is Role.AANVRAGER]
    if not applicants:
        raise f.fail(("leden",), "er is geen lid met rol 'aanvrager'; precies één lid is aanvrager")
    if len(applicants) > 1:
        raise f.fail(
            ("leden", applicants[1], "rol"), "er is al een aanvrager; precies één lid is aanvrager"
        )
    partners = [i for i, m in enumerate(members) if m.role is Role.TOESLAGPARTNER]
    if len(partners) > 1:
        raise f.fail(
            ("leden", partners[1], "rol"),
            "er is al een toeslagpartner; hoogstens één toeslagpartner",
        )
