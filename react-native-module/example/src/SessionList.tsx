import { memo } from 'react';
import { FlatList, Pressable, StyleSheet, Text, View } from 'react-native';
import { useTetherList } from '@tether-sync/react-native';
import { SESSIONS_VIEW, type Session } from './backend';
import { ProgressBar } from './ProgressBar';

/** One row. Memoised: the core keeps an unchanged session's object, so only changed rows render. */
const Row = memo(function Row({ session, onOpen }: { session: Session; onOpen: (id: string) => void }) {
  return (
    <Pressable style={styles.row} onPress={() => onOpen(session.sessionId)}>
      <View style={styles.heading}>
        <Text style={styles.title}>{session.metadata?.title ?? session.sessionId}</Text>
        <Text style={styles.status}>{session.status}</Text>
      </View>
      <ProgressBar percent={session.progress} />
    </Pressable>
  );
});

export function SessionList({ onOpen }: { onOpen: (id: string) => void }) {
  const list = useTetherList<Session>(SESSIONS_VIEW);
  return (
    <FlatList
      data={list.values}
      keyExtractor={(session) => session.sessionId}
      renderItem={({ item }) => <Row session={item} onOpen={onOpen} />}
      ListEmptyComponent={<Text style={styles.empty}>No sessions yet</Text>}
    />
  );
}

const styles = StyleSheet.create({
  row: { padding: 16, gap: 8, borderBottomWidth: StyleSheet.hairlineWidth, borderColor: '#ccc' },
  heading: { flexDirection: 'row', justifyContent: 'space-between' },
  title: { fontSize: 16, fontWeight: '600' },
  status: { color: '#666' },
  empty: { padding: 24, textAlign: 'center', color: '#666' },
});
