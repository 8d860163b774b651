#!/usr/bin/env bash
# The test command: runs every test leg (scripts/legs/NAME.sh; the host leg
# first, which installs the libraries its tests run against), each printing
# "leg NAME: N passed, M failed", then one line for all legs. It goes on after
# a failing leg and exits non-zero if any failed. One leg alone:
# bash scripts/test-leg.sh NAME. BLASCTL_REQUIRE_LIBS=1 turns a missing
# library from a skip into a failure (.ci/run sets it).
set -uo pipefail
cd "$(dirname "$0")/.."

legs=(host)
for f in scripts/legs/*.sh; do
  name=$(basename "$f" .sh)
  [ "$name" = lib ] || [ "$name" = host ] || legs+=("$name")
done

passed=() failed=()
for leg in "${legs[@]}"; do
  if bash scripts/test-leg.sh "$leg"; then
    passed+=("$leg")
  else
    failed+=("$leg")
  fi
  echo
done
echo "legs passed: ${passed[*]:-none}; failed: ${failed[*]:-none}"
echo "legs: ${#passed[@]} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
