#!/usr/bin/env bash
# Set up .venv with cadre-sdk, its test extras and the local plugins, then run the whole suite.
# Arguments go to pytest (e.g. scripts/test.sh -k loader -x).
set -euo pipefail
source "$(dirname "$0")/venv.sh" "[test]"
exec .venv/bin/python -m pytest "$@"
