#!/usr/bin/env bash
# Builds fep's Java package with the JDK's own tools (javac, jar, javadoc; no Maven or
# Gradle) into a directory, as a Java team installs it:
#
#   OUTDIR/fep-java-VERSION.jar           the classes and the release libfep.so for linux-x86_64
#   OUTDIR/fep-java-VERSION-sources.jar   their sources
#   OUTDIR/fep-java-VERSION-javadoc.jar   the API documentation
#   OUTDIR/fep-java-VERSION.pom           for `mvn install:install-file` / `deploy:deploy-file`
#
# The jar is a multi-release jar: the classes of fep-ffi/java/src and the JNA implementation
# (fep-ffi/java/jna) compiled for Java 8 at its root, the java.lang.foreign implementation
# (fep-ffi/java/ffm, the class fep.Lib alone) under META-INF/versions/22, which Java 22 and
# later take instead, so one jar serves every Java from 8 on and needs JNA only before 22.
# The library is fep/native/linux-x86_64/libfep.so; the manifest and the pom carry the
# workspace version of Cargo.toml.
#
# Usage: scripts/package-java.sh OUTDIR
# Needs a Rust toolchain, a JDK of 22 or later (the one on PATH, JAVA_HOME, or one in
# /usr/lib/jvm), and JNA's jar to compile against (JNA_JAR, default /usr/share/java/jna.jar:
# Debian's libjna-java). FEP_JAVA_JNA_ONLY=1 builds with the JDK on PATH (17 or later) and
# without the java.lang.foreign classes, where no JDK 22 exists (the manifest then says so,
# and Java 22 and later use JNA too); not for a release.
set -euo pipefail

usage() {
  echo "usage: $0 OUTDIR" >&2
  exit 2
}
[ $# -eq 1 ] && [ -n "$1" ] || usage
case $1 in
-h | --help) usage ;;
/*) outdir=${1%/} ;;
*) outdir=$PWD/${1%/} ;;
esac

cd "$(dirname "$0")/.."
die() {
  echo "package-java.sh: $*" >&2
  exit 1
}

# The version is the workspace's (Cargo.toml, [workspace.package]), as package-c.sh reads it.
pkgid=$(cargo pkgid -p fep-ffi) || die "cargo pkgid failed"
version=${pkgid##*[#@]}
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "unexpected version '$version' (from $pkgid)"
name=fep-java-$version
group=io.github.fep-rs
artifact=fep-java
platform=linux-x86_64

# The major version of a javac: "javac 1.8.0_392" is 8, "javac 25.0.3" is 25.
javac_major() {
  "$1" -version 2>&1 | awk '{print $2}' | awk -F. '{print ($1 == "1") ? $2 : $1}'
}
jdk=
jna_only=${FEP_JAVA_JNA_ONLY:-}
if [ -n "$jna_only" ]; then
  # The JDK on PATH; 17 or later for jar --date, javadoc -Werror and {@return}.
  jdk=$(dirname "$(command -v javac)") || die "no javac found"
  [ "$(javac_major "$jdk/javac")" -ge 17 ] || die "a JDK of 17 or later is needed"
else
  for javac in "$(command -v javac || true)" "${JAVA_HOME:-/nonexistent}/bin/javac" /usr/lib/jvm/*/bin/javac; do
    if [ -x "$javac" ] && [ "$(javac_major "$javac")" -ge 22 ] 2>/dev/null; then
      jdk=$(dirname "$javac")
      break
    fi
  done
  [ -n "$jdk" ] ||
    die "no JDK of 22 or later (looked on PATH, JAVA_HOME, /usr/lib/jvm): the jar's java.lang.foreign classes need one"
fi
JNA_JAR=${JNA_JAR:-/usr/share/java/jna.jar}
[ -f "$JNA_JAR" ] || die "no JNA jar at $JNA_JAR (Debian: apt-get install libjna-java; or set JNA_JAR)"

# The release library, as the C package installs it (same build, same checks of its soname).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
scripts/package-c.sh "$work/prefix" >"$work/package-c.log" 2>&1 || {
  cat "$work/package-c.log" >&2
  die "building the release libfep.so failed"
}
library=$work/prefix/lib/libfep.so.$version
[ -f "$library" ] || die "package-c.sh installed no $library"

# Timestamps of the archives' entries: SOURCE_DATE_EPOCH when set, else the last commit's,
# so that the same sources give the same jars.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
stamp=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)

