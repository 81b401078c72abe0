#!/usr/bin/env bash
# Shared by test.sh and demo.sh: create .venv (once) and install cadre-sdk with the given
# extras plus the local plugin packages under plugins/, as a prefecture would install them.
# Usage: source scripts/venv.sh [EXTRAS]   e.g. "[test]"
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".${1:-}"
for p in plugins/*/; do
  if [ -f "$p/pyproject.toml" ]; then .venv/bin/python -m pip install -q -e "$p"; fi
done
# Bytecode for the editable sources, as pip writes it for an installed (non-editable) package:
# every `cadre` command otherwise compiles the modules it imports each time it starts where
# PYTHONDONTWRITEBYTECODE is set (~0.1-0.2 s of a command's start-up). A stale file is
# recompiled in memory when its source changes; nothing else depends on these files.
.venv/bin/python -m compileall -q -j 0 cadre_sdk plugins > /dev/null
