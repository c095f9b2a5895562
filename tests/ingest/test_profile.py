"""The household profile format: valid files load, invalid ones say which field, why and where."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from ingest.errors import IngestError
from ingest.profile import Role, load_profile, profile_to_dict

DATA = Path(__file__).parent.parent / "data" / "profiles"

BASE = """\
formaat: hhb-huishoudprofiel
versie: 1
gemeente: GM0344
postcode: 3533 AB
wijk: WK034405
coach: jdevries
deelname:
  van: 2024-01-01
leden:
  - rol: aanvrager
    geboortedatum: 1985-03-01
  - rol: toeslagpartner
    geboortedatum: 1986-07-15
    student: true
  - rol: kind
    geboortedatum: 2014-02-28
huur:
  kale_huur: 612.50
  subsidiabele_servicekosten: 48.00
vermogen:
  - jaar: 2024
    bedrag: 1250.00
"""


def test_example_files_load_and_round_trip() -> None:
    for path in sorted(DATA.iterdir()):
        profile = load_profile(path.read_bytes(), path.name)
        again = load_profile(json.dumps(profile_to_dict(profile)).encode(), "x.json")
        assert again == profile, path.name


def test_typed_values() -> None:
    p = load_profile(BASE.encode(), "p.yaml")
    assert p.municipality == "GM0344" and p.postcode == "3533 AB"
    assert p.rent is not None and (p.rent.bare_rent_cents, p.rent.total_cents) == (61250, 66050)
    assert p.wealth_in(2024) == 125000 and p.wealth_in(2023) is None
    assert p.members[0].role is Role.AANVRAGER and p.members[1].student
    assert p.participation.start == dt.date(2024, 1, 1) and p.participation.end is None


def test_helpers_for_the_rules() -> None:
    p = load_profile(BASE.encode(), "p.yaml")
    day = dt.date(2026, 2, 27)
    assert p.children_ages(day) == (11,)
    assert p.children_ages(dt.date(2026, 2, 28)) == (12,)
    assert p.has_partner() and p.has_partner(day)
    assert p.age_of(p.applicant, dt.date(2025, 3, 1)) == 40
    assert len(p.members_on(dt.date(2014, 2, 27))) == 2  # the child is not born yet


def test_member_period_counts_in_members_on() -> None:
    text = BASE.replace("    student: true\n", "    student: true\n    lid_vanaf: 2025-05-01\n")
    p = load_profile(text.encode(), "p.yaml")
    assert not p.has_partner(dt.date(2025, 4, 30))
    assert p.has_partner(dt.date(2025, 5, 1))


def test_postcode_without_space_is_normalised() -> None:
    p = load_profile(BASE.replace("3533 AB", "3533AB").encode(), "p.yaml")
    assert p.postcode == "3533 AB"


# (replace this, with this, expected message fragment, expected line)
INVALID = [
    (
        "1986-07-15",
        "1985-13-01",
        "leden[1].geboortedatum: '1985-13-01' is geen geldige datum (jjjj-mm-dd)",
        13,
    ),
    (
        "1986-07-15",
        "15-07-1986",
        "leden[1].geboortedatum: '15-07-1986' is geen geldige datum (jjjj-mm-dd)",
        13,
    ),
    ("GM0344", "GM344", "gemeente: 'GM344' is geen CBS-gemeentecode", 3),
    ("3533 AB", "3533 ab", "postcode: '3533 ab' is geen geldige postcode", 4),
    ("WK034405", "WK03440", "wijk: 'WK03440' is geen CBS-wijkcode", 5),
    ("WK034405", "WK030701", "wijk: 'WK030701' hoort niet bij gemeente GM0344", 5),
    ("rol: kind", "rol: zoon", "leden[2].rol: 'zoon' is geen toegestane waarde", 15),
    ("rol: toeslagpartner", "rol: aanvrager", "leden[1].rol: er is al een aanvrager", 12),
    ("rol: kind", "rol: toeslagpartner", "leden[2].rol: er is al een toeslagpartner", 15),
    ("rol: aanvrager", "rol: kind", "leden: er is geen lid met rol 'aanvrager'", 9),
    ("kale_huur: 612.50", "kale_huur: 612.505", "huur.kale_huur: '612.505' is geen bedrag", 18),
    ("kale_huur: 612.50", "kale_huur: 612,50", "huur.kale_huur: '612,50' is geen bedrag", 18),
    ("kale_huur: 612.50", "kale_huur: -5.00", "huur.kale_huur: '-5.00' is geen bedrag", 18),
    (
        "  van: 2024-01-01\n",
        "  van: 2024-01-01\n  tot: 2023-12-31\n",
        "deelname.tot: '2023-12-31' ligt voor",
        9,
    ),
    ("coach: jdevries\n", "", "coach: ontbreekt (verplicht veld)", 1),
    ("    student: true\n", "    studnet: true\n", "leden[1].studnet: onbekend veld", 14),
    (
        "    student: true\n",
        "    student: ja\n",
        "leden[1].student: 'ja' moet true of false zijn",
        14,
    ),
    (
        "  - jaar: 2024",
        "  - jaar: 1900",
        "vermogen[0].jaar: 1900 ligt buiten het toegestane bereik",
        21,
    ),
    ("versie: 1", "versie: 2", "versie: 2 moet 1 zijn", 2),
]


@pytest.mark.parametrize(("old", "new", "message", "line"), INVALID)
def test_invalid_yaml_names_field_reason_and_line(
    old: str, new: str, message: str, line: int
) -> None:
    assert old in BASE
    with pytest.raises(IngestError) as info:
        load_profile(BASE.replace(old, new, 1).encode(), "p.yaml")
    assert message in info.value.message
    assert info.value.line == line
    assert info.value.file == "p.yaml"


def test_duplicate_wealth_year() -> None:
    text = BASE + "  - jaar: 2024\n    bedrag: 10.00\n"
    with pytest.raises(IngestError, match=r"vermogen\[1\]\.jaar: jaar 2024 staat er al") as info:
        load_profile(text.encode(), "p.yaml")
    assert info.value.line == 23


def _json_profile(**changes: object) -> bytes:
    doc: dict[str, object] = {
        "formaat": "hhb-huishoudprofiel",
        "versie": 1,
        "gemeente": "GM0307",
        "postcode": "3812 BX",
        "coach": "m.bakker",
        "deelname": {"van": "2024-01-01", "tot": None},
        "leden": [{"rol": "aanvrager", "geboortedatum": "1979-11-02"}],
    }
    doc.update(changes)
    return json.dumps(doc, indent=2).encode()


INVALID_JSON = [
    ({"gemeente": "0307"}, "gemeente: '0307' is geen CBS-gemeentecode", 4),
    ({"huur": {"kale_huur": 612.505}}, "huur.kale_huur: '612.505' is geen bedrag", 18),
    (
        {"huur": {"kale_huur": "612.5"}, "vermogen": [{"jaar": 2024}]},
        "vermogen[0].bedrag: ontbreekt",
        21,
    ),
    ({"leden": []}, "leden: mag niet leeg zijn", 11),
    ({"deelname": {"tot": "2025-01-01"}}, "deelname.van: ontbreekt (verplicht veld)", 7),
]


@pytest.mark.parametrize(("changes", "message", "line"), INVALID_JSON)
def test_invalid_json(changes: dict[str, object], message: str, line: int) -> None:
    data = _json_profile(**changes)
    with pytest.raises(IngestError) as info:
        load_profile(data, "p.json")
    assert message in info.value.message
    assert info.value.line == line, data.decode()


def test_valid_json_loads_numbers_exactly() -> None:
    p = load_profile(_json_profile(huur={"kale_huur": 650}), "p.json")
    assert p.rent is not None and p.rent.bare_rent_cents == 65000
    # a JSON number is read as its text, never through a binary float
    p = load_profile(_json_profile(huur={"kale_huur": 612.1}), "p.json")
    assert p.rent is not None and p.rent.bare_rent_cents == 61210


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b"", "leeg", 1),
        (b"leden: [\n  - x\n", "geen geldige YAML/JSON", 2),
        (b'{\n "formaat": \n}', "geen geldige JSON", 3),
        (b"\xff\xfe\x00", "UTF-8", 1),
    ],
)
def test_unreadable(data: bytes, message: str, line: int) -> None:
    with pytest.raises(IngestError) as info:
        load_profile(data, "p.yaml")
    assert message in info.value.message and info.value.line == line
