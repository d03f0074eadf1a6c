# Shared by the test scripts: the pass/fail counters and `check`, a step that is one pass
# or one failure. Source it after `cd` to the repository's root.

passed=0
failed=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

# check NAME COMMAND...: runs the command quietly; prints its last line on success, its
# last 60 lines on failure.
check() {
  local name=$1
  shift
  echo "==> $name"
  if "$@" >"$log/out" 2>&1; then
    passed=$((passed + 1))
    tail -n 1 "$log/out"
  else
    failed=$((failed + 1))
    echo "FAILED: $name"
    tail -n 60 "$log/out"
  fi
}
