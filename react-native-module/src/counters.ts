import type { FfiConnectionMetrics, FfiHydrateReport, FfiSyncStats } from './ffi';

/** The core's counters cross the FFI as 64-bit integers; as JS numbers they are exact up to
 *  2^53, far beyond any count a client reaches. */
const n = (value: bigint): number => Number(value);

/** What the sync client did with the events it received, since open (`appliedTotal` is
 *  persisted with the cache). */
export interface SyncStats {
  readonly received: number;
  readonly applied: number;
  readonly appliedTotal: number;
  readonly duplicateIds: number;
  readonly duplicateSignatures: number;
  readonly stale: number;
  readonly tombstoned: number;
  readonly unmatched: number;
  readonly routeErrors: number;
  readonly storeErrors: number;
  readonly heartbeats: number;
  readonly storageErrors: number;
}

/** The connection's counters. */
export interface ConnectionMetrics {
  readonly connects: number;
  readonly reconnects: number;
  readonly bytes: number;
  readonly events: number;
  readonly comments: number;
  readonly watchdogTimeouts: number;
  readonly lastEventAtMs?: number;
  readonly disconnectedMs: number;
}

/** What `hydrate` did with the app's entities: `stale` ones were older than what the core
 *  holds (pushed data wins), `tombstoned` ones were deleted, `rejected` ones were not objects. */
export interface HydrateReport {
  readonly applied: number;
  readonly stale: number;
  readonly tombstoned: number;
  readonly rejected: number;
}

export function fromFfiStats(s: FfiSyncStats): SyncStats {
  return {
    received: n(s.received),
    applied: n(s.applied),
    appliedTotal: n(s.appliedTotal),
    duplicateIds: n(s.duplicateIds),
    duplicateSignatures: n(s.duplicateSignatures),
    stale: n(s.stale),
    tombstoned: n(s.tombstoned),
    unmatched: n(s.unmatched),
    routeErrors: n(s.routeErrors),
    storeErrors: n(s.storeErrors),
    heartbeats: n(s.heartbeats),
    storageErrors: n(s.storageErrors),
  };
}

export function fromFfiMetrics(m: FfiConnectionMetrics): ConnectionMetrics {
  const metrics: ConnectionMetrics = {
    connects: n(m.connects),
    reconnects: n(m.reconnects),
    bytes: n(m.bytes),
    events: n(m.events),
    comments: n(m.comments),
    watchdogTimeouts: n(m.watchdogTimeouts),
    disconnectedMs: n(m.disconnectedMs),
  };
  return m.lastEventAtMs === undefined ? metrics : { ...metrics, lastEventAtMs: n(m.lastEventAtMs) };
}

export function fromFfiReport(r: FfiHydrateReport): HydrateReport {
  return { applied: n(r.applied), stale: n(r.stale), tombstoned: n(r.tombstoned), rejected: n(r.rejected) };
}
