import { useState } from 'react';
import { SafeAreaView, StyleSheet } from 'react-native';
import { createTether, TetherProvider, type Tether } from '@tether-sync/react-native';
import { tetherConfig } from './src/backend';
import { ConnectionBanner } from './src/ConnectionBanner';
import { SessionDetail } from './src/SessionDetail';
import { SessionList } from './src/SessionList';

export default function App() {
  // One client for the app's life (the root never unmounts); the native module's observers
  // take it to background and back, JS does nothing for that.
  const [tether] = useState<Tether>(() => createTether(tetherConfig));
  const [openId, setOpenId] = useState<string | undefined>();

  return (
    <TetherProvider client={tether}>
      <SafeAreaView style={styles.app}>
        <ConnectionBanner />
        {openId === undefined ? (
          <SessionList onOpen={setOpenId} />
        ) : (
          <SessionDetail id={openId} onBack={() => setOpenId(undefined)} />
        )}
      </SafeAreaView>
    </TetherProvider>
  );
}

const styles = StyleSheet.create({
  app: { flex: 1, backgroundColor: 'white' },
});
