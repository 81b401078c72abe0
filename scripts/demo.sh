#!/usr/bin/env bash
# Set up a virtual environment with cadre-sdk and the local plugins, then run the demo
# pipeline (generate clerks' files, load, evaluate, publish) and serve the publication.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
for p in plugins/*/; do
  [ -f "$p/pyproject.toml" ] && .venv/bin/python -m pip install -q -e "$p"
done
exec .venv/bin/cadre demo "$@"
