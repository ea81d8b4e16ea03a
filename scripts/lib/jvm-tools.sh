# Sourced by the scripts that compile Kotlin (test-kotlin, check-android, test-rn-native): the
# pinned kotlinc and jars, installed once into .tools/ (git-ignored). ../shared/TOOLCHAIN.md:
# kotlinc comes from npm (no Gradle distribution is reachable), jars from Maven Central.
# Expects `root` (the repository) to be set.

MAVEN=https://repo1.maven.org/maven2
KOTLIN_VERSION=2.4.20
JNA_JAR=net/java/dev/jna/jna/5.17.0/jna-5.17.0.jar
COROUTINES_JAR=org/jetbrains/kotlinx/kotlinx-coroutines-core-jvm/1.10.2/kotlinx-coroutines-core-jvm-1.10.2.jar
JUNIT_JAR=junit/junit/4.13.2/junit-4.13.2.jar
HAMCREST_JAR=org/hamcrest/hamcrest-core/1.3/hamcrest-core-1.3.jar
ANDROID_ALL_JAR=org/robolectric/android-all/16-robolectric-13921718/android-all-16-robolectric-13921718.jar
KOTLIN_TOOLS="$root/.tools/kotlin"
JARS="$KOTLIN_TOOLS/jars"
ANDROID_TOOLS="$root/.tools/android"

# <maven path> [dir, default $JARS]: downloads once, atomically; prints the file's path.
maven_fetch() {
  local dir=${2:-$JARS}
  local file="$dir/$(basename "$1")"
  mkdir -p "$dir"
  if [ ! -s "$file" ]; then
    echo "$(basename "$0"): downloading $(basename "$1")" >&2
    curl -fsSL --retry 3 -o "$file.part" "$MAVEN/$1" && mv "$file.part" "$file"
  fi
  printf '%s' "$file"
}

# Installs kotlinc (npm package kotlin-compiler) when missing; prints the kotlinc path.
install_kotlinc() {
  local tmp dir
  if [ ! -x "$KOTLIN_TOOLS/kotlinc/bin/kotlinc" ]; then
    echo "$(basename "$0"): installing kotlinc $KOTLIN_VERSION" >&2
    mkdir -p "$KOTLIN_TOOLS"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "kotlin-compiler@$KOTLIN_VERSION" >/dev/null && tar xzf kotlin-compiler-*.tgz)
    dir=$(dirname "$(dirname "$(find "$tmp/package" -path '*/bin/kotlinc' | head -1)")")
    rm -rf "$KOTLIN_TOOLS/kotlinc" && mv "$dir" "$KOTLIN_TOOLS/kotlinc"
    chmod +x "$KOTLIN_TOOLS/kotlinc/bin/"*
    rm -rf "$tmp"
  fi
  printf '%s' "$KOTLIN_TOOLS/kotlinc/bin/kotlinc"
}

# <JUnit 4 log>: prints "PASSED FAILED" from its last line ("OK (N tests)" or "Tests run: N,
# Failures: M"); a log with neither (the run died) counts as one failure.
junit_counts() {
  local run failed
  if grep -q '^OK (' "$1"; then
    echo "$(sed -n 's/^OK (\([0-9]*\) tests\{0,1\})$/\1/p' "$1" | tail -1) 0"
  else
    run=$(sed -n 's/^Tests run: \([0-9]*\), *Failures: \([0-9]*\).*/\1/p' "$1" | tail -1)
    failed=$(sed -n 's/^Tests run: \([0-9]*\), *Failures: \([0-9]*\).*/\2/p' "$1" | tail -1)
    echo "$(( ${run:-0} - ${failed:-0} )) ${failed:-1}"
  fi
}

# Prints a `java` of version 21 or newer (android-all 16's classes are Java 21 class files):
# JAVA21_HOME, then the JDKs under /usr/lib/jvm (this machine kind has a Temurin JDK beside
# OpenJDK 17), then `java` on PATH. Fails when there is none.
java21() {
  local candidate version
  for candidate in ${JAVA21_HOME:+"$JAVA21_HOME/bin/java"} /usr/lib/jvm/*/bin/java "$(command -v java)"; do
    [ -x "$candidate" ] || continue
    version=$("$candidate" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
    if [ "${version:-0}" -ge 21 ]; then
      printf '%s' "$candidate"
      return 0
    fi
  done
  echo "$(basename "$0"): no Java 21 or newer (set JAVA21_HOME)" >&2
  return 1
}
