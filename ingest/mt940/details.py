"""Our own ``:86:`` splitters, one per Dutch bank dialect.

The ``mt-940`` library only knows the German ``?20``/``GVC`` layout; every Dutch bank packs the
counterparty, the remittance text and the SEPA references into ``:86:`` its own way. A splitter
takes the raw ``:86:`` lines of one transaction (exactly as in the file, trailing spaces kept,
because a bank that cuts lines at 65 characters may cut right after a space) plus two ``:61:``
fields some banks use for the counterparty account, and returns :class:`Details`.

Splitters never raise: a layout they do not recognise comes back as free text with
``known=False``, which the reader reports as a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from itertools import pairwise
from typing import NamedTuple

from ingest.text import iban_from_nl_bban


def clean_text(text: str | None) -> str:
    """:func:`ingest.text.clean_text` (collapse whitespace) without a regular expression: this
    runs for every transaction, and ``str.split`` is several times faster."""
    return " ".join(text.split()) if text else ""


class Details(NamedTuple):
    counterparty_iban: str | None = None
    counterparty_name: str | None = None
    description: str = ""
    end_to_end_id: str | None = None
    mandate_id: str | None = None
    creditor_id: str | None = None
    bank_reference: str | None = None
    batch_id: str | None = None
    known: bool = True


Splitter = Callable[[list[str], "str | None", "str | None"], Details]
"""``(details_lines, customer_reference, extra_details) -> Details``."""

WIDTH = 65
_IBAN_RE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}")
_NO_REF = frozenset({"", "NOTPROVIDED", "NONREF", "NOTAVAILABLE", "notprovided", "nonref"})


def ref(value: str | None) -> str | None:
    """A reference, or None for the placeholders banks write when there is none."""
    if not value:
        return None
    value = value.strip()
    return None if value in _NO_REF else value


@lru_cache(maxsize=8192)  # a household has few counterparties: most calls are cache hits
def account(value: str | None) -> str | None:
    """The counterparty account as the bank gave it, as an IBAN where that can be known.

    A Postbank giro number (at most 7 digits, sometimes written ``P1234567``) belongs to ING
    since the merger, so it becomes an ING IBAN. A 9- or 10-digit BBAN does not say its bank,
    so it is kept as digits rather than guessed into a wrong IBAN.
    """
    if not value:
        return None
    raw = value.replace(" ", "").replace(".", "").upper()
    if raw.startswith("P") and raw[1:].isdigit():
        raw = raw[1:]
    if raw.isdigit():
        if int(raw) == 0:
            return None
        return iban_from_nl_bban(raw, "INGB") if len(raw.lstrip("0")) <= 7 else raw.lstrip("0")
    return raw if _IBAN_RE.fullmatch(raw) else None


def _name(value: str | None) -> str | None:
    return clean_text(value) or None


def join_wrapped(lines: list[str]) -> str:
    """Join free-text lines: a full 65-character line was cut by the bank mid-token (no
    separator), a shorter line ended where the writer chose to break (a space)."""
    out = lines[0]
    for prev, line in pairwise(lines):
        out += line if len(prev) >= WIDTH else " " + line
    return out


def _free(lines: list[str], *, known: bool = True) -> Details:
    return Details(description=clean_text(join_wrapped(lines)) if lines else "", known=known)


# --- ING ---------------------------------------------------------------------------------------

_ING_KEYS = re.compile(r"/(EREF|MARF|CSID|CNTP|REMI|RTRN|PREF|PURP|ULTC|ULTD|ULTB|ISDT|IREF)/")


def _ing_value(fields: dict[str, str], key: str) -> str | None:
    """ING writes ``/KEY/value/`` back to back, so a value ends with the ``/`` closing it.
    (A pattern that takes that ``/`` with the next key is twice as slow: no literal prefix.)"""
    value = fields.get(key)
    if not value:
        return value
    return value[:-1] if value[-1] == "/" else value


def _remittance(value: str) -> str:
    if value.startswith("USTD//"):
        return value[6:]
    if value.startswith("STRD/"):  # structured creditor reference (acceptgiro betalingskenmerk)
        return value.rsplit("/", 1)[-1] if not value.endswith("/") else value.rstrip("/")
    return value


# The common layout in one match (a third of the cost of the general split below); anything
# else, e.g. another field order or a reference holding a "/", takes the general path.
_ING_FAST = re.compile(
    r"(?:/EREF/([^/]*)/)?(?:/MARF/([^/]*)/)?(?:/CSID/([^/]*)/)?"
    r"(?:/CNTP/([^/]*)/[^/]*/(.*?)/[^/]*/)?/REMI/USTD//(.*)/"
)


def ing_structured(lines: list[str], cref: str | None, extra: str | None) -> Details:
    """``/EREF/../CNTP/<IBAN>/<BIC>/<name>/<city>//REMI/USTD//<text>/``; ING cuts lines at
    65 characters anywhere, so they are joined without a separator."""
    joined = "".join(lines)
    fast = _ING_FAST.fullmatch(joined)
    if fast is not None:
        eref, marf, csid, iban_text, name_text, text = fast.groups()
        return Details(
            account(iban_text) if iban_text else None,
            " ".join(name_text.split()) or None if name_text else None,
            " ".join(text.split()),
            ref(eref),
            ref(marf),
            ref(csid),
        )
    parts = _ING_KEYS.split(joined) if lines else [""]
    if len(parts) == 1:
        return ing_old(lines, cref, extra)._replace(known=not lines)
    fields = dict(zip(parts[1::2], parts[2::2], strict=False))
    iban = name = None
    cntp = _ing_value(fields, "CNTP")
    if cntp is not None:
        parts = cntp.split("/")
        iban = account(parts[0])
        if len(parts) >= 4:
            name = "/".join(parts[2:-1])  # the last part is the city; a name may hold a '/'
        elif len(parts) == 3:
            name = parts[2]
    description = clean_text(_remittance(_ing_value(fields, "REMI") or ""))
    if "RTRN" in fields:
        description = clean_text(f"{description} (retour {_ing_value(fields, 'RTRN')})")
    # positional: this is the hot path of the most common dialect
    return Details(
        iban,
        _name(name),
        description,
        ref(_ing_value(fields, "EREF")),
        ref(_ing_value(fields, "MARF")),
        ref(_ing_value(fields, "CSID")),
        None,
        ref(_ing_value(fields, "PREF")),
    )


_LEAD_ACCOUNT = re.compile(r"\s*(P\d{1,7}|\d{9,10}|[A-Z]{2}\d{2}[A-Z0-9]{10,30})(?:\s+(.*))?$")


def ing_old(lines: list[str], cref: str | None, extra: str | None) -> Details:
    """Pre-SEPA ING: free text; a first line starting with an account number is
    ``<account> <name>``, the other lines are the description."""
    if not lines:
        return Details()
    m = _LEAD_ACCOUNT.match(lines[0])
    if m is None:
        return _free(lines)
    rest = lines[1:]
    return Details(
        counterparty_iban=account(m.group(1)),
        counterparty_name=_name(m.group(2)),
        description=clean_text(join_wrapped(rest)) if rest else "",
    )


# --- Rabobank ----------------------------------------------------------------------------------

_RABO_KEYS = re.compile(
    r"/(EREF|PREF|MARF|CSID|BENM|ORDP|NAME|ADDR|REMI|ISDT|RTRN|ULTD|ULTB|PURP|ID)/"
)


def rabobank_structured(lines: list[str], cref: str | None, extra: str | None) -> Details:
    """``/EREF/../BENM//NAME/../REMI/../ISDT/yyyy-mm-dd`` (credits ``/ORDP//NAME/../ADDR/``),
    values without a closing ``/``; the counterparty IBAN is the second line of ``:61:``."""
    parts = _RABO_KEYS.split("".join(lines)) if lines else [""]
    if len(parts) == 1:
        return _free(lines, known=not lines)._replace(counterparty_iban=account(extra))
    fields: dict[str, str] = {}
    name = None
    owner = ""
    for i in range(1, len(parts), 2):
        key, value = parts[i], parts[i + 1]
        if key == "NAME":
            if owner in ("BENM", "ORDP", "") and name is None:
                name = value
        elif key != "ADDR" and key != "ID":
            owner = key
            fields.setdefault(key, value)
    description = clean_text(fields.get("REMI", ""))
    if "RTRN" in fields:
        description = clean_text(f"{description} (retour {fields['RTRN']})")
    return Details(
        counterparty_iban=account(extra),
        counterparty_name=_name(name),
        description=description,
        end_to_end_id=ref(fields.get("EREF")),
        mandate_id=ref(fields.get("MARF")),
        creditor_id=ref(fields.get("CSID")),
        batch_id=ref(fields.get("PREF")),
    )


def rabobank_old(lines: list[str], cref: str | None, extra: str | None) -> Details:
    """Pre-SEPA Rabobank: the counterparty account (a BBAN) is the customer reference of
    ``:61:``; then one ``:86:`` per line, the first being the counterparty name when there is
    an account."""
    acct = account(cref) if cref and ref(cref) else None
    if acct is None or not lines:
        return Details(description=clean_text(" ".join(lines)), counterparty_iban=acct)
    return Details(
        counterparty_iban=acct,
        counterparty_name=_name(lines[0]),
        description=clean_text(" ".join(lines[1:])),
    )


# --- ABN AMRO and the newer Knab layout --------------------------------------------------------

_ABN_KEYS = re.compile(r"/(TRTP|IBAN|BIC|NAME|REMI|EREF|MARF|CSID|ORDP|BENM|ADDR|ID|PREF)/")
_CARD = re.compile(
    r"(?P<kind>BEA|GEA)[ ,]+(?:(?:Betaalpas|Apple Pay|Google Pay)\s+)?(?:NR:\s*\S+\s+)?"
    r"(?:\d\d\.\d\d\.\d\d/\d\d[.:]\d\d\s+)?(?P<merchant>[^,]+?)\s*,\s*PAS\s*\d+",
    re.IGNORECASE,
)
_GIRO = re.compile(r"GIRO\s+(\d{1,10})\s+(.+?)(?:\s{2,}(.*))?$")
_DOTTED = re.compile(r"(\d\d\.\d\d\.\d\d\.\d{3})\s+(.+?)(?:\s{2,}(.*))?$")


def abn_structured(text: str) -> Details:
    parts = _ABN_KEYS.split(text)
    fields: dict[str, str] = {}
    for i in range(1, len(parts), 2):
        fields.setdefault(parts[i], parts[i + 1])
    return Details(
        counterparty_iban=account(fields.get("IBAN")),
        counterparty_name=_name(fields.get("NAME")),
        description=clean_text(fields.get("REMI", "")),
        end_to_end_id=ref(fields.get("EREF")),
        mandate_id=ref(fields.get("MARF")),
        creditor_id=ref(fields.get("CSID")),
        batch_id=ref(fields.get("PREF")),
    )


def abnamro(lines: list[str], cref: str | None, extra: str | None) -> Details:
    """SEPA ``/TRTP/../IBAN/../BIC/../NAME/../REMI/../EREF/..`` (cut at 65, joined without a
    separator); card payments ``BEA``/``GEA`` whose merchant or ATM is the counterparty; old
    ``GIRO 123456 NAME`` and ``12.34.56.789 NAME`` lines."""
    if not lines:
        return Details()
    joined = "".join(lines)
    if joined.startswith("/TRTP/") or "/IBAN/" in joined:
        return abn_structured(joined)
    text = join_wrapped(lines)
    card = _CARD.match(text)
    if card is not None:
        return Details(
            counterparty_name=_name(card.group("merchant")), description=clean_text(text)
        )
    first = lines[0].strip()
    for pattern in (_GIRO, _DOTTED):
        m = pattern.match(first)
        if m is not None:
            rest = [m.group(3) or "", *lines[1:]]
            return Details(
                counterparty_iban=account(m.group(1)),
                counterparty_name=_name(m.group(2)),
                description=clean_text(" ".join(rest)),
            )
    return _free(lines)


_KNAB_OLD = re.compile(
    r"/?\s*\b(REK|NAAM|OMSCHRIJVING|BETALINGSKENMERK|KENMERK|MACHTIGING|INCASSANT|EREF):\s*"
)


def knab(lines: list[str], cref: str | None, extra: str | None) -> Details:
    """Newer Knab files use the ABN AMRO layout; older ones upper-case
    ``REK: <account>/NAAM: <name>/OMSCHRIJVING: ...`` pairs."""
    if not lines:
        return Details()
    joined = "".join(lines)
    if joined.startswith("/TRTP/") or "/IBAN/" in joined or "/REMI/" in joined:
        return abn_structured(joined)
    parts = _KNAB_OLD.split(join_wrapped(lines))
    if len(parts) == 1:
        return _free(lines, known=False)
    fields: dict[str, str] = {}
    texts = [parts[0]]
    for i in range(1, len(parts), 2):
        key, value = parts[i], parts[i + 1].strip().rstrip("/")
        if key in ("OMSCHRIJVING", "KENMERK", "BETALINGSKENMERK"):
            texts.append(value)
        else:
            fields.setdefault(key, value)
    return Details(
        counterparty_iban=account(fields.get("REK")),
        counterparty_name=_name(fields.get("NAAM")),
        description=clean_text(" ".join(texts)),
        end_to_end_id=ref(fields.get("EREF")),
        mandate_id=ref(fields.get("MACHTIGING")),
        creditor_id=ref(fields.get("INCASSANT")),
    )


# --- de Volksbank (SNS, ASN, RegioBank) --------------------------------------------------------

_PARTY = re.compile(r"([A-Z]{2}\d{2}[A-Z0-9]{10,30})(?:\s+(.*))?$")


def volksbank(lines: list[str], cref: str | None, extra: str | None) -> Details:
    """Fixed 65-column lines: the first is ``<IBAN> <name>`` (blank without counterparty), the
    rest is the description cut at 65 columns. The IBAN is also the customer reference of
    ``:61:``, which ``StatementASNB`` reads greedily together with any ``//bank reference``."""
    iban_61 = bank_ref = None
    if cref:
        head, _, tail = cref.partition("//")
        iban_61 = account(head.strip()) if ref(head) else None
        bank_ref = tail.strip() or None
    if not lines:
        return Details(counterparty_iban=iban_61, bank_reference=bank_ref)
    party = lines[0].strip()
    m = _PARTY.match(party)
    iban, name = (m.group(1), m.group(2)) if m else (None, party)
    return Details(
        counterparty_iban=account(iban) or iban_61,
        counterparty_name=_name(name),
        description=clean_text("".join(lines[1:])),
        bank_reference=bank_ref,
    )


