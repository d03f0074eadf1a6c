#!/usr/bin/env bash
# The JVM binding's checks, on the release jar as users get it: scripts/package-java.sh
# builds fep-java-VERSION.jar (the release libfep.so inside), its sources and javadoc jars
# and its pom; then, with the jar on the class path and no -Dfep.library, so that the library
# comes out of the jar:
#  - JNA (the jar's Java 8 classes) on the default Java: FepTest and the documented example
#    on every bundled sample;
#  - java.lang.foreign (the jar's META-INF/versions/22) on a JDK of 22 or later, without JNA:
#    the same, and the jar as a module on the module path;
#  - for each, the order in which the library is looked for (fep.library, java.library.path,
#    the system's loader, the jar), the errors when nothing works or the library is too old,
#    and one version throughout: Cargo.toml's, fep_version()'s and the jar manifest's.
# Installs what it needs when missing (a JDK and Debian's libjna-java, with apt-get). Where no
# JDK 22 or later is found, the jar is built with JNA only and the java.lang.foreign checks
# are skipped. Ends with one line: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

# shellcheck source=scripts/lib.sh
. scripts/lib.sh
out=target/java
target_dir=${CARGO_TARGET_DIR:-target}
[[ $target_dir == /* ]] || target_dir=$PWD/$target_dir
debug_lib=$target_dir/debug/libfep.so

# The major version of a javac: "javac 1.8.0_392" is 8, "javac 25.0.3" is 25.
javac_major() {
  "$1" -version 2>&1 | awk '{print $2}' | awk -F. '{print ($1 == "1") ? $2 : $1}'
}

# ---------------------------------------------------------------- tools

missing=()
command -v javac >/dev/null || missing+=(default-jdk-headless)
JNA_JAR=${JNA_JAR:-/usr/share/java/jna.jar}
export JNA_JAR
[ -f "$JNA_JAR" ] || missing+=(libjna-java)
command -v unzip >/dev/null || missing+=(unzip)
# Maven, only to install the jar as docs/install.md says and resolve it as a dependency; its
# plugins come from Debian's repository (/usr/share/maven-repo), which stands in for the
# users' repository manager. Debian's dependency plugin asks for junit 4.x.
maven_repo=/usr/share/maven-repo
command -v mvn >/dev/null || missing+=(maven)
[ -d $maven_repo/org/apache/maven/plugins/maven-install-plugin ] ||
  missing+=(libmaven-install-plugin-java)
[ -d $maven_repo/org/apache/maven/plugins/maven-dependency-plugin ] ||
  missing+=(libmaven-dependency-plugin-java)
[ -d $maven_repo/junit/junit ] || missing+=(junit4)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

# A JDK of 22 or later for the FFM binding: the one on PATH, or one in the usual places.
ffm_bin=
for javac in "$(command -v javac)" "${JAVA_HOME:-/nonexistent}/bin/javac" /usr/lib/jvm/*/bin/javac; do
  if [ -x "$javac" ] && [ "$(javac_major "$javac")" -ge 22 ] 2>/dev/null; then
    ffm_bin=$(dirname "$javac")
    break
  fi
done

# The version, from its one place: [workspace.package] in Cargo.toml.
version=$(awk '/^\[workspace\.package\]/ { p = 1; next } /^\[/ { p = 0 }
  p && $1 == "version" { gsub(/"/, "", $3); print $3 }' Cargo.toml)
dist=$out/dist
jar=$dist/fep-java-$version.jar

# The debug library, for the checks that name a library other than the jar's.
check "cargo build -p fep-ffi (libfep.so)" cargo build -p fep-ffi

# ---------------------------------------------------------------- the package

if [ -n "$ffm_bin" ]; then
  check "scripts/package-java.sh: the jar (release libfep.so inside), sources, javadoc, pom" \
    scripts/package-java.sh "$dist"
else
  check "scripts/package-java.sh (JNA only: no JDK 22 or later found)" \
    env FEP_JAVA_JNA_ONLY=1 scripts/package-java.sh "$dist"
fi

jar_contents() {
  unzip -Z1 "$jar" >"$log/entries" || return 1
  local needed=(fep/Fep.class fep/Schema.class fep/Message.class fep/Loader.class fep/Lib.class
    META-INF/LICENSE-MIT META-INF/LICENSE-APACHE fep/native/linux-x86_64/libfep.so
    META-INF/maven/io.github.fep-rs/fep-java/pom.xml
    META-INF/maven/io.github.fep-rs/fep-java/pom.properties)
  [ -z "$ffm_bin" ] || needed+=(META-INF/versions/22/fep/Lib.class)
  local e
  for e in "${needed[@]}"; do
    grep -qx "$e" "$log/entries" || {
      echo "$jar lacks $e"
      return 1
    }
  done
  # Only the package's own classes: no test, no example.
  if grep -E '\.class$' "$log/entries" | grep -vE '^(META-INF/versions/22/)?fep/'; then
    echo "classes outside the package fep"
    return 1
  fi
  # The library inside is the release build (package-c.sh's), with its soname.
  unzip -p "$jar" fep/native/linux-x86_64/libfep.so >"$log/embedded.so" || return 1
  cmp "$log/embedded.so" "$target_dir/release/libfep.so" || return 1
  readelf -d "$log/embedded.so" | grep "SONAME.*\[libfep.so.${version%%.*}\]" >/dev/null || {
    echo "the embedded library has no soname libfep.so.${version%%.*}"
    return 1
  }
  unzip -p "$jar" META-INF/MANIFEST.MF | tr -d '\r' >"$log/manifest" || return 1
  local line
  for line in "Implementation-Version: $version" "Implementation-Title: fep-java" \
    "Automatic-Module-Name: fep"; do
    grep -qx "$line" "$log/manifest" || {
      cat "$log/manifest"
      echo "the manifest lacks '$line'"
      return 1
    }
  done
  if [ -n "$ffm_bin" ]; then
    grep -qx "Multi-Release: true" "$log/manifest" || {
      echo "the manifest does not say Multi-Release: true"
      return 1
    }
  fi
  echo "$(grep -c '\.class$' "$log/entries") classes, the release libfep.so, manifest version $version"
}
check "the jar: classes, the release library for linux-x86_64, licences, manifest" jar_contents

other_jars() {
  local sources=$dist/fep-java-$version-sources.jar javadoc=$dist/fep-java-$version-javadoc.jar
  unzip -Z1 "$sources" >"$log/sources" && unzip -Z1 "$javadoc" >"$log/javadoc" || return 1
  local f
  for f in fep-ffi/java/src/fep/*.java fep-ffi/java/jna/fep/*.java; do
    grep -qx "fep/${f##*/}" "$log/sources" || {
      echo "the sources jar lacks fep/${f##*/}"
      return 1
    }
  done
  if [ -n "$ffm_bin" ]; then
    grep -qx META-INF/versions/22/fep/Lib.java "$log/sources" || {
      echo "the sources jar lacks META-INF/versions/22/fep/Lib.java"
      return 1
    }
  fi
  # Every public class has its page (javadoc itself ran with -Xdoclint:all -Werror).
  for f in index.html fep/Fep.html fep/Schema.html fep/Message.html fep/Field.html \
    fep/Framer.html fep/Correlator.html fep/FepException.html; do
    grep -qx "$f" "$log/javadoc" || {
      echo "the javadoc jar lacks $f"
      return 1
    }
  done
  unzip -p "$javadoc" fep/Fep.html | grep 'bindingVersion' >/dev/null || {
    echo "fep/Fep.html does not document bindingVersion"
    return 1
  }
  echo "sources: $(grep -c '\.java$' "$log/sources") files; javadoc: $(grep -c '\.html$' "$log/javadoc") pages"
}
check "the sources jar and the javadoc jar" other_jars

pom() {
  python3 - "$dist/fep-java-$version.pom" "$version" "$jar" <<'PY'
import sys, zipfile, xml.etree.ElementTree as ET
path, version, jar = sys.argv[1:4]
ns = {"m": "http://maven.apache.org/POM/4.0.0"}
root = ET.parse(path).getroot()
get = lambda p: (root.findtext(p, namespaces=ns) or "").strip()
bad = []
for key, want in (("m:groupId", "io.github.fep-rs"), ("m:artifactId", "fep-java"),
                  ("m:version", version), ("m:packaging", "jar")):
    if get(key) != want:
        bad.append(f"{key[2:]} is '{get(key)}', expected '{want}'")
licences = [l.findtext("m:name", namespaces=ns) for l in root.findall("m:licenses/m:license", ns)]
if licences != ["MIT", "Apache-2.0"]:
    bad.append(f"licences {licences}, expected MIT and Apache-2.0 (MIT OR Apache-2.0)")
deps = {(d.findtext("m:groupId", namespaces=ns), d.findtext("m:artifactId", namespaces=ns)):
        d for d in root.findall("m:dependencies/m:dependency", ns)}
jna = deps.pop(("net.java.dev.jna", "jna"), None)
if jna is None:
    bad.append("no dependency on net.java.dev.jna:jna")
elif not (jna.findtext("m:version", namespaces=ns) or "").startswith("5."):
    bad.append("JNA's version is not 5.x")
if deps:
    bad.append(f"unexpected dependencies: {sorted(deps)}")
inside = zipfile.ZipFile(jar).read("META-INF/maven/io.github.fep-rs/fep-java/pom.xml")
if inside != open(path, "rb").read():
    bad.append("the jar's META-INF/maven/.../pom.xml differs from the .pom")
print("\n".join(bad) if bad else
      f"io.github.fep-rs:fep-java:{version}, MIT OR Apache-2.0, runtime dependency on JNA 5")
sys.exit(1 if bad else 0)
PY
}
check "the pom: coordinates, Cargo.toml's version, licences, JNA" pom

# The tests and the example, compiled for Java 8 against the jar (its public API only).
compile_tests() {
  rm -rf "$out/test" && mkdir -p "$out/test" &&
    javac --release 8 -Xlint:all,-options -Werror -encoding UTF-8 -cp "$jar" -d "$out/test" \
      fep-ffi/java/test/FepTest.java fep-ffi/java/test/LoadTest.java \
      fep-ffi/java/examples/Decode.java &&
    echo "compiled against $jar ($(javac -version 2>&1))"
}
check "FepTest, LoadTest and the example compile against the jar (Java 8)" compile_tests

# As docs/install.md says: mvn install:install-file with the pom, into a fresh local
# repository; then a project that depends on io.github.fep-rs:fep-java gets, through Maven,
# the jar and JNA, and FepTest runs on exactly that class path.
maven() {
  local repo=$log/m2 app=$log/app
  mkdir -p "$app"
  cat >"$log/settings.xml" <<XML
<settings>
  <mirrors>
    <mirror><id>debian</id><mirrorOf>*</mirrorOf><url>file://$maven_repo</url></mirror>
  </mirrors>
</settings>
XML
  cat >"$app/pom.xml" <<XML
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>app</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>io.github.fep-rs</groupId>
      <artifactId>fep-java</artifactId>
      <version>$version</version>
    </dependency>
  </dependencies>
</project>
XML
  local mvn=(mvn -B -q -s "$log/settings.xml" -Dmaven.repo.local="$repo")
  "${mvn[@]}" install:install-file -Dfile="$jar" -DpomFile="$dist/fep-java-$version.pom" \
    -Dsources="$dist/fep-java-$version-sources.jar" \
    -Djavadoc="$dist/fep-java-$version-javadoc.jar" || return 1
  local installed=$repo/io/github/fep-rs/fep-java/$version/fep-java-$version
  cmp "$jar" "$installed.jar" && [ -f "$installed-sources.jar" ] &&
    [ -f "$installed-javadoc.jar" ] || return 1
  (cd "$app" && "${mvn[@]}" dependency:build-classpath -Dmdep.outputFile="$log/classpath") ||
    return 1
  local classpath
  classpath=$(cat "$log/classpath")
  [[ $classpath == "$installed.jar:"*/jna-5.*.jar ]] || {
    echo "Maven's class path: $classpath"
    return 1
  }
  env -u LD_LIBRARY_PATH java -Dfep.test.version="$version" -cp "$classpath:$out/test" \
    FepTest layouts || return 1
  echo "installed io.github.fep-rs:fep-java:$version (with sources and javadoc); resolved with JNA"
}
check "Maven: install:install-file with the pom; a project depending on it runs FepTest" maven

# Variants of the jar for the failure checks: without the library inside, or with a manifest
# that claims another version.
jar_variant() { # DEST MODE
  python3 - "$jar" "$@" <<'PY'
import re, sys, zipfile
src, dst, mode = sys.argv[1:4]
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        data = zin.read(item.filename)
        if mode == "no-native" and item.filename.startswith("fep/native/"):
            continue
        if mode.startswith("version=") and item.filename == "META-INF/MANIFEST.MF":
            data = re.sub(rb"Implementation-Version: [^\r\n]*",
                          b"Implementation-Version: " + mode[8:].encode(), data)
        zout.writestr(item, data)
PY
}
jar_variant "$log/no-native.jar" no-native
jar_variant "$log/future.jar" "version=$((${version%%.*} + 1)).0.0"

# ---------------------------------------------------------------- one implementation

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

# loads PATTERN JAVA...: runs LoadTest, which must load a library of the workspace version, with
# the jar's version, from a file matching PATTERN (as /proc/self/maps shows it).
loads() {
  local want=$1 got
  shift
  "$@" LoadTest >"$log/load" 2>&1 || {
    cat "$log/load"
    return 1
  }
  grep -qx "version $version" "$log/load" && grep -qx "binding $version" "$log/load" || {
    cat "$log/load"
    echo "expected version $version and binding $version"
    return 1
  }
  got=$(sed -n 's/^library //p' "$log/load")
  # shellcheck disable=SC2053 # a pattern on purpose
  [[ $got == $want ]] || {
    echo "loaded '$got', expected $want"
    return 1
  }
  echo "loaded $got"
}

# refuses TEXT JAVA...: runs LoadTest, which must fail to load with an error containing each
# line of TEXT.
refuses() {
  local want=$1 line
  shift
  if "$@" LoadTest >"$log/load" 2>&1; then
    cat "$log/load"
    echo "loaded, expected a failure"
    return 1
  fi
  while IFS= read -r line; do
    grep -qF -- "$line" "$log/load" || {
      cat "$log/load"
      echo "the error lacks: $line"
      return 1
    }
  done <<<"$want"
  head -n 1 "$log/load"
}

# implementation TAG NAME CLASSPATH_EXTRA JAVA_COMMAND...: every check of one implementation.
implementation() {
  local tag=$1 name=$2 extra=$3
  shift 3
  local java=("$@") cp="$jar$extra:$out/test"
  local tmp=$log/tmp-$tag dir=$log/libpath-$tag
  mkdir -p "$tmp" "$dir" && cp "$debug_lib" "$dir/libfep.so"

  # From the jar: no fep.library, and a temporary directory of our own, which must be empty
  # again afterwards (the copy is deleted once loaded).
  from_jar() {
    loads "$tmp/fep-*/libfep.so (deleted)" env -u LD_LIBRARY_PATH "${java[@]}" \
      -Djava.io.tmpdir="$tmp" -cp "$cp" || return 1
    [ -z "$(ls -A "$tmp")" ] || {
      ls -lR "$tmp"
      echo "the temporary copy was left behind"
      return 1
    }
  }
  check "$name: the library comes out of the jar (no fep.library), no copy left behind" from_jar
  check "$name: FepTest against the jar; fep_version(), the manifest and Cargo.toml agree" \
    env -u LD_LIBRARY_PATH "${java[@]}" -Dfep.test.version="$version" -cp "$cp" FepTest layouts
  check "$name: fep-ffi/java/examples/Decode.java on every sample, against the jar" \
    example_on_every_sample env -u LD_LIBRARY_PATH "${java[@]}" -cp "$cp" Decode
  check "$name: fep.library wins over java.library.path and the jar" \
    loads "$debug_lib" "${java[@]}" -Dfep.library="$debug_lib" -Djava.library.path="$dir" -cp "$cp"
  check "$name: java.library.path comes before the jar" \
    loads "$dir/libfep.so" env -u LD_LIBRARY_PATH "${java[@]}" -Djava.library.path="$dir" -cp "$cp"
  check "$name: LD_LIBRARY_PATH comes before the jar" \
    loads "$dir/libfep.so" env LD_LIBRARY_PATH="$dir" "${java[@]}" -cp "$cp"
  check "$name: a fep.library that names no file is an error, not a fallback" \
    refuses "-Dfep.library=$dir/none.so names no file" \
    "${java[@]}" -Dfep.library="$dir/none.so" -cp "$cp"
  check "$name: nothing found: the error says what each step tried" \
    refuses "libfep not found; tried, in order:
1. -Dfep.library: not set
2. java.library.path ($tmp): no libfep.so in it
3. libfep.so by name
4. inside the jar: no fep/native/linux-x86_64/libfep.so" \
    env -u LD_LIBRARY_PATH "${java[@]}" -Djava.library.path="$tmp" \
    -cp "$log/no-native.jar$extra:$out/test"
  local future
  future=$((${version%%.*} + 1)).0.0
  check "$name: a library older than the jar's classes is refused, saying why" \
    refuses "libfep $version (loaded from fep/native/linux-x86_64/libfep.so inside the jar
cannot serve fep's Java classes $future: they need libfep ${future%%.*}.x, $future or later" \
    env -u LD_LIBRARY_PATH "${java[@]}" -cp "$log/future.jar$extra:$out/test"
}

# ---------------------------------------------------------------- JNA: Java 8 to 21

implementation jna "JNA (java $(javac_major javac))" ":$JNA_JAR" java

# ---------------------------------------------------------------- FFM: Java 22 and later

if [ -z "$ffm_bin" ]; then
  echo "==> java.lang.foreign: skipped, no JDK 22 or later found (looked on PATH, JAVA_HOME, /usr/lib/jvm)"
else
  # No JNA on the class path: the jar's Java 22 classes must be the ones used.
  implementation ffm "java.lang.foreign (java $(javac_major "$ffm_bin/javac"))" "" \
    "$ffm_bin/java" --enable-native-access=ALL-UNNAMED
  check "java.lang.foreign: the jar as the module fep on the module path" \
    loads "*/fep-*/libfep.so (deleted)" env -u LD_LIBRARY_PATH "$ffm_bin/java" \
    --enable-native-access=fep --module-path "$jar" --add-modules fep -cp "$out/test"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
