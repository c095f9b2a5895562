"""A household's benefit payments and toeslag decisions in the project's own format.

The format and its writer belong to ``ingest.benefits`` (docs/formats/benefits.md); the demo
only converts its decisions, which also carry the actual income of the year (the generator's
knowledge, used by the tests to find households heading for a clawback), to that format.
"""

from __future__ import annotations

import json

from hhb.demo.model import Household
from ingest.benefits import FORMAT_MARKER, FORMAT_VERSION, Toeslag, ToeslagDecision
from ingest.benefits.write import decision_record, payment_record


def benefits_json(household: Household) -> bytes:
    decisions = [
        ToeslagDecision(
            regeling=Toeslag(d.regeling),
            year=d.year,
            advance_year_cents=d.yearly_cents,
            advance_month_cents=d.monthly_cents,
            income_estimate_cents=d.income_estimate_cents,
            decision_date=d.decided_on,
            with_partner=d.partner,
        )
        for d in household.decisions
    ]
    payments = sorted(household.payments, key=lambda p: (p.payment_date, p.payer, p.regeling))
    # Same document as ``write_benefit_json``, one record per line: its indented output goes
    # through the pure-Python JSON encoder, which cost more than the bank files at 100 000
    # households.
    dump = json.JSONEncoder(ensure_ascii=False).encode
    lines = [f'{{"formaat": {dump(FORMAT_MARKER)}, "versie": {FORMAT_VERSION}, '
             f'"huishouden": {dump(household.code)},', ' "betalingen": [']  # fmt: skip
    lines += [f"  {dump(payment_record(p))}," for p in payments]
    lines[-1] = lines[-1].rstrip(",")
    lines.append(' ], "beschikkingen": [')
    lines += [f"  {dump(decision_record(d))}," for d in decisions]
    lines[-1] = lines[-1].rstrip(",")
    lines.append(" ]}")
    return ("\n".join(lines) + "\n").encode("utf-8")
