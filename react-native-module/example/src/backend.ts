import { Platform } from 'react-native';
import type { TetherConfig } from '@tether-sync/react-native';

/**
 * The demo backend: `tether serve` on the development machine (port 8787, the built-in sessions
 * story). The Android emulator reaches the host's loopback as 10.0.2.2; on a device, replace it
 * with the machine's address.
 */
const host = Platform.OS === 'android' ? '10.0.2.2' : '127.0.0.1';

/** The rules for the seeds' typed envelopes (`{id, type, timestamp, data}`). */
const rules = {
  version: 1,
  rules: [
    { match: { type: 'session.created' }, op: 'upsert', kind: 'session', id: '/data/sessionId',
      payload: '/data', set: { status: 'active', progress: 0 },
      version: '/timestamp', version_format: 'epoch_ms', dedup_id: '/id' },
    { match: { type: 'session.updated' }, op: 'merge', kind: 'session', id: '/data/sessionId',
      payload: '/data/updates', set_from: { updatedAt: '/data/updatedAt' },
      version: '/timestamp', version_format: 'epoch_ms', dedup_id: '/id' },
    { match: { type: 'session.completed' }, op: 'merge', kind: 'session', id: '/data/sessionId',
      payload: '/data/summary', set: { status: 'completed', progress: 100 },
      set_from: { completedAt: '/data/completedAt' },
      version: '/timestamp', version_format: 'epoch_ms', dedup_id: '/id' },
    { match: { type: 'session.deleted' }, op: 'delete', kind: 'session', id: '/data/sessionId',
      version: '/timestamp', version_format: 'epoch_ms', dedup_id: '/id' },
    { match: { type: 'heartbeat' }, op: 'heartbeat' },
  ],
};

export const tetherConfig: TetherConfig = {
  url: `http://${host}:8787/events`,
  rules,
  // Shared with native screens of the same app, if it has any.
  instanceName: 'sessions',
};

/** A session as the rules store it. */
export interface Session {
  sessionId: string;
  userId: string;
  status: 'active' | 'paused' | 'completed';
  progress: number;
  duration?: number;
  metadata?: { title?: string };
  completedAt?: string;
}

export const SESSIONS_VIEW = {
  kind: 'session',
  sort: [{ path: '/status' }, { path: '/sessionId' }],
} as const;
