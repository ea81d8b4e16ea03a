import { notifyManager, type QueryClient } from '@tanstack/query-core';
import type { Tether } from '../client';
import type { DetailKeys, ViewBinding } from './keys';

/**
 * Invalidate mode, for apps that prefer refetching over writing: each batch that changes a
 * view invalidates its list key and the detail keys of the entities the batch touched; the
 * app's own queries then refetch. The list as it is when the adapter connects is not a
 * change, so it invalidates nothing.
 */
export function invalidateViews(
  queryClient: QueryClient,
  tether: Tether,
  views: readonly ViewBinding[],
  details: DetailKeys,
): () => void {
  const stops = views.map(({ key, view }) => {
    const store = tether.list(view);
    const detailKey = details[view.kind];
    // The store starts with the list as it is and notifies only changes: each one invalidates.
    return store.subscribe(() => {
      const snapshot = store.getSnapshot();
      notifyManager.batch(() => {
        void queryClient.invalidateQueries({ queryKey: key, exact: true });
        if (!detailKey) return;
        for (const id of [...snapshot.added, ...snapshot.updated, ...snapshot.removed]) {
          void queryClient.invalidateQueries({ queryKey: detailKey(id), exact: true });
        }
      });
    });
  });
  return () => stops.forEach((stop) => stop());
}
