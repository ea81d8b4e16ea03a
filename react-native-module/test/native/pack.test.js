'use strict';
// `npm pack` of a copy of this package prepared as a React Native release is: JSI-flavour
// bindings generated into the copy's src/generated/ and cpp/generated/ (never into this
// package's own), lib/ built by tsconfig.build.json. Checks what the tarball carries (types,
// plugin, podspec, the Android and iOS sources, the C++ and its generated bindings, the scripts
// that place the prebuilt native libraries), what it must not carry, and how big it is. A
// second pack, after placing a native bundle, proves the placed libraries ship.
// Needs target/debug/libtether_ffi.so (cargo build -p tether-ffi) and ubrn (npm ci).
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const test = require('node:test');

const { ANDROID_ABIS, placeNative } = require('../../scripts/place-native.js');

const PACKAGE = path.resolve(__dirname, '../..');
const MAX_PACKED_BYTES = 600_000;
const MAX_UNPACKED_BYTES = 3_000_000;

// Build output and placed native files are left behind: each test decides what it packs.
const NOT_COPIED = [
  'node_modules', 'lib', 'src/generated', 'cpp/generated', 'android/build', 'android/.gradle', 'android/.cxx', 'android/prebuilt',
  'android/src/main/tether', 'ios/TetherFFI.xcframework', 'ios/tether',
];

const REQUIRED = [
  'package.json', 'README.md', 'app.plugin.js', 'plugin/withTether.js', 'plugin/androidPermissions.js',
  'TetherReactNative.podspec', 'ubrn.config.yaml', 'src/NativeTether.ts',
  'src/generated/index.ts', 'src/generated/tether_ffi.ts', 'src/generated/tether_ffi-ffi.ts',
  'cpp/TetherJsi.h', 'cpp/TetherJsi.cpp', 'cpp/TetherTurboModule.h', 'cpp/TetherTurboModule.cpp',
  'cpp/generated/tether_ffi.cpp', 'cpp/generated/tether_ffi.hpp',
  'android/build.gradle', 'android/CMakeLists.txt', 'android/proguard-rules.pro',
  'android/src/main/AndroidManifest.xml', 'android/src/main/cpp/cpp-adapter.cpp',
  'android/src/main/java/dev/tether/reactnative/TetherModule.kt',
  'android/src/main/java/dev/tether/reactnative/TetherPackage.kt',
  'android/src/main/java/dev/tether/reactnative/TetherProcessObservers.kt',
  'ios/TetherModule.h', 'ios/TetherModule.mm', 'ios/TetherProcessObservers.swift',
  'scripts/place-native.js', 'scripts/make-native-bundle.sh', 'scripts/generate-jsi.sh',
];

