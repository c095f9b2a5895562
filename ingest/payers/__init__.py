"""The payer registry: who pays a household's income and who receives its fixed costs.

``match(iban, name, description)`` answers with a :class:`PayerMatch` (payer, kind, regeling and
the evidence) or None. The registry is data (``registry.yaml``) so a municipality can extend it
without a code change; it is validated at load and compiled once.
"""

from __future__ import annotations

from functools import cache

from ingest.payers.matcher import PayerRegistry
from ingest.payers.model import MatchedOn, Payer, PayerKind, PayerMatch, VerifiedIban
from ingest.payers.registry import RegistryError, default_registry_bytes, parse_registry

__all__ = [
    "MatchedOn",
    "Payer",
    "PayerKind",
    "PayerMatch",
    "PayerRegistry",
    "RegistryError",
    "VerifiedIban",
    "default_registry",
    "load_registry",
    "match",
]


def load_registry(data: bytes, source: str = "registry.yaml") -> PayerRegistry:
    """Compile a registry file (e.g. a municipality's own); raises :class:`RegistryError`."""
    return PayerRegistry(parse_registry(data, source))


@cache
def default_registry() -> PayerRegistry:
    """The registry shipped with the package, loaded once per process."""
    return load_registry(default_registry_bytes())


def match(
    counterparty_iban: str | None, counterparty_name: str | None, description: str | None
) -> PayerMatch | None:
    """Match against the shipped registry; see :meth:`PayerRegistry.match`."""
    return default_registry().match(counterparty_iban, counterparty_name, description)
