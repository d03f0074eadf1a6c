#!/usr/bin/env bash
# The C ABI's checks: the header is what cbindgen (pinned) makes of the code; the C tests pass
# under AddressSanitizer + UndefinedBehaviorSanitizer and under valgrind with no leak and no
# error; the header compiles as C and C++; the example of docs/c-api.md decodes and encodes
# every bundled sample. Installs what it needs when missing: gcc, g++ and valgrind with
# apt-get; cbindgen with cargo install into target/tools (not the user's ~/.cargo/bin).
# Ends with one line: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."

CBINDGEN_VERSION=0.29.4
# The strict flags every C file of the project compiles with.
CFLAGS=(-std=c99 -Wall -Wextra -Wpedantic -Werror -g -Ifep-ffi/include)
SANITIZE=(-O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
# What a program linking libfep.a needs besides: the one list, also fep.pc's Libs.private.
read -ra STATIC_LIBS < <(grep -v '^#' fep-ffi/static-libs.txt)
VALGRIND=(valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect)
TESTS=(test_api test_samples test_threads test_correlator test_checker)

# shellcheck source=scripts/lib.sh
. scripts/lib.sh
out=target/c-tests
mkdir -p "$out"

# ---------------------------------------------------------------- tools

missing=()
command -v gcc >/dev/null || missing+=(gcc libc6-dev)
command -v g++ >/dev/null || missing+=(g++)
command -v valgrind >/dev/null || missing+=(valgrind)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
# The pinned cbindgen lives in the project's target directory, first on PATH here only.
tools="$PWD/target/tools"
export PATH="$tools/bin:$PATH"
if ! cbindgen --version 2>/dev/null | grep -x "cbindgen $CBINDGEN_VERSION" >/dev/null; then
  echo "==> installing cbindgen $CBINDGEN_VERSION into $tools (about a minute, once)"
  cargo install --locked --root "$tools" "cbindgen@$CBINDGEN_VERSION" >"$log/install" 2>&1 ||
    tail -n 20 "$log/install"
fi

# ---------------------------------------------------------------- build

check "cargo build -p fep-ffi (libfep.so, libfep.a)" cargo build -p fep-ffi
# A program linked with -lfep asks the loader for the soname (libfep.so.MAJOR, set by
# fep-ffi/build.rs), which an installed prefix provides as a link; here it is made beside.
soname=$(readelf -d target/debug/libfep.so | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ -z "$soname" ] || ln -sf libfep.so "target/debug/$soname"

# The header: regenerated in place from the code; any change (from the committed header, or
# from the one that was there) is a failure, so a header that drifts never passes.
header_is_generated() {
  local header=fep-ffi/include/fep.h
  cp "$header" "$log/fep.h.before" 2>/dev/null || : >"$log/fep.h.before"
  cbindgen --quiet --config fep-ffi/cbindgen.toml --output "$header" fep-ffi || return 1
  diff -u --label "fep.h before" --label "fep.h regenerated" "$log/fep.h.before" "$header" || return 1
  if git ls-files --error-unmatch "$header" >/dev/null 2>&1; then
    git diff --exit-code -- "$header" || return 1
  fi
  echo "fep.h is what cbindgen $CBINDGEN_VERSION makes of fep-ffi/src"
}
check "fep.h has not drifted from the code" header_is_generated

# Every function the header declares is called by the C tests.
every_function_is_tested() {
  local fns missing=0 n=0
  fns=$(grep -oE '^[a-z][a-z0-9_ *]*[ *](fep_[a-z0-9_]+)\(' fep-ffi/include/fep.h |
    grep -oE 'fep_[a-z0-9_]+\($' | tr -d '(')
  for f in $fns; do
    n=$((n + 1))
    if ! grep -qE "\\b$f\\(" fep-ffi/tests/c/*.c; then
      echo "not called by fep-ffi/tests/c: $f"
      missing=$((missing + 1))
    fi
  done
  [ "$n" -gt 40 ] && [ "$missing" -eq 0 ] && echo "all $n functions are called"
}
check "every function of fep.h is exercised by the C tests" every_function_is_tested

header_compiles_as_cpp() {
  printf '#include "fep.h"\nint main() { return fep_version() == nullptr; }\n' >"$log/cpp.cpp"
  g++ -std=c++11 -Wall -Wextra -Wpedantic -Werror -Ifep-ffi/include "$log/cpp.cpp" \
    -Ltarget/debug -lfep -o "$out/cpp" && echo "fep.h compiles and links as C++"
}
check "fep.h compiles as C++" header_compiles_as_cpp

# ---------------------------------------------------------------- C tests

# ASan + UBSan (leaks included), linking the static library.
asan() {
  gcc "${CFLAGS[@]}" "${SANITIZE[@]}" "fep-ffi/tests/c/$1.c" target/debug/libfep.a \
    "${STATIC_LIBS[@]}" -o "$out/$1-asan" &&
    ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1 \
      UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$out/$1-asan" layouts
}
for t in "${TESTS[@]}"; do
  check "$t under AddressSanitizer + UndefinedBehaviorSanitizer (static lib)" asan "$t"
done

# valgrind, linking the shared library: no error, no definite or indirect leak.
under_valgrind() {
  local args=(layouts)
  # valgrind runs threads one at a time: fewer rounds keep it quick.
  case "$1" in
  test_threads) args+=(5) ;;
  test_correlator) args+=(20) ;;
  esac
  gcc "${CFLAGS[@]}" "fep-ffi/tests/c/$1.c" -Ltarget/debug -lfep -lpthread \
    -Wl,-rpath,"$PWD/target/debug" -o "$out/$1" &&
    "${VALGRIND[@]}" "$out/$1" "${args[@]}"
}
for t in "${TESTS[@]}"; do
  check "$t under valgrind (shared lib)" under_valgrind "$t"
done

# ---------------------------------------------------------------- the documented example

example_on_every_sample() {
  local n=0
  gcc "${CFLAGS[@]}" fep-ffi/examples/decode.c -Ltarget/debug -lfep \
    -Wl,-rpath,"$PWD/target/debug" -o "$out/decode" || return 1
  for layout in layouts/*.layout; do
    for bin in "${layout%.layout}"/*.bin; do
      "${VALGRIND[@]}" "$out/decode" "$layout" "$bin" >"$log/example" || {
        cat "$log/example"
        return 1
      }
      grep -q "DIFFERENT" "$log/example" && return 1
      n=$((n + 1))
    done
  done
  echo "decoded and encoded back $n samples"
}
check "fep-ffi/examples/decode.c (docs/c-api.md) on every sample, under valgrind" \
  example_on_every_sample

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
