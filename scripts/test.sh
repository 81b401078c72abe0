#!/usr/bin/env bash
# Set up .venv with cadre-sdk, its test extras and the local plugins, then run the whole suite.
# Arguments go to pytest (e.g. scripts/test.sh -k loader -x; -n 0 runs in this process, serially).
set -euo pipefail
source "$(dirname "$0")/venv.sh" "[test]"
# The suite starts hundreds of `cadre` processes: let them reuse compiled bytecode
# (some machines set PYTHONDONTWRITEBYTECODE, and then every process compiles the SDK again).
unset PYTHONDONTWRITEBYTECODE
# The suite runs on every core (pytest-xdist, one worker per core): serially it takes 9-12 minutes
# on 2 cores. --dist loadfile keeps each test module on one worker, so a module-scoped fixture (a
# pip venv, a browser, a store) is built once, as in a serial run; session-scoped ones are built
# once per worker. (Not loadgroup: with pytest 9.2 it silently ignores xdist_group marks,
# pytest-xdist issue 1386.) Arguments come after, so `scripts/test.sh -n 0 -k x` runs serially.
exec .venv/bin/python -m pytest -n auto --dist loadfile "$@"
