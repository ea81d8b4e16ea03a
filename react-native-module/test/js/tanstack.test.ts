import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { notifyManager, QueryClient, QueryObserver, type QueryKey } from '@tanstack/query-core';
import type { Tether } from '../../src';
import { connectQueryClient, type QueryClientBinding } from '../../src/tanstack';
import { ACTIVE, Events, openClient, SESSIONS, type Session } from './support/sessions';
import { SseServer } from './support/sse-server';
import { until } from './support/wait';

/** A session as the app's REST API returns it: with the time it was last changed. */
type Fetched = Session & { changedAtMs: number };

let server: SseServer;
let events: Events;
let tether: Tether;
let queryClient: QueryClient;
let disconnect: () => void = () => {};
const observers: (() => void)[] = [];

const binding: QueryClientBinding = {
  views: [{ key: ['sessions'], view: SESSIONS }],
  details: { session: (id) => ['session', id] },
  fetched: {
    session: {
      id: (value: Fetched) => value.sessionId,
      version: (value: Fetched) => Events.version(value.changedAtMs),
    },
  },
};

/** Waits until the query data under `key` satisfies `predicate`, woken by every cache event. */
function dataWhere<T>(key: QueryKey, predicate: (data: T | undefined) => boolean, what: string) {
  return until(
    () => {
      const data = queryClient.getQueryData<T>(key);
      return predicate(data) ? { data } : undefined;
    },
    (wake) => queryClient.getQueryCache().subscribe(wake),
    what,
  ).then(({ data }) => data);
}

/**
 * A mounted query read the way `useQuery` reads it: notifications batched with
 * `notifyManager.batchCalls`, and the data taken from the observer's current result when the
 * batch is flushed (what a render would show). Every such data is kept.
 */
function observe<T>(key: QueryKey, queryFn: () => Promise<T>, staleTime = Infinity) {
  const observer = new QueryObserver<T>(queryClient, { queryKey: key, queryFn, staleTime, retry: false });
  const results: (T | undefined)[] = [];
  const render = notifyManager.batchCalls(() => results.push(observer.getCurrentResult().data));
  observers.push(observer.subscribe(render));
  return { observer, results };
}

/** Resolves once the observers' batched notifications queued so far have been delivered. */
const notified = () => new Promise<void>((resolve) => notifyManager.schedule(resolve));

beforeEach(async () => {
  server = await SseServer.start();
  events = new Events();
  tether = openClient(server.url);
  queryClient = new QueryClient();
});

afterEach(async () => {
  for (const stop of observers.splice(0)) stop();
  disconnect();
  queryClient.clear();
  tether.close();
  await server.close();
});

test('write mode: list and detail keys follow the core, merges and deletes included', async () => {
  disconnect = connectQueryClient(queryClient, tether, binding);
  server.publish(events.created('s-1'));
  server.publish(events.created('s-2'));
  await dataWhere<Session[]>(['sessions'], (list) => list?.length === 2, 'two sessions');
  assert.equal(queryClient.getQueryData<Session>(['session', 's-2'])?.status, 'active', 'the detail key too');

  server.publish(events.updated('s-1', { progress: 30 }));
  const list = await dataWhere<Session[]>(['sessions'], (l) => l?.[0]?.progress === 30, 'the merge');
  assert.equal(list?.[0]?.userId, 'user-1', 'merged by the core, not replaced');
  assert.deepEqual(queryClient.getQueryData(['session', 's-1']), list?.[0]);

  server.publish(events.deleted('s-2'));
  await dataWhere<Session[]>(['sessions'], (l) => l?.length === 1, 'the delete');
  assert.equal(queryClient.getQueryState(['session', 's-2']), undefined, 'the detail key is gone');
});

test('a shown detail query follows its entity even when it leaves every view', async () => {
  disconnect = connectQueryClient(queryClient, tether, {
    ...binding,
    views: [{ key: ['sessions', 'active'], view: ACTIVE }],
  });
  server.publish(events.created('s-1'));
  await dataWhere<Session[]>(['sessions', 'active'], (l) => l?.length === 1, 'the active session');
  const detail = observe<Session>(['session', 's-1'], () => Promise.reject(new Error('no fetch expected')));

  server.publish(events.completed('s-1', { progress: 100 }));
  await dataWhere<Session[]>(['sessions', 'active'], (l) => l?.length === 0, 'it to leave the view');
  const done = await dataWhere<Session>(['session', 's-1'], (s) => s?.status === 'completed', 'the completion');
  assert.equal(done?.progress, 100);
  await notified();
  assert.equal(detail.results.at(-1)?.status, 'completed', 'the screen was told');
});

