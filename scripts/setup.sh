#!/usr/bin/env bash
# Set up a fresh machine for hhb: system packages (only those missing) and a virtualenv in .venv.
# Idempotent; safe to run again. Needs root (or sudo) only when a system package is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
# chromium + chromium-driver: browser tests of the dashboard; poppler-utils: PDF report tests
# (pdftotext, pdftoppm); pango + fonts: WeasyPrint renders the PDF month report with them.
for pkg in chromium chromium-driver poppler-utils libpango-1.0-0 libpangoft2-1.0-0 \
           fonts-dejavu-core; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  echo "setup: installing system packages: ${need[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
stamp=.venv/.hhb-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  touch "$stamp"
fi
