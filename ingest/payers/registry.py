"""Loading and validating registry.yaml: refuse a bad entry at load, never misclassify later.

A municipality extends the registry by hand, so every entry is checked against
``registry.schema.json`` and a few rules a schema cannot express (regexes compile, patterns are
upper case, IBANs pass mod-97 and appear once, ids are unique). All problems are collected and
raised together, each naming the entry (index and id) and the reason in Dutch.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from ingest.payers.model import Pattern, Payer, PayerKind, VerifiedIban
from ingest.text import is_iban


class RegistryError(ValueError):
    """The registry file cannot be used; ``problems`` lists each refused entry and why."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source}: betalersregister is ongeldig:\n{lines}")


def _schema() -> dict[str, Any]:
    text = resources.files("ingest.payers").joinpath("registry.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


_VALIDATOR = Draft202012Validator(_schema())

# A word character for boundaries: a letter or digit (not "_", which never occurs in bank names).
WORD = r"[^\W_]"


def _reason(error: ValidationError) -> str:
    """jsonschema's English message, said in Dutch for the person who edits the file."""
    v = error.validator
    if v == "required":
        missing = [k for k in error.validator_value if k not in (error.instance or {})]
        return f"verplicht veld ontbreekt: {', '.join(missing)}"
    if v == "additionalProperties":
        return f"onbekend veld ({str(error.message).split('(')[-1].rstrip(')')})"
    if v == "enum":
        allowed = ", ".join(str(x) for x in error.validator_value)
        return f"{error.instance!r} is geen toegestane waarde (kies uit: {allowed})"
    if v == "pattern":
        return f"{error.instance!r} heeft niet de juiste vorm ({error.validator_value})"
    if v == "type":
        return f"{error.instance!r} moet van type {error.validator_value} zijn"
    if v == "anyOf":
        return "geef minstens één van names, texts of ibans"
    if v == "oneOf":
        return "een patroon is een tekst of een object met 'pattern'"
    if v in ("minItems", "minLength"):
        return "mag niet leeg zijn"
    if v == "const":
        return f"moet {error.validator_value!r} zijn"
    return str(error.message)


def _where(path: Sequence[Any], payers: Sequence[Any]) -> str:
    """'betaler 3 (eneco), names[0]' from a JSON path, so the editor finds the entry."""
    if len(path) < 2 or path[0] != "payers" or not isinstance(path[1], int):
        return "/".join(str(p) for p in path) or "bestand"
    index = path[1]
    entry = payers[index] if index < len(payers) else None
    ident = entry.get("id") if isinstance(entry, Mapping) else None
    head = f"betaler {index}" + (f" ({ident})" if ident else "")
    rest = ""
    for part in path[2:]:
        rest += f"[{part}]" if isinstance(part, int) else f".{part}"
    return head + (f", {rest.lstrip('.')}" if rest else "")


_ESCAPE = re.compile(r"\\.")
_QUANT = "?*+{"
_SEPARATORS = " -/&',:;#\"="
_ESCAPED_SEPARATORS = ("\\.", "\\-", "\\/", "\\&", "\\+", "\\s", "\\b", "\\W", "\\ ")


def _has_top_level_bar(p: str) -> bool:
    depth, i, in_class = 0, 0, False
    while i < len(p):
        c = p[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return True
        i += 1
    return False


def leading_word(pattern: str) -> str | None:
    """The whole literal word every match of ``pattern`` starts with, or None if there is none.

    The matcher indexes patterns by this word and skips a transaction whose words contain no
    indexed word, which is what makes 20 million transactions cheap. ``None`` is always safe (the
    pattern is then tried on every transaction), so this errs on that side.
    """
    p = pattern[1:] if pattern.startswith("^") else pattern
    if _has_top_level_bar(p):
        return None
    i = 0
    while i < len(p) and p[i].isalnum():
        if i + 1 < len(p) and p[i + 1] in _QUANT:
            return None
        i += 1
    if i == 0:
        return None
    word, rest = p[:i], p[i:]
    if not rest or rest[0] in _SEPARATORS or rest.startswith(_ESCAPED_SEPARATORS):
        return word
    return None


def _compile(raw: Any, order: int, where: str, problems: list[str]) -> Pattern | None:
    spec: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {"pattern": raw}
    source = str(spec["pattern"])
    if any(c.islower() for c in _ESCAPE.sub("", source)):
        problems.append(
            f"{where}: patroon {source!r} moet in HOOFDLETTERS (tekst wordt ook zo vergeleken)"
        )
        return None
    try:
        regex = re.compile(rf"(?<!{WORD})(?:{source})(?!{WORD})")
    except re.error as exc:
        problems.append(f"{where}: patroon {source!r} is geen geldige reguliere expressie ({exc})")
        return None
    kind = spec.get("kind")
    return Pattern(
        source=source,
        regex=regex,
        order=order,
        regeling=spec.get("regeling"),
        kind=PayerKind(kind) if kind else None,
        standalone=bool(spec.get("standalone", False)),
    )


def parse_registry(data: bytes, source: str = "registry.yaml") -> tuple[Payer, ...]:
    """Validate and compile the registry; raise :class:`RegistryError` listing every refusal."""
    try:
        doc = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise RegistryError(source, [f"geen geldige YAML: {exc}"]) from None
    payers_raw: list[Any] = []
    if isinstance(doc, Mapping) and isinstance(doc.get("payers"), list):
        payers_raw = doc["payers"]
    problems = [
        f"{_where(list(e.absolute_path), payers_raw)}: {_reason(e)}"
        for e in sorted(_VALIDATOR.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if problems:
        raise RegistryError(source, problems)

    payers: list[Payer] = []
    seen_ids: dict[str, int] = {}
    seen_ibans: dict[str, str] = {}
    order = 0
    for index, entry in enumerate(payers_raw):
        head = _where(["payers", index], payers_raw)
        if entry["id"] in seen_ids:
            problems.append(f"{head}: id komt al voor bij betaler {seen_ids[entry['id']]}")
        seen_ids.setdefault(entry["id"], index)
        compiled: dict[str, list[Pattern]] = {"names": [], "texts": []}
        for field in ("names", "texts"):
            for j, raw in enumerate(entry.get(field, [])):
                where = f"{head}, {field}[{j}]"
                if field == "names" and isinstance(raw, Mapping) and raw.get("standalone"):
                    problems.append(f"{where}: 'standalone' geldt alleen voor tekstpatronen")
                pattern = _compile(raw, order, where, problems)
                order += 1
                if pattern is not None:
                    compiled[field].append(pattern)
        if entry.get("requires_text") and not entry.get("texts"):
            problems.append(f"{head}: requires_text zonder tekstpatronen kan nooit passen")
        ibans: list[VerifiedIban] = []
        for j, item in enumerate(entry.get("ibans", [])):
            iban = item["iban"]
            if not is_iban(iban):
                problems.append(f"{head}, ibans[{j}]: {iban!r} is geen geldig IBAN (controlegetal)")
            elif iban in seen_ibans:
                problems.append(f"{head}, ibans[{j}]: {iban} staat al bij {seen_ibans[iban]}")
            seen_ibans.setdefault(iban, entry["id"])
            ibans.append(VerifiedIban(iban, item["source"], item["checked"], item.get("note", "")))
        payers.append(
            Payer(
                id=entry["id"],
                name=entry["name"],
                kind=PayerKind(entry["kind"]),
                requires_text=bool(entry.get("requires_text", False)),
                names=tuple(compiled["names"]),
                texts=tuple(compiled["texts"]),
                ibans=tuple(ibans),
            )
        )
    if problems:
        raise RegistryError(source, problems)
    return tuple(payers)


def default_registry_bytes() -> bytes:
    return resources.files("ingest.payers").joinpath("registry.yaml").read_bytes()
