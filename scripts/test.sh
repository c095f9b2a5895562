#!/usr/bin/env bash
# README's test command: set up, lint, type-check and run the whole test suite.
# Storage tests run on SQLite and on a throwaway PostgreSQL cluster started by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== ruff"; .venv/bin/ruff check .
echo "== mypy"; .venv/bin/mypy hhb ingest store
echo "== pytest"; .venv/bin/python -m pytest "$@"
