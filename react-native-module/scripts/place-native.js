#!/usr/bin/env node
'use strict';
/**
 * Places a Tether native bundle (the platform files built from the Rust core) where this
 * package's Android and iOS builds look for them. One job: check, then copy.
 *
 *   node scripts/place-native.js --from <dir | bundle.tar.gz | https://…/bundle.tar.gz>
 *                                [--platform android|ios|all] [--abis arm64-v8a,x86_64]
 *
 * `--from` defaults to $TETHER_NATIVE_BUNDLE. Bundle layout (scripts/make-native-bundle.sh
 * assembles it from the repository's build output):
 *
 *   android/jniLibs/<abi>/libtether_ffi.so   → android/prebuilt/<abi>/libtether_ffi.so
 *   android/kotlin/dev/tether/**.kt          → android/src/main/tether/dev/tether/…
 *   ios/TetherFFI.xcframework/               → ios/TetherFFI.xcframework/
 *   ios/swift/**.swift                       → ios/tether/…
 *
 * Everything the chosen platforms need is checked before anything is copied; a missing piece
 * exits 1 naming each missing path and nothing is changed.
 */
const childProcess = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ANDROID_ABIS = ['arm64-v8a', 'armeabi-v7a', 'x86_64', 'x86'];
const PACKAGE_DIR = path.resolve(__dirname, '..');

class PlaceNativeError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PlaceNativeError';
  }
}

function parseArgs(argv, env) {
  const options = { from: env.TETHER_NATIVE_BUNDLE, platform: 'all', abis: ANDROID_ABIS };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (!['--from', '--platform', '--abis', '--package'].includes(flag)) {
      throw new PlaceNativeError(`unknown argument ${flag}`);
    }
    if (value === undefined) throw new PlaceNativeError(`${flag} needs a value`);
    i += 1;
    if (flag === '--from') options.from = value;
    if (flag === '--platform') options.platform = value;
    if (flag === '--package') options.packageDir = value;
    if (flag === '--abis') options.abis = value.split(',').map((abi) => abi.trim()).filter(Boolean);
  }
  if (!options.from) throw new PlaceNativeError('no bundle: pass --from or set TETHER_NATIVE_BUNDLE');
  if (!['android', 'ios', 'all'].includes(options.platform)) {
    throw new PlaceNativeError(`--platform must be android, ios or all, not ${options.platform}`);
  }
  const unknown = options.abis.filter((abi) => !ANDROID_ABIS.includes(abi));
  if (unknown.length > 0 || options.abis.length === 0) {
    throw new PlaceNativeError(`--abis takes some of ${ANDROID_ABIS.join(',')}, got ${options.abis.join(',')}`);
  }
  return options;
}

/** Files under `dir` (recursive) whose name ends with `suffix`. */
function filesEndingWith(dir, suffix) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix));
}

/** The copy plan for the chosen platforms: { copies: [{ from, to }], missing: [path] }. */
function plan(bundleDir, packageDir, { platform, abis }) {
  const copies = [];
  const missing = [];
  // Copies `from` to `to` if `marker` (the file proving `from` is complete) is present.
  const copyIf = (marker, present, from, to) => {
    if (present) copies.push({ from, to });
    else missing.push(marker);
  };
  if (platform === 'android' || platform === 'all') {
    for (const abi of abis) {
      const so = path.join(bundleDir, 'android/jniLibs', abi, 'libtether_ffi.so');
      copyIf(so, fs.existsSync(so), so, path.join(packageDir, 'android/prebuilt', abi, 'libtether_ffi.so'));
    }
    const kotlin = path.join(bundleDir, 'android/kotlin');
    const bindings = path.join(kotlin, 'dev/tether/tether_ffi.kt');
    copyIf(bindings, fs.existsSync(bindings), kotlin, path.join(packageDir, 'android/src/main/tether'));
  }
  if (platform === 'ios' || platform === 'all') {
    const xcframework = path.join(bundleDir, 'ios/TetherFFI.xcframework');
    const plist = path.join(xcframework, 'Info.plist');
    copyIf(plist, fs.existsSync(plist), xcframework, path.join(packageDir, 'ios/TetherFFI.xcframework'));
    const swift = path.join(bundleDir, 'ios/swift');
    const generated = filesEndingWith(swift, 'Tether.swift').length > 0;
    copyIf(path.join(swift, '…/Tether.swift'), generated, swift, path.join(packageDir, 'ios/tether'));
  }
  return { copies, missing };
}

async function download(url, file) {
  const response = await fetch(url);
  if (!response.ok) throw new PlaceNativeError(`download of ${url} failed: HTTP ${response.status}`);
  fs.writeFileSync(file, Buffer.from(await response.arrayBuffer()));
}

function extract(archive, into) {
  const result = childProcess.spawnSync('tar', ['-xzf', archive, '-C', into], { encoding: 'utf8' });
  if (result.error) throw new PlaceNativeError(`tar could not run: ${result.error.message}`);
  if (result.status !== 0) throw new PlaceNativeError(`tar could not extract ${archive}: ${result.stderr.trim()}`);
}

/** Resolves `from` to a bundle directory; returns it and a cleanup function. */
async function openBundle(from) {
  if (/^https?:\/\//.test(from)) {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tether-bundle-'));
    const archive = path.join(scratch, 'bundle.tar.gz');
    await download(from, archive);
    extract(archive, scratch);
    return { dir: scratch, close: () => fs.rmSync(scratch, { recursive: true, force: true }) };
  }
  if (!fs.existsSync(from)) throw new PlaceNativeError(`no bundle at ${from}`);
  if (fs.statSync(from).isDirectory()) return { dir: from, close: () => {} };
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tether-bundle-'));
  extract(from, scratch);
  return { dir: scratch, close: () => fs.rmSync(scratch, { recursive: true, force: true }) };
}

async function placeNative(options) {
  const packageDir = options.packageDir ?? PACKAGE_DIR;
  const bundle = await openBundle(options.from);
  try {
    const { copies, missing } = plan(bundle.dir, packageDir, options);
    if (missing.length > 0) {
      throw new PlaceNativeError(
        `the bundle at ${options.from} lacks what ${options.platform} needs:\n` +
          missing.map((file) => `  missing ${path.relative(bundle.dir, file)}`).join('\n'),
      );
    }
    for (const { from, to } of copies) {
      fs.rmSync(to, { recursive: true, force: true });
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.cpSync(from, to, { recursive: true });
    }
    return copies.map(({ to }) => path.relative(packageDir, to));
  } finally {
    bundle.close();
  }
}

async function main() {
  try {
    const placed = await placeNative(parseArgs(process.argv.slice(2), process.env));
    for (const file of placed) console.log(`place-native: placed ${file}`);
  } catch (error) {
    if (!(error instanceof PlaceNativeError)) throw error;
    console.error(`place-native: ${error.message}`);
    process.exitCode = 1;
  }
}

if (require.main === module) main();

module.exports = { ANDROID_ABIS, PlaceNativeError, parseArgs, placeNative };
