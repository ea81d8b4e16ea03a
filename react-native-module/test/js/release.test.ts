import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { afterEach, beforeEach, test } from 'node:test';
import type { Tether } from '../../src';
import { Events, openClient, SESSIONS, type Session } from './support/sessions';
import { SseServer } from './support/sse-server';
import { snapshotWhere } from './support/wait';

/*
 * Every listener call from the core runs on the JS thread while a core thread waits for it.
 * These tests stop watchers and close clients while such calls are queued: a stop that waited
 * for them would wait for itself, and the test would hang (the script's per-file timeout then
 * reports it).
 */

let server: SseServer;
let events: Events;
let tether: Tether | undefined;

beforeEach(async () => {
  server = await SseServer.start();
  events = new Events();
});

afterEach(async () => {
  tether?.close();
  tether = undefined;
  await server.close();
});

test('stores stop while batches are being delivered, and nothing arrives after', async () => {
  const client = openClient(server.url, { batchWindowMs: 1 });
  tether = client;
  // Sees every session: once it has them all, whatever the core sent has reached JS.
  const all = client.list<Session>(SESSIONS);
  const keepAll = all.subscribe(() => {});
  let published = 0;
  for (let cycle = 0; cycle < 100; cycle += 1) {
    // A new view each cycle, so each cycle starts and stops its own watcher.
    const store = client.list<Session>({ kind: 'session', limit: cycle + 1 });
    let calls = 0;
    const unsubscribe = store.subscribe(() => (calls += 1));
    for (let i = 0; i < 5; i += 1) server.publish(events.created(`s-${(published += 1)}`));
    await snapshotWhere(all, (s) => s.items.length === published, `cycle ${cycle}'s events in the core`);
    // More batches on their way to JS as the store stops.
    for (let i = 0; i < 5; i += 1) server.publish(events.created(`s-${(published += 1)}`));
    unsubscribe();
    store.stop();
    const callsAtStop = calls;
    const snapshotAtStop = store.getSnapshot();
    // Deliveries queued before the stop reach JS now, and must be dropped.
    await snapshotWhere(all, (s) => s.items.length === published, `cycle ${cycle}'s sessions`);
    assert.equal(calls, callsAtStop, `cycle ${cycle}: no listener call after stop`);
    assert.equal(store.getSnapshot(), snapshotAtStop);
  }
  keepAll();
});

test('logout clears and closes while the cleared lists are on their way to JS', async () => {
  const client = openClient(server.url, { batchWindowMs: 1 });
  tether = client;
  const lists = [0, 1, 2, 3].map((n) => client.list<Session>({ kind: 'session', limit: n + 1 }));
  for (let i = 1; i <= 20; i += 1) server.publish(events.created(`s-${i}`));
  await Promise.all(lists.map((list) => snapshotWhere(list, (s) => s.items.length > 0, 'the lists')));
  client.logout();
  assert.equal(client.isClosed, true);
  assert.equal(client.state.phase, 'closed');
});

test('a hundred open, read and close cycles leave no threads behind', async () => {
  server.publish(events.created('s-1'));
  const threads = () => readdirSync('/proc/self/task').length;
  const cycle = async () => {
    const client = openClient(server.url);
    await snapshotWhere(client.list<Session>(SESSIONS), (s) => s.items.length === 1, 'the session');
    client.close();
  };
  for (let i = 0; i < 10; i += 1) await cycle(); // warm-up: the core's runtime, the N-API pool
  const before = threads();
  for (let i = 0; i < 100; i += 1) await cycle();
  const after = threads();
  // The core's runtime has a fixed set of workers; a few blocking-pool threads idle out later.
  assert.ok(after <= before + 4, `threads ${before} -> ${after}`);
});
