# Sourced by the legs in scripts/legs/: each check runs one command with its
# output kept in a log, shown only when the check fails; leg_end prints the
# leg's summary line last ("leg NAME: N passed, M failed") and returns
# non-zero on any failure (the logs are kept then, and removed otherwise).
#
#   leg_begin NAME
#   check "what it checks" command args...   # one command, counted as one
#   gotest "what it tests" command args...   # a go test run with -v (or a
#                                            # test binary with -test.v):
#                                            # counts its top-level tests
#   leg_end

leg_begin() {
  LEG_NAME=$1
  LEG_PASSED=0
  LEG_FAILED=0
  LEG_FAILURES=()
  LEG_START=$SECONDS
  LEG_LOGS=$(mktemp -d "${TMPDIR:-/tmp}/blasctl-leg-$1.XXXXXX")
  echo "== leg $LEG_NAME (logs in $LEG_LOGS)"
}

# leg_log NAME: a log file for a check.
leg_log() {
  echo "$LEG_LOGS/$(printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_').log"
}

leg_fail() {
  local name=$1 log=$2
  LEG_FAILED=$((LEG_FAILED + ${3:-1}))
  LEG_FAILURES+=("$name")
  echo "FAIL  $name"
  # The failing tests and what they said, else the end of the log.
  if grep -qE '^\s*--- FAIL|^FAIL|panic:' "$log"; then
    { grep -nE -B2 -A25 '^\s*--- FAIL|^panic:' "$log" | head -n 200; } || true
    { grep -E '^(FAIL|ok) ' "$log" | head -n 40; } || true
  else
    tail -n 60 "$log" || true
  fi
  echo "      (full log: $log)"
}

check() {
  local name=$1
  shift
  local log start=$SECONDS
  log=$(leg_log "$name")
  if "$@" >"$log" 2>&1; then
    LEG_PASSED=$((LEG_PASSED + 1))
    echo "ok    $name ($((SECONDS - start))s)"
  else
    leg_fail "$name ($((SECONDS - start))s)" "$log"
  fi
}

gotest() {
  local name=$1
  shift
  local log start=$SECONDS rc=0 pass fail skip
  log=$(leg_log "$name")
  "$@" >"$log" 2>&1 || rc=$?
  pass=$(grep -cE '^--- PASS: ' "$log" || true)
  fail=$(grep -cE '^--- FAIL: ' "$log" || true)
  skip=$(grep -cE '^--- SKIP: ' "$log" || true)
  if [ "$rc" != 0 ] && [ "$fail" = 0 ]; then
    fail=1 # a build failure, a panic or a timeout outside any test
  fi
  if [ "$rc" = 0 ] && [ "$pass" = 0 ]; then
    if grep -q '\[no test files\]' "$log" && ! grep -qE '^ok ' "$log"; then
      pass=1 # a module without tests (bench): it built, which counts once
    else
      fail=1
      echo "      $name ran no test" >>"$log"
    fi
  fi
  LEG_PASSED=$((LEG_PASSED + pass))
  if [ "$fail" != 0 ]; then
    leg_fail "$name: $pass passed, $fail failed, $skip skipped ($((SECONDS - start))s)" "$log" "$fail"
  else
    echo "ok    $name: $pass passed, $skip skipped ($((SECONDS - start))s)"
  fi
}

leg_end() {
  echo "== leg $LEG_NAME took $((SECONDS - LEG_START))s"
  if [ "$LEG_FAILED" != 0 ]; then
    echo "failed in leg $LEG_NAME:"
    printf '  %s\n' "${LEG_FAILURES[@]}"
  fi
  echo "leg $LEG_NAME: $LEG_PASSED passed, $LEG_FAILED failed"
  if [ "$LEG_FAILED" = 0 ]; then
    rm -rf "$LEG_LOGS"
    return 0
  fi
  return 1
}
