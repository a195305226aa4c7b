#!/usr/bin/env bash
# Runs the whole test suite the way CI does: ruff, then pytest against a real
# local Neo4j. Starts Neo4j only if none is running and stops what it started,
# so no process is left behind.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin

"$BIN/ruff" check .

# The browser test drives Debian's Chromium; install it when we can (root, CI).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian chromium for the browser test…"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium; the browser test will be skipped" >&2
  else
    echo "warning: chromium not found (apt-get install chromium); the browser test will be skipped" >&2
  fi
fi

started=0
if [ -z "${SCOUT_TEST_NEO4J_URI:-}" ]; then
  if ! bash scripts/neo4j.sh status >/dev/null 2>&1; then
    bash scripts/neo4j.sh up
    started=1
  fi
fi
cleanup() { if [ "$started" = 1 ]; then bash scripts/neo4j.sh down; fi; }
trap cleanup EXIT INT TERM

"$BIN/pytest" "$@"
