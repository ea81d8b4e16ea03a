import assert from 'node:assert/strict';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { TetherStorageError, type Tether } from '../../src';
import { writeFileSync } from 'node:fs';
import { Events, openClient, SESSIONS, tempDir, type Session } from './support/sessions';
import { SseServer } from './support/sse-server';
import { snapshotWhere } from './support/wait';

/** Nothing listens on port 1: the client retries in the background and the cache alone is
 *  under test. */
const NOWHERE = 'http://127.0.0.1:1/events';

let server: SseServer;
let events: Events;
let dir: ReturnType<typeof tempDir>;
const clients: Tether[] = [];
const open = (...args: Parameters<typeof openClient>) => {
  const client = openClient(...args);
  clients.push(client);
  return client;
};

beforeEach(async () => {
  server = await SseServer.start();
  events = new Events();
  dir = tempDir();
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server.close();
  dir.remove();
});

test('hydrate feeds the stores, and a fetch older than pushed data is dropped', async () => {
  const tether = open(server.url);
  const sessions = tether.list<Session>(SESSIONS);
  const createdAt = events.nextTimestamp;
  server.publish(events.created('s-1'));
  server.publish(events.updated('s-1', { progress: 50 }));
  await snapshotWhere(sessions, (s) => s.items[0]?.value.progress === 50, 'the pushed progress');

  const report = tether.hydrate<Session>('session', [
    // Fetched before the update was pushed: older than what the core holds.
    { id: 's-1', value: { sessionId: 's-1', progress: 10 }, version: Events.version(createdAt) },
    { id: 's-9', value: { sessionId: 's-9', progress: 90 }, version: Events.version(createdAt) },
  ]);
  assert.deepEqual(report, { applied: 1, stale: 1, tombstoned: 0, rejected: 0 });
  const after = await snapshotWhere(sessions, (s) => s.items.length === 2, 'the hydrated session');
  assert.equal(after.items[0]!.value.progress, 50, 'pushed data wins');
  assert.equal(after.items[1]!.value.progress, 90);
});

test('clear empties the entity store and the lists', async () => {
  const tether = open(server.url);
  const note = tether.entity<{ text: string }>('note', 'n1');
  tether.hydrate('note', [{ id: 'n1', value: { text: 'hi' }, version: 1 }]);
  await snapshotWhere(note, (value) => value?.text === 'hi', 'the hydrated note');
  tether.clear();
  await snapshotWhere(note, (value) => value === undefined, 'the note to go');
  assert.equal(tether.get('note', 'n1'), undefined);
});

test('the cache survives a restart, and logout leaves nothing for the next client', async () => {
  const sqlitePath = path.join(dir.path, 'cache.db');
  const first = open(server.url, { sqlitePath });
  for (const id of ['s-1', 's-2']) server.publish(events.created(id));
  await snapshotWhere(first.list<Session>(SESSIONS), (s) => s.items.length === 2, 'two sessions');
  first.close();

  // A cold start shows the stored state at once, before any connection.
  const second = open(NOWHERE, { sqlitePath });
  assert.equal(second.get<Session>('session', 's-2')?.sessionId, 's-2');
  assert.equal(second.lastEventId(), 'evt-2');
  const stored = second.list<Session>(SESSIONS).getSnapshot();
  assert.equal(stored.items.length, 2, 'the stored list, read at once');
  second.logout();
  assert.equal(second.isClosed, true);
  assert.equal(second.state.phase, 'closed');

  const third = open(NOWHERE, { sqlitePath });
  assert.equal(third.get('session', 's-1'), undefined);
  assert.equal(third.lastEventId(), '');
  const empty = third.list<Session>(SESSIONS).getSnapshot();
  assert.equal(empty.items.length, 0);
  assert.equal(third.stats().appliedTotal, 0);
});

test('an unreadable cache file is a storage error unless recovery is asked for', () => {
  const sqlitePath = path.join(dir.path, 'corrupt.db');
  writeFileSync(sqlitePath, Buffer.alloc(8192, 0x5a));
  assert.throws(() => open(NOWHERE, { sqlitePath }), TetherStorageError);
  const recovered = open(NOWHERE, { sqlitePath, recoverUnreadableStorage: true });
  assert.equal(recovered.stats().appliedTotal, 0);
});
