import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import {
  TetherClosedError,
  TetherConfigError,
  TetherRulesError,
  TetherTokenError,
  type ListSnapshot,
  type SyncSignal,
  type Tether,
} from '../../src';
import { Events, openClient, SESSIONS, type Session } from './support/sessions';
import { SseServer } from './support/sse-server';
import { nextEvent, snapshotWhere, until } from './support/wait';

let server: SseServer;
let events: Events;
const clients: Tether[] = [];
const open = (...args: Parameters<typeof openClient>) => {
  const client = openClient(...args);
  clients.push(client);
  return client;
};
const ids = (list: ListSnapshot<Session>) => list.items.map((item) => item.id);

beforeEach(async () => {
  server = await SseServer.start();
  events = new Events();
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server.close();
});

test('the list fills live as the server publishes', async () => {
  const tether = open(server.url);
  const sessions = tether.list<Session>(SESSIONS);
  server.publish(events.created('s-beta'));
  server.publish(events.created('s-alpha'));
  const two = await snapshotWhere(sessions, (s) => s.items.length === 2, 'two sessions');
  assert.deepEqual(ids(two), ['s-alpha', 's-beta'], 'in the view order the core keeps');

  server.publish(events.created('s-gamma'));
  const three = await snapshotWhere(sessions, (s) => s.items.length === 3, 'the third session');
  assert.deepEqual(ids(three), ['s-alpha', 's-beta', 's-gamma']);
  assert.deepEqual(three.added, ['s-gamma'], 'the batch says what it added');
  assert.equal(three.items[2]!.value.status, 'active', 'the rule set the status');
});

test('a partial update reaches JS deep-merged by the core', async () => {
  const tether = open(server.url);
  const sessions = tether.list<Session>(SESSIONS);
  server.publish(events.created('s-alpha', { title: 'Morning run' }));
  server.publish(events.updated('s-alpha', { progress: 50 }));
  const merged = await snapshotWhere(
    sessions,
    (s) => s.items[0]?.value.progress === 50,
    'the merged progress',
  );
  assert.deepEqual(merged.items[0]!.value, {
    sessionId: 's-alpha',
    userId: 'user-1',
    title: 'Morning run',
    status: 'active',
    progress: 50,
    updatedAt: new Date(Events.START_MS + 2000).toISOString(),
  });
  assert.deepEqual(tether.get<Session>('session', 's-alpha'), merged.items[0]!.value);
});

test('a delete removes the entity from lists and from its entity store', async () => {
  const tether = open(server.url);
  const sessions = tether.list<Session>(SESSIONS);
  const gamma = tether.entity<Session>('session', 's-gamma');
  server.publish(events.created('s-alpha'));
  server.publish(events.created('s-gamma'));
  await snapshotWhere(gamma, (value) => value?.sessionId === 's-gamma', 'gamma to exist');
  server.publish(events.deleted('s-gamma'));
  const after = await snapshotWhere(sessions, (s) => s.removed.includes('s-gamma'), 'gamma removed');
  assert.deepEqual(ids(after), ['s-alpha']);
  await snapshotWhere(gamma, (value) => value === undefined, 'the entity store to empty');
  assert.equal(tether.get('session', 's-gamma'), undefined);
});

test('snapshots stay the same objects until the core delivers a change', async () => {
  const tether = open(server.url);
  const sessions = tether.list<Session>(SESSIONS);
  server.publish(events.created('s-alpha'));
  server.publish(events.created('s-beta'));
  const first = await snapshotWhere(sessions, (s) => s.items.length === 2, 'two sessions');
  assert.equal(sessions.getSnapshot(), first, 'reading again gives the same snapshot');
  assert.equal(tether.list(SESSIONS), sessions, 'an equal view is the same store');
  assert.equal(tether.list({ sort: [{ path: '/sessionId' }], kind: 'session' }), sessions);

  server.publish(events.updated('s-beta', { progress: 10 }));
  const next = await snapshotWhere(sessions, (s) => s !== first, 'the next batch');
  assert.equal(next.items[0]!.value, first.items[0]!.value, 'an unchanged entity keeps its object');
  assert.notEqual(next.items[1]!.value, first.items[1]!.value);
  assert.equal(next.items[1]!.value.progress, 10);
});

test('the connection state reaches open, and close reports closed and ends the stores', async () => {
  const tether = open(server.url);
  await until(() => tether.state.phase === 'open', tether.subscribeState, 'open');
  const sessions = tether.list<Session>(SESSIONS);
  tether.close();
  assert.deepEqual(tether.state, { phase: 'closed', reason: 'byClient' });
  assert.equal(tether.isClosed, true);
  assert.equal(sessions.isLive, false, 'close stopped the store');
  assert.throws(() => tether.list({ kind: 'other' }), TetherClosedError);
  await server.waitFor(() => server.openStreams === 0, 'the stream to close');
});

test('configuration mistakes are typed errors', () => {
  assert.throws(() => open(server.url, { rules: '{not json' }), TetherRulesError);
  for (const url of ['not a url', 'ftp://example.com/events']) {
    assert.throws(() => open(url), TetherConfigError, url);
  }
  assert.throws(() => open(server.url, { batchWindowMs: -1 }), TetherConfigError);
  assert.throws(() => open(server.url, { maxReconnectAttempts: 1.5 }), TetherConfigError);
  const tether = open(server.url);
  assert.throws(
    () => tether.list({ kind: 'session', sortt: [] } as never),
    (error: unknown) => error instanceof TetherConfigError && error.reason.includes('sortt'),
  );
});

test('a 401 asks getToken to refresh, and the retry streams', async () => {
  server.refuseNext(401, { 'www-authenticate': 'Bearer' });
  server.publish(events.created('s-alpha'));
  const asked: boolean[] = [];
  const tether = open(server.url, {
    getToken: async (refresh) => {
      asked.push(refresh);
      return refresh ? 'fresh-token' : 'stale-token';
    },
  });
  await snapshotWhere(tether.list<Session>(SESSIONS), (s) => s.items.length === 1, 'the session');
  assert.deepEqual(asked.slice(0, 2), [false, true]);
  assert.deepEqual(
    server.requests.slice(0, 2).map((r) => [r.status, r.authorization]),
    [
      [401, 'Bearer stale-token'],
      [200, 'Bearer fresh-token'],
    ],
  );
});

test('a fatal token error fails the connection with its reason', async () => {
  const tether = open(server.url, {
    getToken: async () => {
      throw new TetherTokenError('signed out', { fatal: true });
    },
  });
  const failed = await until(
    () => (tether.state.phase === 'failed' ? tether.state : undefined),
    tether.subscribeState,
    'failed',
  );
  assert.match(failed.error.message, /signed out/);
  assert.equal(server.requests.length, 0, 'no request without a token');
});

test('signals report an event no rule matches', async () => {
  const tether = open(server.url);
  const signal = nextEvent<SyncSignal>(
    (deliver) => tether.subscribeSignals(deliver),
    (s) => s.type === 'unmatched',
    'the unmatched signal',
  );
  // Published after the watcher exists: signals have no current value to replay.
  await until(() => tether.state.phase === 'open', tether.subscribeState, 'open');
  server.publish({ id: 'evt-x', data: { id: 'evt-x', type: 'mystery.happened', timestamp: 1, data: {} } });
  assert.deepEqual(await signal, { type: 'unmatched', eventType: 'message', typeValue: 'mystery.happened' });
  assert.equal(tether.stats().unmatched, 1);
});
