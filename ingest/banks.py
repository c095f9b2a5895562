"""Dutch banks by the four-letter bank code inside their IBANs (``NLkk CCCC nnnnnnnnnn``).

One table for every importer that names the bank from an account number.
"""

from __future__ import annotations

BANK_NAMES: dict[str, str] = {
    "INGB": "ING",
    "RABO": "Rabobank",
    "ABNA": "ABN AMRO",
    "SNSB": "SNS",
    "ASNB": "ASN",
    "RBRB": "RegioBank",
    "TRIO": "Triodos",
    "KNAB": "Knab",
    "BUNQ": "bunq",
}
CODE_OF: dict[str, str] = {name: code for code, name in BANK_NAMES.items()}
