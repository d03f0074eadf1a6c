#!/usr/bin/env bash
# Runs each fuzz target for a while (60 s by default, FUZZ_SECONDS to change), seeded from
# the samples in layouts/. A crash fails the run; its input is copied into
# fuzz/regressions/<target>/, which `cargo test` replays from then on.
# Ends with one line: "N passed, M failed" (one per target).
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
targets=(layout telegram round_trip framer encode_json capture)

# cargo-fuzz, pinned; built once per machine.
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install --locked cargo-fuzz@0.13.2 >/dev/null 2>&1 || { echo "cannot install cargo-fuzz"; echo "0 passed, 1 failed"; exit 1; }
fi
# libFuzzer's sanitizers need nightly; without it, fuzz on stable with no sanitizer.
if rustup run nightly rustc --version >/dev/null 2>&1; then
  toolchain=(+nightly)
  sanitizer=()
else
  toolchain=()
  sanitizer=(--sanitizer none)
fi

# Seed corpora from the bundled samples (not committed: cargo fuzz grows them).
seed=$(mktemp -d)
trap 'rm -rf "$seed"' EXIT
for t in "${targets[@]}"; do mkdir -p "$seed/$t"; done
for f in layouts/*.layout; do cp "$f" "$seed/layout/"; done
for f in layouts/*/*.bin; do
  n=$(basename "$(dirname "$f")")-$(basename "$f" .bin)
  tail -c +5 "$f" >"$seed/telegram/$n"
  tail -c +5 "$f" >"$seed/round_trip/$n"
  { printf '\x05'; cat "$f"; } >"$seed/framer/$n"
done
# Real captures (fep-cli/tests/data/captures/), whole (mode byte 0).
for f in fep-cli/tests/data/captures/*.pcap; do
  { printf '\x00'; cat "$f"; } >"$seed/capture/$(basename "$f")"
done
for f in layouts/*/*.json; do cp "$f" "$seed/encode_json/$(basename "$(dirname "$f")")-$(basename "$f")"; done

passed=0
failed=0
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
  dict=()
  [ "$t" = layout ] && dict=(-dict=layout.dict)
  echo "==> fuzz $t for ${seconds}s"
  if (cd fuzz && cargo "${toolchain[@]}" fuzz run "${sanitizer[@]}" "$t" "corpus/$t" "$seed/$t" -- \
        -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 "${dict[@]}" \
        >"$seed/$t.log" 2>&1); then
    passed=$((passed + 1))
    grep -E '^Done|stat::number_of_executed_units' "$seed/$t.log" | tail -n 1
  else
    failed=$((failed + 1))
    echo "FAILED: fuzz target $t"
    tail -n 40 "$seed/$t.log"
    mkdir -p "fuzz/regressions/$t"
    for crash in fuzz/artifacts/"$t"/*; do
      [ -f "$crash" ] && cp "$crash" "fuzz/regressions/$t/" && echo "added $crash to fuzz/regressions/$t/"
    done
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
