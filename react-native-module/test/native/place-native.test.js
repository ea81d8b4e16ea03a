'use strict';
// scripts/make-native-bundle.sh and scripts/place-native.js on a fake repository tree: the
// bundle layout, copying from a folder, a .tar.gz and an HTTP URL, and the clear failures.
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const test = require('node:test');

const { ANDROID_ABIS, PlaceNativeError, placeNative } = require('../../scripts/place-native.js');

const SCRIPTS = path.resolve(__dirname, '../../scripts');

function write(file, content) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

/** A repository with the build outputs make-native-bundle.sh reads (contents are markers). */
function fakeRepo(root, { abis = ANDROID_ABIS, ios = true } = {}) {
  for (const abi of abis) write(path.join(root, 'target/android/jniLibs', abi, 'libtether_ffi.so'), `so:${abi}`);
  write(path.join(root, 'target/bindings/kotlin/dev/tether/tether_ffi.kt'), 'package dev.tether // generated');
  write(path.join(root, 'android/src/main/kotlin/dev/tether/Tether.kt'), 'package dev.tether // layer');
  write(path.join(root, 'android/src/main/kotlin/dev/tether/android/TetherLifecycle.kt'), 'package dev.tether.android');
  if (ios) {
    write(path.join(root, 'ios/TetherFFI.xcframework/Info.plist'), '<plist/>');
    write(path.join(root, 'ios/TetherFFI.xcframework/ios-arm64/libtether_ffi.a'), 'a:ios-arm64');
    write(path.join(root, 'ios/Sources/Tether/Generated/Tether.swift'), '// generated');
    write(path.join(root, 'ios/Sources/Tether/TetherLifecycle.swift'), '// layer');
  }
}

function makeBundle(repo, out, ...args) {
  return childProcess.spawnSync('bash', [path.join(SCRIPTS, 'make-native-bundle.sh'), out, '--repo', repo, ...args], {
    encoding: 'utf8',
  });
}

