"""The household profile format (YAML or JSON, see docs/formats/profile.md).

``load_profile`` reads and checks a profile file; ``profile_to_dict`` gives back the same format
(for ``show --json`` and for writing), so load -> dict -> load is the identity.
"""

from __future__ import annotations

from typing import Any

from ingest.profile.loader import load_profile
from ingest.profile.model import HouseholdProfile, Member, Period, Rent, Role, Wealth, age_of
from ingest.profile.schema_errors import cents_text as cents_to_text

__all__ = [
    "HouseholdProfile",
    "Member",
    "Period",
    "Rent",
    "Role",
    "Wealth",
    "age_of",
    "cents_to_text",
    "load_profile",
    "profile_to_dict",
]


def profile_to_dict(profile: HouseholdProfile) -> dict[str, Any]:
    """The profile in its file format (Dutch field names, ISO dates, money as text)."""
    out: dict[str, Any] = {"formaat": "hhb-huishoudprofiel", "versie": 1}
    if profile.household_id is not None:
        out["huishouden"] = profile.household_id
    out["gemeente"] = profile.municipality
    out["postcode"] = profile.postcode
    if profile.wijk is not None:
        out["wijk"] = profile.wijk
    out["coach"] = profile.coach
    out["deelname"] = {
        "van": profile.participation.start.isoformat(),
        "tot": profile.participation.end.isoformat() if profile.participation.end else None,
    }
    leden: list[dict[str, Any]] = []
    for m in profile.members:
        lid: dict[str, Any] = {"rol": m.role.value, "geboortedatum": m.birth_date.isoformat()}
        if m.name is not None:
            lid["naam"] = m.name
        lid["student"] = m.student
        if m.member_from is not None:
            lid["lid_vanaf"] = m.member_from.isoformat()
        if m.member_until is not None:
            lid["lid_tot"] = m.member_until.isoformat()
        leden.append(lid)
    out["leden"] = leden
    if profile.rent is not None:
        out["huur"] = {
            "kale_huur": cents_to_text(profile.rent.bare_rent_cents),
            "subsidiabele_servicekosten": cents_to_text(profile.rent.service_costs_cents),
        }
    out["vermogen"] = [
        {"jaar": w.year, "bedrag": cents_to_text(w.amount_cents)} for w in profile.wealth
    ]
    return out
