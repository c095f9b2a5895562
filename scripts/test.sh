#!/usr/bin/env bash
# README's test command: set up, lint, type-check and run the whole test suite.
# Storage tests run on SQLite and on a throwaway PostgreSQL cluster started by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== ruff"; .venv/bin/ruff check .
# every package that exists (entitlement/, reports/, dashboard/ arrive with their issues)
mypy_targets=$(ls -d hhb ingest store budget entitlement reports dashboard benchmarks tests 2>/dev/null)
echo "== mypy"; .venv/bin/mypy $mypy_targets
echo "== pytest"; .venv/bin/python -m pytest "$@"