test('a refetch older than pushed data never shows: it goes through hydrate and loses', async () => {
  disconnect = connectQueryClient(queryClient, tether, binding);
  // The server's REST copy, read before anything below was pushed: progress 10, and a session
  // the stream has not sent.
  const readAt = events.nextTimestamp - 500;
  const restCopy: Fetched[] = [
    { sessionId: 's-1', progress: 10, changedAtMs: readAt },
    { sessionId: 's-9', progress: 90, changedAtMs: readAt },
  ];
  server.publish(events.created('s-1'));
  await dataWhere<Session[]>(['sessions'], (l) => l?.length === 1, 'the pushed session');
  // Screens mount with the stream's data (fresh: no fetch on mount).
  const list = observe<Fetched[]>(['sessions'], async () => restCopy);
  const detail = observe<Fetched>(['session', 's-1'], async () => restCopy[0]!);
  server.publish(events.updated('s-1', { progress: 50 }));
  await dataWhere<Session[]>(['sessions'], (l) => l?.[0]?.progress === 50, 'the pushed progress');

  // A background refetch (focus, reconnect, an interval) resolves with the older copy.
  await list.observer.refetch();
  await detail.observer.refetch();
  const merged = await dataWhere<Session[]>(['sessions'], (l) => l?.length === 2, 'the fetched s-9');
  assert.equal(merged?.[0]?.progress, 50, 'pushed data kept');
  assert.equal(merged?.[1]?.progress, 90, 'what only the fetch had joined through the core');
  assert.equal(queryClient.getQueryData<Session>(['session', 's-1'])?.progress, 50);
  await notified();
  const stale = (data: unknown) => JSON.stringify(data ?? null).includes('"progress":10');
  assert.ok(!list.results.some(stale), 'the list screen never saw the stale copy');
  assert.ok(!detail.results.some(stale), 'the detail screen never saw the stale copy');
  assert.ok(list.results.length > 0 && detail.results.length > 0, 'both screens were told results');
});

test('invalidate mode: a batch invalidates the keys it touched and the app refetches', async () => {
  disconnect = connectQueryClient(queryClient, tether, { ...binding, mode: 'invalidate' });
  let fetches = 0;
  const rest: Session[] = [{ sessionId: 'from-rest' }];
  const list = observe<Session[]>(['sessions'], async () => {
    fetches += 1;
    return rest;
  });
  await until(() => fetches === 1, (wake) => queryClient.getQueryCache().subscribe(wake), 'the first fetch');
  server.publish(events.created('s-1'));
  await until(() => fetches === 2, (wake) => queryClient.getQueryCache().subscribe(wake), 'the refetch');
  await dataWhere<Session[]>(['sessions'], (l) => l === rest, "the app's own data");
  assert.equal(list.results.at(-1), rest, 'invalidate mode never writes the core value');
  assert.equal(queryClient.getQueryData(['session', 's-1']), undefined, 'nor a detail');
});

test('a resync signal invalidates the key it names; a discontinuity every connected key', async () => {
  disconnect = connectQueryClient(queryClient, tether, binding);
  let agreementFetches = 0;
  observe(['agreements', 'list'], async () => ++agreementFetches);
  let listFetches = 0;
  observe(['sessions'], async () => {
    listFetches += 1;
    return [] as Session[];
  });
  const cache = (wake: () => void) => queryClient.getQueryCache().subscribe(wake);
  await until(() => agreementFetches === 1, cache, 'the first fetch');
  assert.equal(listFetches, 0, 'the stream wrote the sessions key when it connected: nothing to fetch');

  server.publish({ id: 'evt-r1', event: 'resync', data: { key: 'agreements' } });
  await until(() => agreementFetches === 2, cache, 'the agreements refetch');
  assert.equal(listFetches, 0, 'other keys untouched');

  server.publish({ id: 'evt-r2', event: 'resync', data: { key: '*' } });
  await until(() => listFetches === 1, cache, 'the sessions refetch after a discontinuity');
});

test('disconnecting stops the writes', async () => {
  disconnect = connectQueryClient(queryClient, tether, binding);
  const sessions = tether.list<Session>(SESSIONS);
  server.publish(events.created('s-1'));
  await dataWhere<Session[]>(['sessions'], (l) => l?.length === 1, 'the session');
  disconnect();
  server.publish(events.created('s-2'));
  await until(() => sessions.getSnapshot().items.length === 2, sessions.subscribe, 'the core to have it');
  assert.equal(queryClient.getQueryData<Session[]>(['sessions'])?.length, 1);
});
