#!/usr/bin/env bash
# Builds the C library in release mode and installs it into a prefix, as a C team expects:
#
#   PREFIX/lib/libfep.so.MAJOR.MINOR.PATCH   the shared library, soname libfep.so.MAJOR
#   PREFIX/lib/libfep.so.MAJOR               -> libfep.so.MAJOR.MINOR.PATCH (the loader's name)
#   PREFIX/lib/libfep.so                     -> libfep.so.MAJOR (the linker's name)
#   PREFIX/lib/libfep.a                      the static library
#   PREFIX/include/fep.h                     the header
#   PREFIX/lib/pkgconfig/fep.pc              for pkg-config (--static adds the system libraries)
#   PREFIX/share/doc/fep/                    the C API's guide, the changelog, the licences
#
# Usage: scripts/package-c.sh PREFIX
# DESTDIR, when set, is put before every path written (for building a distribution's
# package); fep.pc still names PREFIX. CARGO_TARGET_DIR is honoured.
# Needs a Rust toolchain and binutils (readelf); see docs/install.md.
set -euo pipefail

usage() {
  echo "usage: $0 PREFIX   (for example: $0 /usr/local, or $0 \"\$HOME/.local\")" >&2
  exit 2
}
[ $# -eq 1 ] && [ -n "$1" ] || usage
case $1 in
-h | --help) usage ;;
/*) prefix=${1%/} ;;
*) prefix=$PWD/${1%/} ;;
esac
[ -n "$prefix" ] || prefix=/

cd "$(dirname "$0")/.."
die() {
  echo "package-c.sh: $*" >&2
  exit 1
}
command -v readelf >/dev/null || die "readelf not found (install binutils)"

# The version is the workspace's (Cargo.toml, [workspace.package]); the soname keeps its major.
pkgid=$(cargo pkgid -p fep-ffi) || die "cargo pkgid failed"
version=${pkgid##*[#@]}
[[ $version =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)$ ]] || die "unexpected version '$version' (from $pkgid)"
major=${BASH_REMATCH[1]}
soname=libfep.so.$major

# One build gives both libraries and rustc's list of what the static one needs besides.
target=${CARGO_TARGET_DIR:-target}/release
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "==> building libfep $version (release)"
if ! cargo rustc --locked --release -p fep-ffi --lib --crate-type cdylib --crate-type staticlib \
  -- --print native-static-libs >"$log" 2>&1; then
  cat "$log" >&2
  die "the build failed"
fi

# fep.pc's Libs.private comes from fep-ffi/static-libs.txt, the list the C tests link with;
# it must be what this rustc says, or a static link would miss a library.
static_libs=$(grep -v '^#' fep-ffi/static-libs.txt | xargs)
rustc_libs=$(sed -n 's/^note: native-static-libs: //p' "$log" | tail -n 1 | xargs)
[ -n "$rustc_libs" ] || die "rustc printed no native-static-libs line"
[ "$static_libs" = "$rustc_libs" ] ||
  die "fep-ffi/static-libs.txt says '$static_libs', rustc says '$rustc_libs': update the file"

# build.rs gives the library its soname; a library without one would be loaded by any name.
built_soname=$(readelf -d "$target/libfep.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$built_soname" = "$soname" ] ||
  die "$target/libfep.so has soname '$built_soname', expected '$soname' (fep-ffi/build.rs)"

dest=${DESTDIR:-}$prefix
echo "==> installing into $dest"
install -d "$dest/lib/pkgconfig" "$dest/include" "$dest/share/doc/fep"
install -m 0755 "$target/libfep.so" "$dest/lib/libfep.so.$version"
ln -sfn "libfep.so.$version" "$dest/lib/$soname"
ln -sfn "$soname" "$dest/lib/libfep.so"
install -m 0644 "$target/libfep.a" "$dest/lib/libfep.a"
install -m 0644 fep-ffi/include/fep.h "$dest/include/fep.h"
for doc in docs/c-api.md docs/install.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE; do
  [ ! -f "$doc" ] || install -m 0644 "$doc" "$dest/share/doc/fep/"
done

# pkg-config's own variables stay literal: ${prefix} is expanded by pkg-config, not here.
# shellcheck disable=SC2016
{
  printf 'prefix=%s\n' "$prefix"
  printf 'libdir=${prefix}/lib\n'
  printf 'includedir=${prefix}/include\n\n'
  printf 'Name: fep\n'
  printf 'Description: Fixed-length financial telegrams to structured data and back (C API)\n'
  printf 'Version: %s\n' "$version"
  printf 'URL: https://github.com/fep-rs/fep\n'
  printf 'Libs: -L${libdir} -lfep\n'
  printf 'Libs.private: %s\n' "$static_libs"
  printf 'Cflags: -I${includedir}\n'
} >"$dest/lib/pkgconfig/fep.pc"
chmod 0644 "$dest/lib/pkgconfig/fep.pc"

echo "installed libfep $version into $dest (soname $soname)"
