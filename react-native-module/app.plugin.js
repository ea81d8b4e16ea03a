// Expo resolves `"plugins": ["@tether-sync/react-native"]` to this file.
module.exports = require('./plugin/withTether');
