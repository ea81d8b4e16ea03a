'use strict';
/**
 * Pure manifest edit: ensures `<uses-permission android:name="…"/>` entries exist in a parsed
 * AndroidManifest (the xml2js shape @expo/config-plugins uses: `manifest['uses-permission']`
 * is an array of `{ $: { 'android:name': … } }`). Never duplicates, never removes or reorders
 * what is there, returns the same manifest object.
 */

/** What the Tether core needs on Android: the SSE socket and the default-network observer. */
const TETHER_ANDROID_PERMISSIONS = Object.freeze([
  'android.permission.INTERNET',
  'android.permission.ACCESS_NETWORK_STATE',
]);

class ManifestShapeError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ManifestShapeError';
  }
}

function ensureUsesPermissions(androidManifest, permissions) {
  const manifest = androidManifest && androidManifest.manifest;
  if (manifest === null || typeof manifest !== 'object') {
    throw new ManifestShapeError('AndroidManifest has no <manifest> element');
  }
  const existing = manifest['uses-permission'];
  if (existing !== undefined && !Array.isArray(existing)) {
    throw new ManifestShapeError('<uses-permission> entries are not a list');
  }
  const entries = existing ?? [];
  const present = new Set(entries.map((entry) => entry?.$?.['android:name']).filter(Boolean));
  for (const permission of permissions) {
    if (present.has(permission)) continue;
    entries.push({ $: { 'android:name': permission } });
    present.add(permission);
  }
  manifest['uses-permission'] = entries;
  return androidManifest;
}

module.exports = { TETHER_ANDROID_PERMISSIONS, ManifestShapeError, ensureUsesPermissions };
