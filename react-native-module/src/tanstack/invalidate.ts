import { notifyManager, type QueryClient } from '@tanstack/query-core';
import type { Tether } from '../client';
import type { DetailKeys, ViewBinding } from './keys';

/**
 * Invalidate mode, for apps that prefer refetching over writing: each batch that changes a
 * view invalidates its list key and the detail keys of the entities the batch touched; the
 * app's own queries then refetch. The core's first value is the state at connect time, not a
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
    let seen = store.getSnapshot();
    return store.subscribe(() => {
      const snapshot = store.getSnapshot();
      const first = seen.status !== 'ready';
      seen = snapshot;
      if (first) return;
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
