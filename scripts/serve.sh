#!/usr/bin/env bash
# Builds the page in release mode and serves it on http://127.0.0.1:8080/ (PORT=... to change),
# installing whatever is missing first. Serving needs no network; Trunk rebuilds on file changes.
set -euo pipefail

# shellcheck source=scripts/lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
cd "$ROOT"
ensure_tools

PORT="${PORT:-8080}"
note "svcplay will be served at http://127.0.0.1:$PORT/ once built (Ctrl-C stops it)"
exec trunk serve --release --offline --address 127.0.0.1 --port "$PORT"