function scratch(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tether-place-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const read = (file) => fs.readFileSync(file, 'utf8');

function assertPlacedAll(pkg) {
  for (const abi of ANDROID_ABIS) {
    assert.equal(read(path.join(pkg, 'android/prebuilt', abi, 'libtether_ffi.so')), `so:${abi}`);
  }
  assert.match(read(path.join(pkg, 'android/src/main/tether/dev/tether/tether_ffi.kt')), /generated/);
  assert.ok(fs.existsSync(path.join(pkg, 'android/src/main/tether/dev/tether/android/TetherLifecycle.kt')));
  assert.equal(read(path.join(pkg, 'ios/TetherFFI.xcframework/ios-arm64/libtether_ffi.a')), 'a:ios-arm64');
  assert.ok(fs.existsSync(path.join(pkg, 'ios/tether/Generated/Tether.swift')));
  assert.ok(fs.existsSync(path.join(pkg, 'ios/tether/TetherLifecycle.swift')));
}

test('a bundle folder made from the repository is placed for both platforms', async (t) => {
  const dir = scratch(t);
  fakeRepo(path.join(dir, 'repo'));
  const made = makeBundle(path.join(dir, 'repo'), path.join(dir, 'bundle'));
  assert.equal(made.status, 0, made.stderr);
  const placed = await placeNative({ from: path.join(dir, 'bundle'), platform: 'all', abis: ANDROID_ABIS, packageDir: path.join(dir, 'pkg') });
  assert.equal(placed.length, ANDROID_ABIS.length + 3);
  assertPlacedAll(path.join(dir, 'pkg'));
});

test('a .tar.gz bundle is extracted and placed', async (t) => {
  const dir = scratch(t);
  fakeRepo(path.join(dir, 'repo'));
  const made = makeBundle(path.join(dir, 'repo'), path.join(dir, 'out/bundle.tar.gz'));
  assert.equal(made.status, 0, made.stderr);
  await placeNative({ from: path.join(dir, 'out/bundle.tar.gz'), platform: 'all', abis: ANDROID_ABIS, packageDir: path.join(dir, 'pkg') });
  assertPlacedAll(path.join(dir, 'pkg'));
});

test('a bundle is downloaded over HTTP; a 404 is a clear error', async (t) => {
  const dir = scratch(t);
  fakeRepo(path.join(dir, 'repo'));
  const archive = path.join(dir, 'bundle.tar.gz');
  assert.equal(makeBundle(path.join(dir, 'repo'), archive).status, 0);
  const server = http.createServer((request, response) => {
    if (request.url !== '/tether-native.tar.gz') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/gzip' }).end(fs.readFileSync(archive));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const base = `http://127.0.0.1:${server.address().port}`;

  await placeNative({ from: `${base}/tether-native.tar.gz`, platform: 'all', abis: ANDROID_ABIS, packageDir: path.join(dir, 'pkg') });
  assertPlacedAll(path.join(dir, 'pkg'));

  await assert.rejects(
    placeNative({ from: `${base}/missing.tar.gz`, platform: 'all', abis: ANDROID_ABIS, packageDir: path.join(dir, 'pkg2') }),
    (error) => error instanceof PlaceNativeError && /HTTP 404/.test(error.message),
  );
});

test('a missing ABI names the missing file and changes nothing', async (t) => {
  const dir = scratch(t);
  fakeRepo(path.join(dir, 'repo'), { abis: ['arm64-v8a', 'x86_64'] });
  assert.equal(makeBundle(path.join(dir, 'repo'), path.join(dir, 'bundle'), '--platform', 'android').status, 0);
  const pkg = path.join(dir, 'pkg');
  await assert.rejects(
    placeNative({ from: path.join(dir, 'bundle'), platform: 'android', abis: ANDROID_ABIS, packageDir: pkg }),
    (error) =>
      error instanceof PlaceNativeError &&
      error.message.includes(path.join('android/jniLibs/armeabi-v7a/libtether_ffi.so')) &&
      error.message.includes(path.join('android/jniLibs/x86/libtether_ffi.so')) &&
      !error.message.includes('arm64-v8a'),
  );
  assert.equal(fs.existsSync(pkg), false, 'nothing was copied');

  // The ABIs that are there can be placed on their own.
  await placeNative({ from: path.join(dir, 'bundle'), platform: 'android', abis: ['arm64-v8a', 'x86_64'], packageDir: pkg });
  assert.equal(read(path.join(pkg, 'android/prebuilt/x86_64/libtether_ffi.so')), 'so:x86_64');
  assert.equal(fs.existsSync(path.join(pkg, 'ios')), false, 'android only');
});

test('an Android-only bundle cannot be placed for iOS', async (t) => {
  const dir = scratch(t);
  fakeRepo(path.join(dir, 'repo'), { ios: false });
  assert.equal(makeBundle(path.join(dir, 'repo'), path.join(dir, 'bundle'), '--platform', 'android').status, 0);
  await assert.rejects(
    placeNative({ from: path.join(dir, 'bundle'), platform: 'ios', abis: ANDROID_ABIS, packageDir: path.join(dir, 'pkg') }),
    (error) => error instanceof PlaceNativeError && /TetherFFI\.xcframework\/Info\.plist/.test(error.message),
  );
});

test('make-native-bundle names what the repository has not built', (t) => {
  const dir = scratch(t);
  fs.mkdirSync(path.join(dir, 'repo'));
  const made = makeBundle(path.join(dir, 'repo'), path.join(dir, 'bundle'));
  assert.equal(made.status, 1);
  assert.match(made.stderr, /missing target\/android\/jniLibs\/<abi>\/libtether_ffi\.so \(scripts\/build-android\)/);
  assert.match(made.stderr, /missing ios\/TetherFFI\.xcframework\/Info\.plist/);
  assert.equal(fs.existsSync(path.join(dir, 'bundle')), false);
});

test('the CLI exits 1 with a message when no bundle is given', () => {
  const env = { ...process.env };
  delete env.TETHER_NATIVE_BUNDLE;
  const run = childProcess.spawnSync(process.execPath, [path.join(SCRIPTS, 'place-native.js')], { encoding: 'utf8', env });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /place-native: no bundle: pass --from or set TETHER_NATIVE_BUNDLE/);
});
