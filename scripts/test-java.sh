#!/usr/bin/env bash
# The JVM binding's checks: the JNA implementation (Java 8 to 21: compiled for Java 8) and the
# java.lang.foreign implementation (Java 22 and later, run when such a JDK is found) each pass
# FepTest and run the documented example on every bundled sample; each is packed as a jar in
# target/java/. Installs what it needs when missing (a JDK and Debian's libjna-java, with
# apt-get). Ends with one line: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib.sh
. scripts/lib.sh
out=target/java
lib="$PWD/target/debug/libfep.so"

# The major version of a javac: "javac 1.8.0_392" is 8, "javac 25.0.3" is 25.
javac_major() {
  "$1" -version 2>&1 | awk '{print $2}' | awk -F. '{print ($1 == "1") ? $2 : $1}'
}

# ---------------------------------------------------------------- tools

missing=()
command -v javac >/dev/null || missing+=(default-jdk-headless)
JNA_JAR=${JNA_JAR:-/usr/share/java/jna.jar}
[ -f "$JNA_JAR" ] || missing+=(libjna-java)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

# A JDK of 22 or later for the FFM binding: the one on PATH, or one in the usual places.
ffm_bin=
for javac in "$(command -v javac)" "${JAVA_HOME:-/nonexistent}/bin/javac" /usr/lib/jvm/*/bin/javac; do
  if [ -x "$javac" ] && [ "$(javac_major "$javac")" -ge 22 ] 2>/dev/null; then
    ffm_bin=$(dirname "$javac")
    break
  fi
done

check "cargo build -p fep-ffi (libfep.so)" cargo build -p fep-ffi

# ---------------------------------------------------------------- JNA: Java 8 to 21

jna_build() {
  local release=(--release 8)
  # javac 8 has no --release.
  [ "$(javac_major javac)" -ge 9 ] || release=(-source 8 -target 8)
  rm -rf "$out/jna" && mkdir -p "$out/jna" &&
    javac "${release[@]}" -Xlint:all,-options -Werror -encoding UTF-8 -cp "$JNA_JAR" \
      -d "$out/jna" fep-ffi/java/src/fep/*.java fep-ffi/java/jna/fep/*.java \
      fep-ffi/java/test/FepTest.java fep-ffi/java/examples/Decode.java &&
    jar cf "$out/fep-jna.jar" -C "$out/jna" fep &&
    echo "built $out/fep-jna.jar for Java 8 ($(javac -version 2>&1))"
}
check "JNA binding compiles for Java 8" jna_build

check "JNA binding: FepTest" \
  java -Dfep.library="$lib" -cp "$out/jna:$JNA_JAR" FepTest layouts

# The example of docs/c-api.md, on every sample.
example_on_every_sample() {
  local n=0
  for layout in layouts/*.layout; do
    for bin in "${layout%.layout}"/*.bin; do
      "$@" "$layout" "$bin" >"$log/example" || {
        cat "$log/example"
        return 1
      }
      grep -q DIFFERENT "$log/example" && return 1
      n=$((n + 1))
    done
  done
  echo "decoded and encoded back $n samples"
}
check "JNA binding: fep-ffi/java/examples/Decode.java on every sample" \
  example_on_every_sample java -Dfep.library="$lib" -cp "$out/jna:$JNA_JAR" Decode

# ---------------------------------------------------------------- FFM: Java 22 and later

if [ -z "$ffm_bin" ]; then
  echo "==> FFM binding: skipped, no JDK 22 or later found (looked on PATH, JAVA_HOME, /usr/lib/jvm)"
else
  ffm_build() {
    rm -rf "$out/ffm" && mkdir -p "$out/ffm" &&
      "$ffm_bin/javac" --release 22 -Xlint:all -Werror -encoding UTF-8 -d "$out/ffm" \
        fep-ffi/java/src/fep/*.java fep-ffi/java/ffm/fep/*.java \
        fep-ffi/java/test/FepTest.java fep-ffi/java/examples/Decode.java &&
      "$ffm_bin/jar" cf "$out/fep-ffm.jar" -C "$out/ffm" fep &&
      echo "built $out/fep-ffm.jar for Java 22+ ($("$ffm_bin/javac" -version 2>&1))"
  }
  check "FFM binding compiles for Java 22" ffm_build
  ffm_java=("$ffm_bin/java" --enable-native-access=ALL-UNNAMED -Dfep.library="$lib" -cp "$out/ffm")
  check "FFM binding: FepTest" "${ffm_java[@]}" FepTest layouts
  check "FFM binding: fep-ffi/java/examples/Decode.java on every sample" \
    example_on_every_sample "${ffm_java[@]}" Decode
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
