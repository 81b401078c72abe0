#!/usr/bin/env bash
# Set up .venv with cadre-sdk and the local plugins, then run the demo pipeline (generate the
# clerks' files, load, evaluate, publish) and serve the publication on http://127.0.0.1:8001.
# Arguments go to `cadre demo` (e.g. scripts/demo.sh --no-serve --cadres 500).
set -euo pipefail
source "$(dirname "$0")/venv.sh" ""   # no extras (an explicit argument: source would pass ours on)
exec .venv/bin/cadre demo "$@"