java_dir=fep-ffi/java
echo "==> compiling (javac $("$jdk/javac" -version 2>&1 | awk '{print $2}'))"
mkdir -p "$work/classes" "$work/classes-22" "$work/meta/META-INF"
# -options: javac 21 and later warn that release 8 is old; it is the oldest we serve.
"$jdk/javac" --release 8 -Xlint:all,-options -Werror -encoding UTF-8 -cp "$JNA_JAR" \
  -d "$work/classes" "$java_dir"/src/fep/*.java "$java_dir"/jna/fep/*.java
mkdir -p "$work/classes/fep/native/$platform"
install -m 0755 "$library" "$work/classes/fep/native/$platform/libfep.so"
if [ -z "$jna_only" ]; then
  # Against the Java 8 classes: only fep.Lib is compiled again, for Java 22.
  "$jdk/javac" --release 22 -Xlint:all -Werror -encoding UTF-8 -cp "$work/classes" \
    -d "$work/classes-22" "$java_dir"/ffm/fep/*.java
  # The classes at the root call fep.Lib by the signatures of the JNA implementation: the
  # other one must offer the same, or Java 22 would fail with NoSuchMethodError.
  # (Not the static initialiser, nor the synthetic access$N methods javac adds for Java 8's
  # nested classes.)
  members() {
    "$jdk/javap" -package -cp "$1" fep.Lib | grep -E '^  ' | grep -vF 'static {}' |
      grep -vE ' access\$[0-9]+\(' | sort
  }
  members "$work/classes" >"$work/lib-8"
  members "$work/classes-22" >"$work/lib-22"
  diff --label "fep.Lib (JNA, Java 8)" --label "fep.Lib (java.lang.foreign, Java 22)" \
    "$work/lib-8" "$work/lib-22" >&2 ||
    die "the two implementations of fep.Lib differ in their non-private members"
  extra=$(cd "$work/classes-22" && find . -name '*.class' ! -path './fep/Lib.class' ! -path './fep/Lib$*.class')
  [ -z "$extra" ] || die "the Java 22 sources compiled into more than fep.Lib: $extra"
fi

# The pom, from the template with the one version.
sed "s/@VERSION@/$version/g" "$java_dir/pom.xml.in" >"$work/pom.xml"
! grep -q '@[A-Z_]*@' "$work/pom.xml" || die "a placeholder is left in the pom"
python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$work/pom.xml" ||
  die "the pom is not well-formed XML"

# What Maven puts into a jar, so tools that read it find the coordinates.
maven=$work/meta/META-INF/maven/$group/$artifact
mkdir -p "$maven"
cp "$work/pom.xml" "$maven/pom.xml"
printf 'groupId=%s\nartifactId=%s\nversion=%s\n' "$group" "$artifact" "$version" >"$maven/pom.properties"
cp LICENSE-MIT LICENSE-APACHE "$work/meta/META-INF/"

manifest() { # TITLE
  printf 'Implementation-Title: %s\n' "$1"
  printf 'Implementation-Version: %s\n' "$version"
  printf 'Implementation-Vendor: fep\n'
  printf 'Bundle-License: MIT OR Apache-2.0\n'
}
{
  manifest fep-java
  printf 'Automatic-Module-Name: fep\n'
  if [ -z "$jna_only" ]; then
    printf 'Multi-Release: true\n'
  else
    printf 'Fep-Note: JNA only, without the java.lang.foreign classes\n'
  fi
} >"$work/manifest"

mkdir -p "$outdir"
rm -f "$outdir/$name.jar" "$outdir/$name-sources.jar" "$outdir/$name-javadoc.jar" "$outdir/$name.pom"

echo "==> $name.jar"
versioned=()
[ -n "$jna_only" ] || versioned=(--release 22 -C "$work/classes-22" .)
"$jdk/jar" --create --file "$outdir/$name.jar" --manifest "$work/manifest" --date "$stamp" \
  -C "$work/classes" . -C "$work/meta" . "${versioned[@]}"
[ -n "$jna_only" ] || "$jdk/jar" --validate --file "$outdir/$name.jar" ||
  die "jar --validate rejects $name.jar"

echo "==> $name-sources.jar"
mkdir -p "$work/sources/fep" "$work/sources-22/fep"
cp "$java_dir"/src/fep/*.java "$java_dir"/jna/fep/*.java "$work/sources/fep/"
cp "$java_dir"/ffm/fep/*.java "$work/sources-22/fep/"
manifest fep-java-sources >"$work/manifest-sources"
sources_22=()
[ -n "$jna_only" ] || sources_22=(-C "$work/sources-22" META-INF/versions/22)
mkdir -p "$work/sources-22/META-INF/versions/22"
mv "$work/sources-22/fep" "$work/sources-22/META-INF/versions/22/"
"$jdk/jar" --create --file "$outdir/$name-sources.jar" --manifest "$work/manifest-sources" \
  --date "$stamp" -C "$work/sources" . -C "$work/meta" META-INF/LICENSE-MIT \
  -C "$work/meta" META-INF/LICENSE-APACHE "${sources_22[@]}"

echo "==> $name-javadoc.jar"
# The public API, documented by the same sources that are compiled for Java 8; doclint
# checks every kind of mistake (missing comments, broken references, bad HTML) and any
# warning fails the build.
"$jdk/javadoc" --release 8 -Xdoclint:all -Werror -quiet -notimestamp -encoding UTF-8 \
  -docencoding UTF-8 -charset UTF-8 -cp "$JNA_JAR" -d "$work/javadoc" \
  -doctitle "fep $version: Java API" -windowtitle "fep $version" \
  "$java_dir"/src/fep/*.java "$java_dir"/jna/fep/*.java >"$work/javadoc.log" 2>&1 || {
  cat "$work/javadoc.log" >&2
  die "javadoc failed"
}
if grep -qE 'warning|error' "$work/javadoc.log"; then
  cat "$work/javadoc.log" >&2
  die "javadoc reported problems"
fi
manifest fep-java-javadoc >"$work/manifest-javadoc"
"$jdk/jar" --create --file "$outdir/$name-javadoc.jar" --manifest "$work/manifest-javadoc" \
  --date "$stamp" -C "$work/javadoc" . -C "$work/meta" META-INF/LICENSE-MIT \
  -C "$work/meta" META-INF/LICENSE-APACHE

cp "$work/pom.xml" "$outdir/$name.pom"

implementations="JNA for Java 8+, java.lang.foreign for Java 22+"
[ -z "$jna_only" ] || implementations="JNA only, FEP_JAVA_JNA_ONLY"
echo "built $outdir/$name.jar ($implementations; libfep.so for $platform), -sources.jar, -javadoc.jar, .pom"
