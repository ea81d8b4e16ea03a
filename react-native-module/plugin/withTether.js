'use strict';
/**
 * Expo config plugin for @tether-sync/react-native (`"plugins": ["@tether-sync/react-native"]`).
 *
 * Android: adds INTERNET and ACCESS_NETWORK_STATE to the app's manifest (idempotent). The
 * library's own manifest declares them too; the plugin keeps them in the prebuilt app even
 * when the app's manifest merging is customised.
 *
 * iOS: nothing to add. The core closes the socket in the background and resumes in the
 * foreground, so no background mode is needed, and plain HTTPS needs no Info.plist key.
 */
const { createRunOncePlugin, withAndroidManifest } = require('@expo/config-plugins');

const { TETHER_ANDROID_PERMISSIONS, ensureUsesPermissions } = require('./androidPermissions');
const pkg = require('../package.json');

const withTetherAndroid = (config) =>
  withAndroidManifest(config, (modConfig) => {
    ensureUsesPermissions(modConfig.modResults, TETHER_ANDROID_PERMISSIONS);
    return modConfig;
  });

const withTether = (config) => withTetherAndroid(config);

module.exports = createRunOncePlugin(withTether, pkg.name, pkg.version);
