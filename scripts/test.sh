#!/usr/bin/env bash
# Set up a virtual environment with cadre-sdk and its test extras, then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
# Local plugin packages under plugins/ are installed too, as a prefecture would install them.
for p in plugins/*/; do
  [ -f "$p/pyproject.toml" ] && .venv/bin/python -m pip install -q -e "$p"
done
exec .venv/bin/python -m pytest "$@"
