/**
 * The TanStack Query adapter (`@tether-sync/react-native/tanstack`): the core's batches, already
 * merged, become query data (or invalidations), so screens written with `useQuery` go live
 * without changes.
 */
import type { QueryClient, QueryKey } from '@tanstack/query-core';
import type { Tether } from './client';
import { KeyMap, type DetailKeys, type ViewBinding } from './tanstack/keys';
import { invalidateViews } from './tanstack/invalidate';
import { followObservedDetails } from './tanstack/observed';
import { routeRefetchesThroughCore, type FetchedShapes } from './tanstack/refetch';
import { writeViews } from './tanstack/write';

export type { DetailKeys, ViewBinding } from './tanstack/keys';
export type { FetchedShape, FetchedShapes } from './tanstack/refetch';

export interface QueryClientBinding {
  /** List queries, each fed by one core view. Its data is the view's entities, in order. */
  readonly views?: readonly ViewBinding[];
  /** Per entity kind, the detail query key of an entity: `{ session: (id) => ['session', id] }`. */
  readonly details?: DetailKeys;
  /**
   * `write` (default): the stream owns these keys; the core's values are written with
   * `setQueryData`, and the app's own refetches of them go through the core's `hydrate`.
   * `invalidate`: the core's batches only invalidate the keys they touch, and the app's
   * queries refetch (for apps that prefer their server's copy).
   */
  readonly mode?: 'write' | 'invalidate';
  /** Per kind, how to read fetched entities back into the core (write mode's refetches). */
  readonly fetched?: FetchedShapes;
  /** The query key to invalidate when the server says a key is stale (`resync` rules);
   *  default `[key]`, which also matches every key that starts with it. */
  readonly resyncKey?: (key: string) => QueryKey;
}

/**
 * Connects `queryClient` to `tether`. Resync signals invalidate the query they name; a
 * discontinuity (events the core could not get back) invalidates every connected key.
 * @returns a function that disconnects; the data written stays in the cache.
 */
export function connectQueryClient(
  queryClient: QueryClient,
  tether: Tether,
  binding: QueryClientBinding,
): () => void {
  const views = binding.views ?? [];
  const details = binding.details ?? {};
  const keys = new KeyMap(views, details);
  const resyncKey = binding.resyncKey ?? ((key: string) => [key]);
  const stops: (() => void)[] = [];

  if (binding.mode === 'invalidate') {
    stops.push(invalidateViews(queryClient, tether, views, details));
    stops.push(
      followObservedDetails(queryClient, tether, keys, (key, _kind, _id, _value, first) => {
        if (!first) void queryClient.invalidateQueries({ queryKey: key, exact: true });
      }),
    );
  } else {
    stops.push(writeViews(queryClient, tether, views, details));
    stops.push(
      followObservedDetails(queryClient, tether, keys, (key, _kind, _id, value, first) => {
        if (value !== undefined) queryClient.setQueryData(key, value);
        // Absent at first: not received yet, the app's own fetch fills it (through hydrate).
        else if (!first) queryClient.removeQueries({ queryKey: key, exact: true });
      }),
    );
    stops.push(routeRefetchesThroughCore(queryClient, tether, keys, binding.fetched ?? {}));
  }

  stops.push(
    tether.subscribeSignals((signal) => {
      if (signal.type === 'resync') {
        void queryClient.invalidateQueries({ queryKey: resyncKey(signal.key) });
      } else if (signal.type === 'discontinuity') {
        void queryClient.invalidateQueries({ predicate: (query) => keys.bindingOf(query) !== undefined });
      }
    }),
  );

  return () => {
    for (const stop of stops.splice(0)) stop();
  };
}
