import type { Query, QueryClient } from '@tanstack/query-core';
import type { HydrateEntity, Tether } from '../client';
import type { KeyMap, ViewBinding } from './keys';

/** How to read one fetched entity back into the core, per kind. */
export interface FetchedShape<T = any> {
  /** The entity's id (needed for list queries, whose data is an array of entities). */
  readonly id: (value: T) => string;
  /** Its version in the unit the rules give pushed events of this kind (nanoseconds for
   *  `epoch_ms`/`rfc3339` rules), so the core drops a fetch older than pushed data. Without
   *  it a fetched entity replaces the stored one. */
  readonly version?: (value: T) => bigint | number | undefined;
}

export type FetchedShapes = Readonly<Record<string, FetchedShape>>;

function entity(shape: FetchedShape | undefined, id: string, value: unknown): HydrateEntity {
  const version = shape?.version?.(value);
  return version === undefined ? { id, value } : { id, value, version };
}

/**
 * Keeps the stream's keys the stream's: when the app's own fetch of a list or detail key that
 * the adapter writes succeeds (a background refetch, a refetch on focus), the fetched entities
 * go to the core's `hydrate`, under the version guard, and the key gets the core's value back
 * at once. The core's change, if the fetch brought anything newer, follows as a batch. So a
 * fetch that started before a push and ended after it never shows its stale copy.
 */
export function routeRefetchesThroughCore(
  queryClient: QueryClient,
  tether: Tether,
  keys: KeyMap,
  shapes: FetchedShapes,
): () => void {
  const restoreList = (data: unknown, { key, view }: ViewBinding) => {
    const shape = shapes[view.kind];
    if (shape && Array.isArray(data)) {
      tether.hydrate(view.kind, data.map((value) => entity(shape, shape.id(value), value)));
    }
    queryClient.setQueryData(key, tether.list(view).getSnapshot().values);
  };

  const restoreDetail = (query: Query, data: unknown, kind: string, id: string) => {
    if (data !== undefined && data !== null) tether.hydrate(kind, [entity(shapes[kind], id, data)]);
    const value = tether.get(kind, id);
    if (value !== undefined) {
      queryClient.setQueryData(query.queryKey, value);
    } else if (query.getObserversCount() === 0) {
      // The core refused it (deleted, not an object). A shown query keeps the fetched data:
      // removing it would make the screen fetch again, and again.
      queryClient.removeQueries({ queryKey: query.queryKey, exact: true });
    }
  };

  return queryClient.getQueryCache().subscribe((event) => {
    // `manual` successes are `setQueryData` writes (ours among them); the others are fetches.
    if (event.type !== 'updated' || event.action.type !== 'success' || event.action.manual) return;
    const binding = keys.bindingOf(event.query);
    if (!binding) return;
    const data = event.action.data;
    if (binding.type === 'list') {
      restoreList(data, binding.view);
    } else {
      restoreDetail(event.query, data, binding.kind, binding.id);
    }
  });
}
