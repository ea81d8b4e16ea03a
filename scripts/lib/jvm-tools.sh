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