const FORBIDDEN = [/^node_modules\//, /^test\//, /^example\//, /^target\//, /^android\/build\//, /\.tgz$/];

const LIBRARY = path.resolve(PACKAGE, '../target/debug/libtether_ffi.so');

function copyPackage(dest) {
  fs.cpSync(PACKAGE, dest, {
    recursive: true,
    filter: (source) => {
      const relative = path.relative(PACKAGE, source).split(path.sep).join('/');
      return !NOT_COPIED.some((skip) => relative === skip || relative.startsWith(`${skip}/`));
    },
  });
  fs.symlinkSync(path.join(PACKAGE, 'node_modules'), path.join(dest, 'node_modules'), 'dir');
  run('bash', [
    path.join(PACKAGE, 'scripts/generate-jsi.sh'), LIBRARY,
    '--ts-dir', path.join(dest, 'src/generated'), '--cpp-dir', path.join(dest, 'cpp/generated'),
  ], PACKAGE);
}

function run(command, args, cwd) {
  const result = childProcess.spawnSync(command, args, { cwd, encoding: 'utf8' });
  assert.equal(result.status, 0, `${command} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** `npm pack` into `dir`; returns npm's report for the tarball ({ size, unpackedSize, files }). */
function pack(packageDir, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const [report] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], packageDir));
  assert.ok(fs.existsSync(path.join(dir, report.filename)), 'the tarball exists');
  return { ...report, paths: report.files.map((file) => file.path) };
}

/**
 * The lib/ build that `types` and `main` point to (tsconfig.build.json's job, as at prepack).
 * Returns null, or the compiler's complaint: the entry-point test reports it.
 */
function buildLib(packageDir) {
  const tsc = path.join(PACKAGE, 'node_modules/typescript/bin/tsc');
  const result = childProcess.spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: packageDir,
    encoding: 'utf8',
  });
  return result.status === 0 ? null : `tsc -p tsconfig.build.json failed:\n${result.stdout}${result.stderr}`;
}

let packed;
let libError;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tether-pack-'));
test.after(() => fs.rmSync(scratch, { recursive: true, force: true }));

test.before(() => {
  assert.ok(fs.existsSync(LIBRARY), `no ${LIBRARY}: cargo build -p tether-ffi`);
  const copy = path.join(scratch, 'package');
  copyPackage(copy);
  libError = buildLib(copy);
  packed = pack(copy, scratch);
});

test('the tarball carries the entry points package.json names (lib/ built as at prepack)', () => {
  assert.equal(libError, null, libError ?? '');
  const manifest = JSON.parse(fs.readFileSync(path.join(PACKAGE, 'package.json'), 'utf8'));
  for (const field of ['main', 'types', 'react-native', 'source']) {
    assert.ok(manifest[field], `package.json has "${field}"`);
    assert.ok(packed.paths.includes(manifest[field]), `"${field}": ${manifest[field]} is packed`);
  }
});

test('the tarball carries the plugin, podspec, native sources, C++ and placing scripts', () => {
  const absent = REQUIRED.filter((file) => !packed.paths.includes(file));
  assert.deepEqual(absent, [], 'every required file is packed');
});

test('the packed bindings are the JSI flavour, installed through the TurboModule', () => {
  const generated = path.join(scratch, 'package/src/generated');
  assert.doesNotMatch(fs.readFileSync(path.join(generated, 'tether_ffi-ffi.ts'), 'utf8'), /@ubjs\/node/);
  assert.match(fs.readFileSync(path.join(generated, 'index.ts'), 'utf8'), /NativeTether\.installRustCrate\(\)/);
});

test('nothing from development or a build is packed, and no native binary unless placed', () => {
  const unwanted = packed.paths.filter((file) => FORBIDDEN.some((pattern) => pattern.test(file)));
  assert.deepEqual(unwanted, []);
  const binaries = packed.paths.filter((file) => /\.(so|a|dylib)$/.test(file) || file.includes('.xcframework/'));
  assert.deepEqual(binaries, []);
});

test('the tarball stays small', (t) => {
  t.diagnostic(`packed ${packed.size} bytes, unpacked ${packed.unpackedSize} bytes, ${packed.entryCount} files`);
  assert.ok(packed.size > 10_000, `packed size ${packed.size} is implausibly small`);
  assert.ok(packed.size < MAX_PACKED_BYTES, `packed size ${packed.size} ≥ ${MAX_PACKED_BYTES}`);
  assert.ok(packed.unpackedSize < MAX_UNPACKED_BYTES, `unpacked size ${packed.unpackedSize} ≥ ${MAX_UNPACKED_BYTES}`);
});

test('placed native files are packed', async () => {
  const copy = path.join(scratch, 'placed');
  copyPackage(copy);
  const bundle = path.join(scratch, 'bundle');
  const write = (file, content) => {
    fs.mkdirSync(path.dirname(path.join(bundle, file)), { recursive: true });
    fs.writeFileSync(path.join(bundle, file), content);
  };
  for (const abi of ANDROID_ABIS) write(`android/jniLibs/${abi}/libtether_ffi.so`, abi);
  write('android/kotlin/dev/tether/tether_ffi.kt', 'package dev.tether');
  write('ios/TetherFFI.xcframework/Info.plist', '<plist/>');
  write('ios/swift/Generated/Tether.swift', '// generated');
  await placeNative({ from: bundle, platform: 'all', abis: ANDROID_ABIS, packageDir: copy });

  const withNative = pack(copy, path.join(scratch, 'placed-out'));
  const expected = [
    ...ANDROID_ABIS.map((abi) => `android/prebuilt/${abi}/libtether_ffi.so`),
    'android/src/main/tether/dev/tether/tether_ffi.kt',
    'ios/TetherFFI.xcframework/Info.plist',
    'ios/tether/Generated/Tether.swift',
  ];
  assert.deepEqual(expected.filter((file) => !withNative.paths.includes(file)), []);
});
