import { Pressable, StyleSheet, Text, View } from 'react-native';
import { useTetherEntity } from '@tether-sync/react-native';
import type { Session } from './backend';
import { ProgressBar } from './ProgressBar';

export function SessionDetail({ id, onBack }: { id: string; onBack: () => void }) {
  const session = useTetherEntity<Session>('session', id);
  return (
    <View style={styles.screen}>
      <Pressable onPress={onBack}>
        <Text style={styles.back}>‹ Sessions</Text>
      </Pressable>
      {session ? (
        <>
          <Text style={styles.title}>{session.metadata?.title ?? session.sessionId}</Text>
          <Text>Status: {session.status}</Text>
          <Text>Duration: {session.duration ?? 0} s</Text>
          <ProgressBar percent={session.progress} />
          {session.completedAt ? <Text>Completed {session.completedAt}</Text> : null}
        </>
      ) : (
        // Deleted on the server (or not received yet): the core holds no such session.
        <Text style={styles.gone}>This session no longer exists.</Text>
      )}
    </View>
  );
}

const styles = StyleSheet.create({
  screen: { padding: 16, gap: 12 },
  back: { color: '#1565c0', fontSize: 16 },
  title: { fontSize: 22, fontWeight: '700' },
  gone: { color: '#666' },
});
