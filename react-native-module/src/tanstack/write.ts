import { notifyManager, type QueryClient } from '@tanstack/query-core';
import type { Tether } from '../client';
import type { DetailKeys, ViewBinding } from './keys';

/**
 * Write mode: each view's list key holds the core's list (its values, in the view's order) and
 * each entity a batch added or updated is written to its detail key too, so a detail screen
 * opens with data. A detail key of an entity the core no longer holds (deleted, cleared) is
 * removed. One batch is one notification of the query observers.
 */
export function writeViews(
  queryClient: QueryClient,
  tether: Tether,
  views: readonly ViewBinding[],
  details: DetailKeys,
): () => void {
  const stops = views.map(({ key, view }) => {
    const store = tether.list(view);
    const detailKey = details[view.kind];
    let first = true;
    const write = () => {
      const snapshot = store.getSnapshot();
      // The first value is the whole list as the core holds it: every item is news here.
      const changed = first ? undefined : new Set([...snapshot.added, ...snapshot.updated]);
      first = false;
      notifyManager.batch(() => {
        queryClient.setQueryData(key, snapshot.values);
        if (!detailKey) return;
        for (const item of snapshot.items) {
          if (!changed || changed.has(item.id)) queryClient.setQueryData(detailKey(item.id), item.value);
        }
        for (const id of snapshot.removed) {
          // Left the view: deleted, or only filtered out (then its detail stays valid).
          if (tether.get(view.kind, id) === undefined) {
            queryClient.removeQueries({ queryKey: detailKey(id), exact: true });
          }
        }
      });
    };
    const unsubscribe = store.subscribe(write);
    write();
    return unsubscribe;
  });
  return () => stops.forEach((stop) => stop());
}
