"""A household's benefit payments and toeslag decisions as a JSON document.

No machine-readable public format exists for UWV/SVB specifications or toeslagen decisions
(DOMAIN.md section 3), so the project defines its own in ``ingest.benefits``. Until that module
offers a writer, the demo writes the same content in the shape below (``formaat:
hhb-uitkeringen``), money as exact decimal text like the profile format.
"""

from __future__ import annotations

import json
from typing import Any

from hhb.demo.model import Household
from ingest.profile import cents_to_text


def benefits_document(household: Household) -> dict[str, Any]:
    return {
        "formaat": "hhb-uitkeringen",
        "versie": 1,
        "huishouden": household.code,
        "toelichting": "fictieve demogegevens",
        "betalingen": [
            {
                "instantie": p.payer,
                "regeling": p.regeling,
                "periode": {"van": p.period_start.isoformat(), "tot": p.period_end.isoformat()},
                "betaaldatum": p.pay_date.isoformat(),
                "bruto": cents_to_text(p.gross_cents),
                "loonheffing": cents_to_text(p.tax_cents),
                "netto": cents_to_text(p.net_cents),
                "rekening": p.account,
            }
            for p in household.payments
        ],
        "toeslagen": [
            {
                "regeling": d.regeling,
                "jaar": d.year,
                "beschikkingsdatum": d.decided_on.isoformat(),
                "voorschot_per_maand": cents_to_text(d.monthly_cents),
                "voorschot_per_jaar": cents_to_text(d.yearly_cents),
                "geschat_inkomen": cents_to_text(d.income_estimate_cents),
            }
            for d in household.decisions
        ],
    }


def benefits_json(household: Household) -> bytes:
    return json.dumps(benefits_document(household), ensure_ascii=False, indent=1).encode()
