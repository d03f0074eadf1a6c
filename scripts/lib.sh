# shellcheck shell=bash
# Shared by the test scripts: the pass/fail counters; `check`, a step that is one pass or one
# failure; `suite`, a script whose own "N passed, M failed" is added in; `apt_install`;
# `abort` and `python_venv` for the suites that set up a Python environment.
# Source it after `cd` to the repository's root.

passed=0
failed=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

# took SINCE: how long since SINCE (a value of $SECONDS), for the log: where a run's time
# goes is the first question when it grows.
took() {
  echo "    ($((SECONDS - $1)) s)"
}

# check NAME COMMAND...: runs the command quietly; prints its last line on success (the
# last one with a word in it: not the closing brace of some JSON), its last 60 lines on
# failure, then the time it took.
check() {
  local name=$1 start=$SECONDS
  shift
  echo "==> $name"
  if "$@" >"$log/out" 2>&1; then
    passed=$((passed + 1))
    grep -E '[[:alnum:]]' "$log/out" | tail -n 1
  else
    failed=$((failed + 1))
    echo "FAILED: $name"
    tail -n 60 "$log/out"
  fi
  took "$start"
}

# suite NAME COMMAND...: runs a script that ends with its own "N passed, M failed" line,
# printing its output as it comes and then the time it took, and adds its last such line
# into the counters. A script
# that reports no such line, or exits non-zero without reporting a failure, counts one
# failure more. Returns the script's exit status.
suite() {
  local name=$1 start=$SECONDS
  shift
  echo "==> $name"
  "$@" 2>&1 | tee "$log/suite"
  local status=${PIPESTATUS[0]}
  echo "==> $name took $((SECONDS - start)) s"
  local line p f
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log/suite" | tail -n 1)
  if [ -z "$line" ]; then
    failed=$((failed + 1))
    echo "FAILED: $name (exit $status, no \"N passed, M failed\" line)"
  else
    read -r p _ f _ <<<"$line"
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
      failed=$((failed + 1))
      echo "FAILED: $name (exit $status)"
    fi
  fi
  return "$status"
}

# apt_install PACKAGE...: installs Debian packages, through sudo when not root. The package
# lists are updated once per run of the script.
apt_updated=
apt_install() {
  echo "==> installing $*"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  if [ -z "$apt_updated" ]; then
    "${sudo[@]}" apt-get update -qq || return
    apt_updated=1
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# abort MESSAGE: a suite that cannot go on: the message, the end of $log/out (where its
# last step wrote), and the count line of one failure; exits.
abort() {
  echo "$1"
  tail -n 40 "$log/out"
  echo "0 passed, 1 failed"
  exit 1
}

# python_venv DIR: a virtual environment at DIR, made with $PYTHON (python3) unless one
# already works there; pip quiet about its own version and never prompting.
python_venv() {
  local venv=$1 python=${PYTHON:-python3}
  export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
  "$venv/bin/python" -c 'import sys' >/dev/null 2>&1 && return 0
  echo "==> creating a virtual environment in $venv"
  rm -rf "$venv"
  "$python" -m venv "$venv" >"$log/out" 2>&1 ||
    abort "could not create a virtual environment with $python -m venv"
}
