import { useMemo, useSyncExternalStore } from 'react';
import type { Tether } from '../client';
import type { ConnectionState } from '../state';
import type { ListSnapshot } from '../stores/list';
import { viewJson, type ListView } from '../views';
import { useTether } from './context';

/** The connection state; re-renders on each transition. */
export function useConnectionState(client?: Tether): ConnectionState {
  const tether = useTether(client);
  const read = () => tether.state;
  return useSyncExternalStore(tether.subscribeState, read, read);
}

/**
 * The list behind `view`, kept up to date by the core (filtered, sorted, merged there). The
 * view may be rebuilt on every render: equal views share one store.
 */
export function useTetherList<T = unknown>(view: ListView, client?: Tether): ListSnapshot<T> {
  const tether = useTether(client);
  const key = viewJson(view);
  // `key` stands for `view`: a new object with the same content must not make a new store.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const store = useMemo(() => tether.list<T>(view), [tether, key]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/** One entity's value, `undefined` while it does not exist. */
export function useTetherEntity<T = unknown>(
  kind: string,
  id: string,
  client?: Tether,
): T | undefined {
  const tether = useTether(client);
  const store = useMemo(() => tether.entity<T>(kind, id), [tether, kind, id]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
