#!/usr/bin/env bash
# Assembles a Tether native bundle (the layout scripts/place-native.js reads) from the
# repository's build output:
#
#   android/jniLibs/<abi>/libtether_ffi.so  ← target/android/jniLibs/   (scripts/build-android)
#   android/kotlin/                         ← target/bindings/kotlin/ + android/src/main/kotlin/
#                                              (scripts/generate-bindings; the Kotlin layer)
#   ios/TetherFFI.xcframework/              ← ios/TetherFFI.xcframework/ (scripts/build-xcframework)
#   ios/swift/                              ← ios/Sources/Tether/ (layer + Generated/Tether.swift)
#
#   scripts/make-native-bundle.sh <out-dir | out.tar.gz> [--platform android|ios|all] [--repo ROOT]
#
# ROOT defaults to the repository this package lives in. Fails naming each missing input.
set -euo pipefail
package=$(cd "$(dirname "$0")/.." && pwd)

die() { echo "make-native-bundle: $*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: scripts/make-native-bundle.sh <out-dir|out.tar.gz> [--platform P] [--repo ROOT]"
out=$1; shift
platform=all
repo=$(dirname "$package")
while [ $# -gt 0 ]; do
  case "$1" in
    --platform) [ $# -ge 2 ] || die "--platform needs a value"; platform=$2; shift 2 ;;
    --repo) [ $# -ge 2 ] || die "--repo needs a directory"; repo=$2; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
case "$platform" in android|ios|all) ;; *) die "--platform must be android, ios or all" ;; esac
repo=$(cd "$repo" && pwd)

missing=()
check() { [ -e "$1" ] || missing+=("${1#"$repo/"} ($2)"); }
want_android() { [ "$platform" = android ] || [ "$platform" = all ]; }
want_ios() { [ "$platform" = ios ] || [ "$platform" = all ]; }

if want_android; then
  compgen -G "$repo/target/android/jniLibs/*/libtether_ffi.so" >/dev/null ||
    missing+=("target/android/jniLibs/<abi>/libtether_ffi.so (scripts/build-android)")
  check "$repo/target/bindings/kotlin/dev/tether/tether_ffi.kt" "scripts/generate-bindings"
  check "$repo/android/src/main/kotlin/dev/tether" "the Kotlin layer"
fi
if want_ios; then
  check "$repo/ios/TetherFFI.xcframework/Info.plist" "scripts/build-xcframework, on macOS"
  check "$repo/ios/Sources/Tether/Generated/Tether.swift" "scripts/build-xcframework"
fi
if [ ${#missing[@]} -gt 0 ]; then
  printf 'make-native-bundle: missing %s\n' "${missing[@]}" >&2
  exit 1
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
if want_android; then
  mkdir -p "$stage/android/kotlin"
  cp -R "$repo/target/android/jniLibs" "$stage/android/jniLibs"
  cp -R "$repo/target/bindings/kotlin/." "$stage/android/kotlin/"
  cp -R "$repo/android/src/main/kotlin/." "$stage/android/kotlin/"
fi
if want_ios; then
  mkdir -p "$stage/ios/swift"
  cp -R "$repo/ios/TetherFFI.xcframework" "$stage/ios/TetherFFI.xcframework"
  cp -R "$repo/ios/Sources/Tether/." "$stage/ios/swift/"
fi

case "$out" in
  *.tar.gz|*.tgz)
    mkdir -p "$(dirname "$out")"
    tar -czf "$out" -C "$stage" .
    ;;
  *)
    rm -rf "$out" && mkdir -p "$(dirname "$out")"
    cp -R "$stage" "$out"
    ;;
esac
echo "make-native-bundle: $out ($platform)"