# --- Triodos -----------------------------------------------------------------------------------

_SUB = re.compile(r">(\d\d)")


def triodos(lines: list[str], cref: str | None, extra: str | None) -> Details:
    """``000>10<ref>>20<text>>21<text>..>31<account>>32<name>>33<name>``: a three-digit GVC code
    and ``>NN`` subfields (the ``?NN`` layout of German banks with another marker). Text
    subfields are fixed-width chunks, so they are concatenated without a separator."""
    text = "".join(lines)
    if not (len(text) >= 4 and text[:3].isdigit() and text[3] == ">"):
        return _free(lines, known=not lines)
    parts = _SUB.split(text[3:])
    desc: list[str] = []
    name: list[str] = []
    acct = bank_ref = None
    for i in range(1, len(parts), 2):
        key, value = parts[i], parts[i + 1]
        if key[0] == "2" or key[0] == "6":
            desc.append(value)
        elif key == "32" or key == "33":
            name.append(value)
        elif key == "31":
            acct = value
        elif key == "10":
            bank_ref = value.strip() or None
    return Details(
        counterparty_iban=account(acct),
        counterparty_name=_name("".join(name)),
        description=clean_text("".join(desc)),
        bank_reference=bank_ref,
    )


# --- unknown banks -----------------------------------------------------------------------------


def generic(lines: list[str], cref: str | None, extra: str | None) -> Details:
    """A bank we have no dialect for: borrow the splitter whose markers the text carries."""
    if not lines:
        return Details()
    joined = "".join(lines)
    if "/TRTP/" in joined or "/IBAN/" in joined:
        return abn_structured(joined)
    if "/CNTP/" in joined or "/REMI/USTD" in joined:
        return ing_structured(lines, cref, extra)
    if "/BENM/" in joined or "/ORDP/" in joined:
        return rabobank_structured(lines, cref, extra)
    if joined[:3].isdigit() and joined[3:4] == ">":
        return triodos(lines, cref, extra)
    return _free(lines)


SPLITTERS: dict[str, Splitter] = {
    "ing-structured": ing_structured,
    "ing-old": ing_old,
    "rabobank-structured": rabobank_structured,
    "rabobank-old": rabobank_old,
    "abnamro": abnamro,
    "volksbank": volksbank,
    "triodos": triodos,
    "knab-structured": knab,
    "knab-old": knab,
    "generic": generic,
}
