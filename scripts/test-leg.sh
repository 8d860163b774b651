#!/usr/bin/env bash
# Runs one test leg: bash scripts/test-leg.sh NAME runs scripts/legs/NAME.sh,
# which prints "leg NAME: N passed, M failed" last and exits non-zero on any
# failure. Without NAME it lists the legs. scripts/test.sh runs every leg.
set -euo pipefail
cd "$(dirname "$0")/.."

legs() {
  local f
  for f in scripts/legs/*.sh; do
    f=$(basename "$f" .sh)
    [ "$f" = lib ] || echo "$f"
  done
}

if [ $# -ne 1 ] || [ ! -f "scripts/legs/$1.sh" ] || [ "$1" = lib ]; then
  [ $# -eq 1 ] && echo "test-leg: no leg named \"$1\"" >&2
  echo "usage: bash scripts/test-leg.sh NAME, where NAME is one of:" $(legs) >&2
  exit 2
fi
exec bash "scripts/legs/$1.sh"
