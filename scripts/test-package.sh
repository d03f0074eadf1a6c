#!/usr/bin/env bash
# The packages, built and used as their users would:
#  - the C prefix of scripts/package-c.sh in a temporary directory: files, soname and links,
#    exported symbols exactly the functions of fep.h, pkg-config; the C example built with
#    `pkg-config --cflags --libs fep` and with `--static`, and run on a bundled sample;
#  - one version: the workspace's, shown by `fep --version` and `fep_version()` (the Python
#    suite checks `fep.__version__`);
#  - the Rust crates: `cargo package` of each published crate, and rustdoc without warnings.
# (The ABI baseline is compared by `cargo test -p fep-ffi --test abi_baseline`.)
# Installs what it needs when missing (apt-get). Ends with one line: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."

# The crates published to the registry; every other member says `publish = false`.
PUBLISHED=(fep-core fep-arrow fep-cli)
SAMPLE_LAYOUT=layouts/firmbanking.layout
SAMPLE=layouts/firmbanking/transfer-request.bin
CFLAGS=(-std=c99 -Wall -Wextra -Wpedantic -Werror)

# shellcheck source=scripts/lib.sh
. scripts/lib.sh

missing=()
command -v gcc >/dev/null || missing+=(gcc libc6-dev)
command -v readelf >/dev/null || missing+=(binutils)
command -v pkg-config >/dev/null || missing+=(pkg-config)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

