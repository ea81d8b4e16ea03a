import { StyleSheet, View } from 'react-native';

export function ProgressBar({ percent }: { percent: number }) {
  const width = `${Math.max(0, Math.min(100, percent))}%` as const;
  return (
    <View style={styles.track}>
      <View style={[styles.fill, { width }]} />
    </View>
  );
}

const styles = StyleSheet.create({
  track: { height: 6, borderRadius: 3, backgroundColor: '#e3e3e3', overflow: 'hidden' },
  fill: { height: 6, backgroundColor: '#2f7d32' },
});
