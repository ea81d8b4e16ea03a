import { StyleSheet, Text, View } from 'react-native';
import { useConnectionState, type ConnectionState } from '@tether-sync/react-native';

function describe(state: ConnectionState): { text: string; color: string } | undefined {
  switch (state.phase) {
    case 'open':
      return undefined; // live: nothing to say
    case 'idle':
    case 'connecting':
      return { text: 'Connecting…', color: '#8a6d00' };
    case 'reconnecting':
      return { text: `Reconnecting in ${Math.ceil(state.delayMs / 1000)} s`, color: '#8a6d00' };
    case 'suspended':
      return state.reason === 'offline'
        ? { text: 'Offline: showing saved data', color: '#555' }
        : undefined; // in background nobody sees the banner
    case 'closed':
      return { text: 'Disconnected', color: '#555' };
    case 'failed':
      return { text: `Cannot connect (${state.error.kind})`, color: '#a00' };
  }
}

/** A strip above the list while the data is not live. */
export function ConnectionBanner() {
  const banner = describe(useConnectionState());
  if (!banner) return null;
  return (
    <View style={[styles.banner, { backgroundColor: banner.color }]}>
      <Text style={styles.text}>{banner.text}</Text>
    </View>
  );
}

const styles = StyleSheet.create({
  banner: { paddingVertical: 6, paddingHorizontal: 12 },
  text: { color: 'white', fontWeight: '600' },
});
