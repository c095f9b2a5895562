"""Our own format for benefit payment specifications and toeslag decisions (JSON and CSV).

No machine-readable public format exists for what residents see in MijnUWV, MijnSVB and Mijn
toeslagen (PDFs), so this one is defined here and documented in docs/formats/benefits.md.
"""

from __future__ import annotations

from ingest.benefits.link import DEFAULT_MAX_DAYS_AFTER, Link, TransactionLike, link_payments
from ingest.benefits.model import (
    CSV_HEADER,
    FORMAT_MARKER,
    FORMAT_VERSION,
    BenefitFile,
    BenefitPayment,
    Toeslag,
    ToeslagDecision,
)
from ingest.benefits.parse import identify, parse_benefit_file
from ingest.benefits.write import write_benefit_csv, write_benefit_json

__all__ = [
    "CSV_HEADER",
    "DEFAULT_MAX_DAYS_AFTER",
    "FORMAT_MARKER",
    "FORMAT_VERSION",
    "BenefitFile",
    "BenefitPayment",
    "Link",
    "Toeslag",
    "ToeslagDecision",
    "TransactionLike",
    "identify",
    "link_payments",
    "parse_benefit_file",
    "write_benefit_csv",
    "write_benefit_json",
]
