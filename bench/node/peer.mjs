// Peer (b) of core/benches/sync.rs: what a React Native app does with a live stream today, on
// Node. npm `eventsource` receives the events, `JSON.parse` reads each envelope, and TanStack
// Query's `QueryClient.setQueryData` keeps a detail key ['session', id] and a list key
// ['sessions'] up to date (the list item replaced immutably, as apps do), default options
// (structural sharing on).
//
//   node bench/node/peer.mjs <url> <events>
//
// Prints one line, read by the bench:
//   node-peer events=<n> seconds=<s> events_per_s=<rate> sessions=<list length>
// Timed from the `open` event (response headers received) to the n-th event processed.
// Exits 1 on a stream error before n events.

import { EventSource } from 'eventsource';
import { QueryClient } from '@tanstack/query-core';

const [url, countArg] = process.argv.slice(2);
const expected = Number(countArg);
if (!url || !Number.isInteger(expected) || expected <= 0) {
  console.error('usage: node peer.mjs <url> <events>');
  process.exit(2);
}

const queryClient = new QueryClient();
const LIST = ['sessions'];
let received = 0;
let start = 0n;

function apply(envelope) {
  const data = envelope.data;
  const id = data.sessionId;
  switch (envelope.type) {
    case 'session.created': {
      // Same fields as the rules' `set` in tests/fixtures/sync/sessions.rules.json.
      const session = { ...data, status: 'active', progress: 0 };
      queryClient.setQueryData(['session', id], session);
      queryClient.setQueryData(LIST, (old = []) => [...old, session]);
      break;
    }
    case 'session.updated': {
      const patch = { ...data.updates, updatedAt: data.updatedAt };
      queryClient.setQueryData(['session', id], (old) => ({ ...old, ...patch }));
      queryClient.setQueryData(LIST, (old = []) =>
        old.map((s) => (s.sessionId === id ? { ...s, ...patch } : s)),
      );
      break;
    }
    default:
      break;
  }
}

const source = new EventSource(url);
source.onopen = () => {
  start = process.hrtime.bigint();
};
source.onmessage = (event) => {
  apply(JSON.parse(event.data));
  received += 1;
  if (received === expected) {
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const sessions = (queryClient.getQueryData(LIST) ?? []).length;
    source.close();
    console.log(
      `node-peer events=${received} seconds=${seconds.toFixed(6)} ` +
        `events_per_s=${(received / seconds).toFixed(0)} sessions=${sessions}`,
    );
    process.exit(0);
  }
};
source.onerror = (error) => {
  console.error(`node-peer: stream error after ${received} events: ${error.message ?? error}`);
  process.exit(1);
};
