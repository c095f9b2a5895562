"""Regelingen as data: dated YAML rules, a small formula language, two evaluators, derivations.

The public surface, for the outcomes layer and the command line:

- :func:`default_rules` / :func:`load_rules`: read and check every regeling file.
- :func:`evaluate`: a polars frame of household-months (declared inputs, see
  :mod:`entitlement.rules.inputs`) in, the same frame with every step, the status, the reasons and
  the amounts of every regeling out.
- :func:`evaluate_compact`: the same, with every step kept in small per-regeling tables and a
  row index (:class:`Evaluation`; ``.row(i)`` for one household-month, ``.frame()`` for all).
- :func:`evaluate_case`: the same rules for one household-month in plain Python.
- :func:`explain` and :func:`render_text`: one output row as a Dutch derivation.
"""

from __future__ import annotations

from entitlement.rules.case import CaseResult, evaluate_case
from entitlement.rules.engine import (
    ENGINE_REASONS,
    OUTCOME_DTYPE,
    Evaluation,
    Outcome,
    column,
    evaluate,
    evaluate_compact,
    reason_codes,
    reason_names,
)
from entitlement.rules.errors import InputError, RuleError
from entitlement.rules.explain import Derivation, explain
from entitlement.rules.inputs import INPUTS, MONTH_COLUMN, InputKind, InputSpec, input_schema
from entitlement.rules.registry import Rules, default_rules, load_rules
from entitlement.rules.render import render_text

__all__ = [
    "ENGINE_REASONS",
    "INPUTS",
    "MONTH_COLUMN",
    "OUTCOME_DTYPE",
    "CaseResult",
    "Derivation",
    "Evaluation",
    "InputError",
    "InputKind",
    "InputSpec",
    "Outcome",
    "RuleError",
    "Rules",
    "column",
    "default_rules",
    "evaluate",
    "evaluate_case",
    "evaluate_compact",
    "explain",
    "input_schema",
    "load_rules",
    "reason_codes",
    "reason_names",
    "render_text",
]
