import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { attachTether, TetherConfigError, type Tether } from '../../src';
import { Events, openClient, SESSIONS, type Session } from './support/sessions';
import { SseServer } from './support/sse-server';
import { snapshotWhere, until } from './support/wait';

let server: SseServer;
let events: Events;
const clients: Tether[] = [];
const keep = (client: Tether) => {
  clients.push(client);
  return client;
};

beforeEach(async () => {
  server = await SseServer.start();
  events = new Events();
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server.close();
});

test('opening a name that is already open attaches to that instance: one connection, one cache', async () => {
  const screens = keep(openClient(server.url, { instanceName: 'shared-one' }));
  const js = keep(openClient(server.url, { instanceName: 'shared-one' }));
  server.publish(events.created('s-1'));
  await snapshotWhere(js.list<Session>(SESSIONS), (s) => s.items.length === 1, 'the session in JS');
  await server.waitFor(() => server.openStreams === 1, 'one stream');
  assert.equal(server.requests.length, 1, 'the second open made no connection of its own');

  // What one user writes, the other reads: it is the same core client.
  screens.hydrate('note', [{ id: 'n1', value: { text: 'from native' } }]);
  assert.deepEqual(js.get('note', 'n1'), { text: 'from native' });
  assert.equal(js.stats().received, screens.stats().received);
});

test('attachTether finds an open instance by name, and nothing once it is closed', async () => {
  assert.equal(attachTether('shared-two'), undefined);
  const owner = keep(openClient(server.url, { instanceName: 'shared-two' }));
  server.publish(events.created('s-1'));
  const attached = keep(attachTether('shared-two')!);
  assert.ok(attached, 'found');
  const list = await snapshotWhere(attached.list<Session>(SESSIONS), (s) => s.items.length === 1, 'the session');
  assert.equal(list.items[0]!.id, 's-1');

  // Detaching stops only this object's stores; the instance keeps running for its owner.
  attached.detach();
  assert.equal(owner.isClosed, false);
  server.publish(events.created('s-2'));
  await snapshotWhere(owner.list<Session>(SESSIONS), (s) => s.items.length === 2, 'the owner still live');

  owner.close();
  assert.equal(attachTether('shared-two'), undefined);
});

test('a second open of a name with another URL is a config error', async () => {
  keep(openClient(server.url, { instanceName: 'shared-three' }));
  const other = await SseServer.start();
  try {
    assert.throws(() => keep(openClient(other.url, { instanceName: 'shared-three' })), TetherConfigError);
  } finally {
    await other.close();
  }
});

test('closing a shared instance closes it for every user of the name', async () => {
  const first = keep(openClient(server.url, { instanceName: 'shared-four' }));
  const second = keep(openClient(server.url, { instanceName: 'shared-four' }));
  await until(() => second.state.phase === 'open', second.subscribeState, 'open');
  first.close();
  await until(() => second.state.phase === 'closed', second.subscribeState, 'closed for the other user');
});
