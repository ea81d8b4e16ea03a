'use strict';
// The Expo config plugin: the pure manifest edit, then the whole plugin through
// @expo/config-plugins' mod compiler on a sample project's AndroidManifest.xml.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const test = require('node:test');

const { AndroidConfig, compileModsAsync } = require('@expo/config-plugins');

const withTether = require('../../app.plugin.js');
const {
  ManifestShapeError,
  TETHER_ANDROID_PERMISSIONS,
  ensureUsesPermissions,
} = require('../../plugin/androidPermissions');

const SAMPLE_MANIFEST = `<manifest xmlns:android="http://schemas.android.com/apk/res/android">
  <uses-permission android:name="android.permission.CAMERA"/>
  <uses-permission android:name="android.permission.INTERNET"/>
  <application android:name=".MainApplication" android:label="@string/app_name">
    <activity android:name=".MainActivity" android:exported="true"/>
  </application>
</manifest>
`;

const names = (manifest) =>
  (manifest.manifest['uses-permission'] ?? []).map((entry) => entry.$['android:name']);

const count = (list, value) => list.filter((item) => item === value).length;

test('adds INTERNET and ACCESS_NETWORK_STATE to a manifest without permissions', () => {
  const manifest = { manifest: { $: {}, application: [] } };
  ensureUsesPermissions(manifest, TETHER_ANDROID_PERMISSIONS);
  assert.deepEqual(names(manifest), [
    'android.permission.INTERNET',
    'android.permission.ACCESS_NETWORK_STATE',
  ]);
});

test('never duplicates and keeps the permissions already there, in order', () => {
  const manifest = {
    manifest: {
      'uses-permission': [
        { $: { 'android:name': 'android.permission.CAMERA' } },
        { $: { 'android:name': 'android.permission.INTERNET' } },
      ],
    },
  };
  ensureUsesPermissions(manifest, TETHER_ANDROID_PERMISSIONS);
  ensureUsesPermissions(manifest, TETHER_ANDROID_PERMISSIONS);
  assert.deepEqual(names(manifest), [
    'android.permission.CAMERA',
    'android.permission.INTERNET',
    'android.permission.ACCESS_NETWORK_STATE',
  ]);
});

test('a manifest without a <manifest> element is a typed error', () => {
  assert.throws(() => ensureUsesPermissions({}, TETHER_ANDROID_PERMISSIONS), ManifestShapeError);
  assert.throws(
    () => ensureUsesPermissions({ manifest: { 'uses-permission': {} } }, TETHER_ANDROID_PERMISSIONS),
    ManifestShapeError,
  );
});

async function prebuildAndroid(projectRoot) {
  const config = withTether({ name: 'sample', slug: 'sample', _internal: { projectRoot } });
  await compileModsAsync(config, { projectRoot, platforms: ['android'] });
  const file = path.join(projectRoot, 'android/app/src/main/AndroidManifest.xml');
  return AndroidConfig.Manifest.readAndroidManifestAsync(file);
}

test('the plugin, run by the mod compiler twice, leaves each permission exactly once', async () => {
  const projectRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'tether-plugin-'));
  try {
    const main = path.join(projectRoot, 'android/app/src/main');
    fs.mkdirSync(main, { recursive: true });
    fs.writeFileSync(path.join(main, 'AndroidManifest.xml'), SAMPLE_MANIFEST);
    fs.writeFileSync(path.join(projectRoot, 'package.json'), '{"name":"sample","version":"1.0.0"}');

    for (let run = 1; run <= 2; run += 1) {
      const manifest = await prebuildAndroid(projectRoot);
      const permissions = names(manifest);
      for (const permission of TETHER_ANDROID_PERMISSIONS) {
        assert.equal(count(permissions, permission), 1, `${permission} after run ${run}`);
      }
      assert.equal(count(permissions, 'android.permission.CAMERA'), 1, `CAMERA kept (run ${run})`);
      assert.equal(manifest.manifest.application[0].$['android:name'], '.MainApplication');
    }
  } finally {
    fs.rmSync(projectRoot, { recursive: true, force: true });
  }
});

test('the plugin runs once per config (createRunOncePlugin) and names this package', () => {
  const config = withTether(withTether({ name: 'sample', slug: 'sample' }));
  const history = config._internal?.pluginHistory ?? {};
  assert.ok(history['@tether-sync/react-native'], 'plugin history names the package');
  assert.equal(typeof config.mods.android.manifest, 'function', 'an android manifest mod is registered');
});
