#!/usr/bin/env bash
# Set up .venv with cadre-sdk, its test extras and the local plugins, then run the whole suite.
# Arguments go to pytest (e.g. scripts/test.sh -k loader -x).
set -euo pipefail
source "$(dirname "$0")/venv.sh" "[test]"
# The suite starts hundreds of `cadre` processes: let them reuse compiled bytecode
# (some machines set PYTHONDONTWRITEBYTECODE, and then every process compiles the SDK again).
unset PYTHONDONTWRITEBYTECODE
exec .venv/bin/python -m pytest "$@"
