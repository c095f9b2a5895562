#!/usr/bin/env bash
# README's main job: set up, then build a fresh demo database (SQLite, in ./.hhb/) with demo
# households and their bank files, and show what is there.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/hhb demo "$@"
