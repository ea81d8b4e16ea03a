import { DiscontinuityReason, FfiSyncSignal, FfiSyncSignalTags } from './ffi';

/**
 * What the core asks the app to act on:
 * - `resync`: the server says the app's copy behind `key` is stale: refetch it;
 * - `discontinuity`: events may have been missed (no resume point, or the server cannot
 *   replay): refetch what matters;
 * - `unmatched` / `routeError`: an event no rule took, or one a rule could not read;
 * - `clearedByServer`: the server logged the user out and the cache was wiped;
 * - `storageError`: the cache file could not be written.
 */
export type SyncSignal =
  | { readonly type: 'resync'; readonly key: string }
  | { readonly type: 'discontinuity'; readonly reason: 'noResumePoint' | 'serverRequested' }
  | { readonly type: 'unmatched'; readonly eventType: string; readonly typeValue?: string }
  | { readonly type: 'routeError'; readonly message: string }
  | { readonly type: 'clearedByServer' }
  | { readonly type: 'storageError'; readonly message: string };

export function fromFfiSignal(signal: FfiSyncSignal): SyncSignal {
  switch (signal.tag) {
    case FfiSyncSignalTags.Resync:
      return Object.freeze({ type: 'resync', key: signal.inner.key });
    case FfiSyncSignalTags.Discontinuity:
      return Object.freeze({
        type: 'discontinuity',
        reason:
          signal.inner.reason === DiscontinuityReason.NoResumePoint
            ? 'noResumePoint'
            : 'serverRequested',
      });
    case FfiSyncSignalTags.Unmatched: {
      const { eventType, typeValue } = signal.inner;
      return Object.freeze(
        typeValue === undefined
          ? { type: 'unmatched', eventType }
          : { type: 'unmatched', eventType, typeValue },
      );
    }
    case FfiSyncSignalTags.RouteError:
      return Object.freeze({ type: 'routeError', message: signal.inner.message });
    case FfiSyncSignalTags.ClearedByServer:
      return Object.freeze({ type: 'clearedByServer' });
    case FfiSyncSignalTags.StorageError:
      return Object.freeze({ type: 'storageError', message: signal.inner.message });
  }
}
