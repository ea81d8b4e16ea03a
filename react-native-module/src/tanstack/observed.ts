import type { Query, QueryClient, QueryKey } from '@tanstack/query-core';
import type { Tether } from '../client';
import type { KeyMap } from './keys';

/** Called with an observed detail query's entity: first its value at once, then each change
 *  (`undefined`: the core no longer holds it). */
export type EntityChange = (key: QueryKey, kind: string, id: string, value: unknown, first: boolean) => void;

/**
 * Follows the entity behind every detail query that a screen is showing (one with observers),
 * so the query follows the entity even when it is in no connected view (a completed session
 * on a screen of active ones). Unobserved detail queries cost no watcher.
 */
export function followObservedDetails(
  queryClient: QueryClient,
  tether: Tether,
  keys: KeyMap,
  onChange: EntityChange,
): () => void {
  const cache = queryClient.getQueryCache();
  const following = new Map<string, () => void>();

  const follow = (query: Query) => {
    if (query.getObserversCount() === 0 || following.has(query.queryHash)) return;
    const binding = keys.bindingOf(query);
    if (binding?.type !== 'detail') return;
    const { kind, id } = binding;
    const key = query.queryKey;
    const store = tether.entity(kind, id);
    let first = true;
    const deliver = () => {
      onChange(key, kind, id, store.getSnapshot(), first);
      first = false;
    };
    following.set(query.queryHash, store.subscribe(deliver));
    deliver();
  };
  const unfollow = (query: Query) => {
    following.get(query.queryHash)?.();
    following.delete(query.queryHash);
  };

  for (const query of cache.getAll()) follow(query);
  const unsubscribe = cache.subscribe((event) => {
    if (event.type === 'observerAdded') follow(event.query);
    else if (event.type === 'observerRemoved' && event.query.getObserversCount() === 0) unfollow(event.query);
    else if (event.type === 'removed') unfollow(event.query);
  });
  return () => {
    unsubscribe();
    for (const stop of following.values()) stop();
    following.clear();
  };
}
