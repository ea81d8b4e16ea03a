import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTether, type Tether, type TetherConfig } from '../../../src';
import type { SseEvent } from './sse-server';

/** The sessions rules the Rust and Kotlin suites use too (typed envelopes, epoch-ms versions). */
export const RULES = readFileSync(
  path.resolve(__dirname, '../../../../tests/fixtures/sync/sessions.rules.json'),
  'utf8',
);

/** Sessions by id, in id order: the view most tests read. */
export const SESSIONS = { kind: 'session', sort: [{ path: '/sessionId' }] } as const;
export const ACTIVE = {
  kind: 'session',
  filter: [{ op: 'eq', path: '/status', value: 'active' }],
  sort: [{ path: '/sessionId' }],
} as const;

export interface Session {
  sessionId: string;
  userId?: string;
  status?: string;
  progress?: number;
  title?: string;
  updatedAt?: string;
  completedAt?: string;
}

/**
 * Builds the seeds' typed envelopes (`{id, type, timestamp, data}`) with ids `evt-1`, `evt-2`, …
 * and timestamps one second apart from a fixed start, so versions are known to the tests.
 */
export class Events {
  private seq = 0;
  static readonly START_MS = 1_700_000_000_000;

  /** The version (epoch ns, as the rules compute it) of the event at `timestampMs`. */
  static version(timestampMs: number): bigint {
    return BigInt(timestampMs) * 1_000_000n;
  }

  /** The timestamp the next event will carry. */
  get nextTimestamp(): number {
    return Events.START_MS + (this.seq + 1) * 1000;
  }

  private envelope(type: string, data: object): SseEvent {
    this.seq += 1;
    const id = `evt-${this.seq}`;
    return { id, data: { id, type, timestamp: Events.START_MS + this.seq * 1000, data } };
  }

  created(sessionId: string, extra: object = {}): SseEvent {
    return this.envelope('session.created', { sessionId, userId: 'user-1', ...extra });
  }

  updated(sessionId: string, updates: object): SseEvent {
    const updatedAt = new Date(this.nextTimestamp).toISOString();
    return this.envelope('session.updated', { sessionId, updates, updatedAt });
  }

  completed(sessionId: string, summary: object = {}): SseEvent {
    const completedAt = new Date(this.nextTimestamp).toISOString();
    return this.envelope('session.completed', { sessionId, summary, completedAt });
  }

  deleted(sessionId: string): SseEvent {
    return this.envelope('session.deleted', { sessionId });
  }
}

/** A client on `url` with short windows and retries, so tests run fast. It ignores the
 *  process-wide lifecycle signals unless a test asks for them. */
export function openClient(url: string, overrides: Partial<TetherConfig> = {}): Tether {
  return createTether({
    url,
    rules: RULES,
    batchWindowMs: 5,
    initialRetryMs: 100,
    followProcessSignals: false,
    ...overrides,
  });
}

/** A fresh directory for SQLite files; `remove()` deletes it. */
export function tempDir(): { path: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tether-js-'));
  return { path: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
