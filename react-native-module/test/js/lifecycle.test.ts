import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { setProcessAppState, setProcessNetwork, type ConnectionState, type Tether } from '../../src';
import { Events, openClient, SESSIONS, type Session } from './support/sessions';
import { SseServer } from './support/sse-server';
import { snapshotWhere, until } from './support/wait';

let server: SseServer;
let events: Events;
let tether: Tether | undefined;

const inState = (client: Tether, predicate: (state: ConnectionState) => boolean, what: string) =>
  until(() => predicate(client.state), client.subscribeState, what);

beforeEach(async () => {
  server = await SseServer.start();
  events = new Events();
});

afterEach(async () => {
  tether?.close();
  tether = undefined;
  // The process signals outlive a test: leave them as a fresh process has them.
  setProcessAppState('foreground');
  setProcessNetwork('online');
  await server.close();
});

test('background closes the socket; foreground resumes with the events missed meanwhile', async () => {
  tether = openClient(server.url, { followProcessSignals: true, backgroundGraceMs: 0 });
  const sessions = tether.list<Session>(SESSIONS);
  for (const id of ['s-1', 's-2', 's-3']) server.publish(events.created(id));
  await snapshotWhere(sessions, (s) => s.items.length === 3, 'three sessions');
  await inState(tether, (s) => s.phase === 'open', 'open');

  setProcessAppState('background');
  await inState(
    tether,
    (s) => s.phase === 'suspended' && s.reason === 'background',
    'suspended in background',
  );
  await server.waitFor(() => server.openStreams === 0, 'the socket to close');
  const eventsBefore = tether.metrics().events;

  // Published while nobody is connected: only the server's log has them.
  for (const id of ['s-4', 's-5', 's-6']) server.publish(events.created(id));
  assert.equal(sessions.getSnapshot().items.length, 3);
  assert.equal(tether.lastEventId(), 'evt-3');

  setProcessAppState('foreground');
  const all = await snapshotWhere(sessions, (s) => s.items.length === 6, 'the missed sessions');
  assert.deepEqual(
    all.items.map((item) => item.id),
    ['s-1', 's-2', 's-3', 's-4', 's-5', 's-6'],
  );
  assert.equal(server.requests.at(-1)?.lastEventId, 'evt-3', 'resumed from the last event');
  assert.equal(tether.metrics().events, eventsBefore + 3, 'only the missed events were sent');
  assert.equal(tether.stats().duplicateIds, 0);
});

test('a client that ignores process signals stays connected in background', async () => {
  tether = openClient(server.url, { followProcessSignals: false, backgroundGraceMs: 0 });
  const follower = openClient(server.url, { followProcessSignals: true, backgroundGraceMs: 0 });
  try {
    await inState(tether, (s) => s.phase === 'open', 'open');
    await inState(follower, (s) => s.phase === 'open', 'the follower open');
    setProcessAppState('background');
    await inState(follower, (s) => s.phase === 'suspended', 'the follower suspended');
    assert.equal(tether.state.phase, 'open');
    server.publish(events.created('s-live'));
    await snapshotWhere(tether.list<Session>(SESSIONS), (s) => s.items.length === 1, 'the event');
  } finally {
    follower.close();
  }
});

test('offline parks the connection and online resumes it at once', async () => {
  tether = openClient(server.url, { followProcessSignals: true });
  const sessions = tether.list<Session>(SESSIONS);
  server.publish(events.created('s-1'));
  await snapshotWhere(sessions, (s) => s.items.length === 1, 'the first session');

  setProcessNetwork('offline');
  await inState(tether, (s) => s.phase === 'suspended' && s.reason === 'offline', 'offline');
  await server.waitFor(() => server.openStreams === 0, 'the socket to close');
  server.publish(events.created('s-2'));

  setProcessNetwork('online');
  await snapshotWhere(sessions, (s) => s.items.length === 2, 'the session sent while offline');
  assert.equal(server.requests.at(-1)?.lastEventId, 'evt-1');
});

test('a dropped stream resumes from the last event id without loss or duplicates', async () => {
  tether = openClient(server.url);
  const sessions = tether.list<Session>(SESSIONS);
  for (const id of ['s-1', 's-2']) server.publish(events.created(id));
  await snapshotWhere(sessions, (s) => s.items.length === 2, 'two sessions');

  server.drop();
  server.publish(events.created('s-3')); // lands in the log while the client is reconnecting
  const resumed = await server.waitFor(
    () => server.requests.find((r) => r.lastEventId === 'evt-2'),
    'a request resuming from evt-2',
  );
  assert.equal(resumed.status, 200);
  server.publish(events.created('s-4'));
  const all = await snapshotWhere(sessions, (s) => s.items.length === 4, 'four sessions');
  assert.deepEqual(all.items.map((item) => item.id), ['s-1', 's-2', 's-3', 's-4']);
  assert.equal(tether.stats().duplicateIds, 0);
  assert.equal(tether.metrics().connects, 2);
});