# The version, from its one place: [workspace.package] in Cargo.toml.
version=$(awk '/^\[workspace\.package\]/ { p = 1; next } /^\[/ { p = 0 }
  p && $1 == "version" { gsub(/"/, "", $3); print $3 }' Cargo.toml)
major=${version%%.*}
prefix=$log/prefix
out=$log/out-c
mkdir -p "$out"

# ---------------------------------------------------------------- one version

# The members' manifests, from cargo metadata (fuzz/ is its own workspace, not a member).
cargo metadata --no-deps --format-version 1 >"$log/metadata" 2>"$log/metadata.err" ||
  cat "$log/metadata.err"
members() {
  python3 -c 'import json, sys
for p in json.load(open(sys.argv[1]))["packages"]: print(p["name"], p["manifest_path"])' \
    "$log/metadata"
}

one_version() {
  local name toml own=()
  while read -r name toml; do
    grep -q '^version.workspace = true' "$toml" || own+=("$name")
  done < <(members)
  [ ${#own[@]} -eq 0 ] || {
    echo "crates with a version of their own instead of version.workspace = true: ${own[*]}"
    return 1
  }
  grep -q '^dynamic = \["version"\]' fep-py/pyproject.toml || {
    echo "fep-py/pyproject.toml must take its version from Cargo (dynamic = [\"version\"])"
    return 1
  }
  [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] &&
    echo "one version: $version ([workspace.package] in Cargo.toml), for every crate"
}
check "the workspace version is the only one" one_version

cli_version() {
  local shown
  shown=$(cargo run -q -p fep-cli -- --version) || return 1
  [ "$shown" = "fep $version" ] || {
    echo "fep --version says '$shown', the workspace version is $version"
    return 1
  }
  echo "$shown"
}
check "fep --version is the workspace version" cli_version

# ---------------------------------------------------------------- the C prefix

check "scripts/package-c.sh installs into a temporary prefix (release build)" \
  scripts/package-c.sh "$prefix"

prefix_files() {
  local lib=$prefix/lib f
  for f in "libfep.so.$version" libfep.a; do
    [ -f "$lib/$f" ] && [ ! -L "$lib/$f" ] || {
      echo "missing or not a file: lib/$f"
      return 1
    }
  done
  [ "$(readlink "$lib/libfep.so.$major")" = "libfep.so.$version" ] &&
    [ "$(readlink "$lib/libfep.so")" = "libfep.so.$major" ] || {
    ls -l "$lib"
    echo "expected libfep.so -> libfep.so.$major -> libfep.so.$version"
    return 1
  }
  cmp fep-ffi/include/fep.h "$prefix/include/fep.h" || return 1
  [ -f "$lib/pkgconfig/fep.pc" ] || return 1
  echo "lib/libfep.so.$version, its two links, lib/libfep.a, include/fep.h, lib/pkgconfig/fep.pc"
}
check "the prefix holds the libraries, the links, the header and fep.pc" prefix_files

soname() {
  local name
  name=$(readelf -d "$prefix/lib/libfep.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  [ "$name" = "libfep.so.$major" ] && echo "soname $name"
}
check "the shared library's soname is libfep.so.MAJOR" soname

# The dynamic symbol table exports the functions fep.h declares, and nothing else: no Rust
# symbol leaks (rustc exports only the #[no_mangle] functions of a cdylib; this holds it).
exports_are_the_header() {
  nm -D --defined-only "$prefix/lib/libfep.so.$version" | awk '{ print $NF }' |
    sort -u >"$log/exported"
  grep -oE '^[a-z][a-z0-9_ *]*[ *](fep_[a-z0-9_]+)\(' fep-ffi/include/fep.h |
    grep -oE 'fep_[a-z0-9_]+\($' | tr -d '(' | sort -u >"$log/declared"
  [ "$(wc -l <"$log/declared")" -gt 40 ] || {
    echo "only $(wc -l <"$log/declared") functions read from fep.h"
    return 1
  }
  diff --label "declared by fep.h" --label "exported by libfep.so" \
    "$log/declared" "$log/exported" || return 1
  echo "$(wc -l <"$log/exported") symbols exported, each a function of fep.h, and every one"
}
check "exported symbols (nm -D) are exactly the functions of fep.h" exports_are_the_header

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
pkg_config_knows_fep() {
  local shown static
  shown=$(pkg-config --modversion fep) && [ "$shown" = "$version" ] || {
    echo "pkg-config --modversion fep: '$shown', expected $version"
    return 1
  }
  static=$(pkg-config --static --libs fep) || return 1
  for l in $(grep -v '^#' fep-ffi/static-libs.txt); do
    [[ " $static " == *" $l "* ]] || {
      echo "pkg-config --static --libs fep lacks $l: $static"
      return 1
    }
  done
  echo "fep $shown; --static: $static"
}
check "pkg-config: fep's version and, with --static, the system libraries" pkg_config_knows_fep

# Runs an example binary on the sample: it must name the version fep_version() gives and
# encode every telegram back to the same bytes.
run_example() {
  "$1" "$SAMPLE_LAYOUT" "$SAMPLE" >"$log/run" 2>&1 || {
    cat "$log/run"
    return 1
  }
  [ "$(head -n 1 "$log/run")" = "fep $version" ] || {
    echo "fep_version() says '$(head -n 1 "$log/run")', the workspace version is $version"
    return 1
  }
  grep -q 'identical' "$log/run" && ! grep -q 'DIFFERENT' "$log/run" || {
    cat "$log/run"
    return 1
  }
}

# Shared: `pkg-config --cflags --libs fep`, the rpath from pkg-config's libdir. The program
# needs libfep.so.MAJOR (the soname) and the loader finds it in the prefix.
example_shared() {
  local libdir needed
  libdir=$(pkg-config --variable=libdir fep)
  # shellcheck disable=SC2046 # pkg-config's output is a list of words
  gcc "${CFLAGS[@]}" fep-ffi/examples/decode.c $(pkg-config --cflags --libs fep) \
    -Wl,-rpath,"$libdir" -o "$out/decode-shared" || return 1
  needed=$(readelf -d "$out/decode-shared" | sed -n 's/.*(NEEDED).*\[\(libfep[^]]*\)\]/\1/p')
  [ "$needed" = "libfep.so.$major" ] || {
    echo "the program needs '$needed', expected libfep.so.$major"
    return 1
  }
  ldd "$out/decode-shared" | grep -F "libfep.so.$major => $libdir/libfep.so.$major" >/dev/null || {
    ldd "$out/decode-shared"
    return 1
  }
  run_example "$out/decode-shared" &&
    echo "needs libfep.so.$major from the prefix; fep_version() = $version; encoded back identical"
}
check "decode.c built with pkg-config --cflags --libs fep, run on a sample" example_shared

# Static: `pkg-config --static --libs fep` gives -lfep and the system libraries; since the
# prefix holds both libfep.so and libfep.a, -Bstatic asks the linker for the archive.
example_static() {
  local libs
  libs=$(pkg-config --static --libs fep) || return 1
  libs=${libs/-lfep/-Wl,-Bstatic -lfep -Wl,-Bdynamic}
  # shellcheck disable=SC2046,SC2086 # pkg-config's output is a list of words
  gcc "${CFLAGS[@]}" fep-ffi/examples/decode.c $(pkg-config --cflags fep) $libs \
    -o "$out/decode-static" || return 1
  if readelf -d "$out/decode-static" | grep 'NEEDED.*libfep' >/dev/null; then
    readelf -d "$out/decode-static"
    echo "the static build still needs libfep.so"
    return 1
  fi
  run_example "$out/decode-static" &&
    echo "no libfep.so needed; fep_version() = $version; encoded back identical"
}
check "decode.c built with pkg-config --static (libfep.a), run on a sample" example_static

# ---------------------------------------------------------------- the Rust crates

# Every member not in PUBLISHED opts out of publishing, so none goes out by accident; the
# published ones have all the metadata the registry shows.
publish_flags() {
  python3 - "$log/metadata" "${PUBLISHED[@]}" <<'PY'
import json, sys
packages = json.load(open(sys.argv[1]))["packages"]
published = set(sys.argv[2:])
bad = []
for p in packages:
    if p["name"] not in published:
        if p["publish"] != []:
            bad.append(f'{p["name"]}: not in PUBLISHED, so it must say publish = false')
        continue
    if p["publish"] == []:
        bad.append(f'{p["name"]} is meant to be published but says publish = false')
    for key in ("description", "license", "repository", "readme", "rust_version"):
        if not p.get(key):
            bad.append(f'{p["name"]}: no {key}')
    if not 1 <= len(p["keywords"]) <= 5:
        bad.append(f'{p["name"]}: {len(p["keywords"])} keywords (1 to 5)')
    if not 1 <= len(p["categories"]) <= 5:
        bad.append(f'{p["name"]}: {len(p["categories"])} categories (1 to 5)')
missing = published - {p["name"] for p in packages}
bad += [f"{name}: no such member" for name in sorted(missing)]
print("\n".join(bad) if bad else
      f"published, with complete metadata: {' '.join(sorted(published))}; "
      "every other member says publish = false")
sys.exit(1 if bad else 0)
PY
}
check "published crates: complete metadata; the others: publish = false" publish_flags

# Packaged together, so that fep-cli is verified against the fep-core packaged beside it
# (cargo puts it in a temporary local registry): no --no-verify is needed. Each package is
# built from its .crate file alone, which proves that it holds everything it needs.
cargo_package() {
  local args=() c
  for c in "${PUBLISHED[@]}"; do args+=(-p "$c"); done
  # Cargo takes a registry crate of a given version as immutable: it unpacks it once and
  # never rebuilds it, so a fep-core changed since the last run would be verified as the old
  # one. Hence a target directory of its own, where fep-core and fep-cli are built from the
  # temporary registry only, their fingerprints dropped (dependencies stay built), and the
  # unpacked copies of the temporary registry (unnamed: "-HASH") removed.
  local dir=target/package-verify
  for c in "${PUBLISHED[@]}"; do
    rm -rf "$dir"/debug/.fingerprint/"$c"-*
    rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/"$c-$version"
  done
  # --allow-dirty: the tests run on work in progress too; CI's checkout is clean anyway.
  cargo package --allow-dirty --target-dir "$dir" "${args[@]}" || return 1
  for c in "${PUBLISHED[@]}"; do
    [ -f "$dir/package/$c-$version.crate" ] || {
      echo "no $dir/package/$c-$version.crate"
      return 1
    }
    # The licence texts travel with the code (links to the root's files in each crate).
    tar -tzf "$dir/package/$c-$version.crate" >"$log/crate" || return 1
    for f in README.md LICENSE-MIT LICENSE-APACHE; do
      grep -qx "$c-$version/$f" "$log/crate" || {
        echo "$c-$version.crate lacks $f"
        return 1
      }
    done
  done
  echo "packaged and verified, with readme and licences: ${PUBLISHED[*]/%/-$version.crate}"
}
check "cargo package (${PUBLISHED[*]})" cargo_package

check "cargo doc --workspace --no-deps with RUSTDOCFLAGS=-D warnings" \
  env RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
