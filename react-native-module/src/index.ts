/**
 * @tether-sync/react-native: a live, persisted, deduplicated cache of server state over SSE,
 * kept by the Rust core. This layer translates the core's values into JS and React idioms; it
 * never merges, orders or filters anything itself.
 *
 * The TanStack Query adapter is a separate entry point (`@tether-sync/react-native/tanstack`),
 * so apps without `@tanstack/query-core` do not load it.
 */
export { createTether, attachTether } from './client';
export type { Tether, HydrateEntity } from './client';
export { TetherTokenError } from './config';
export type { TetherConfig } from './config';
export type { ConnectionMetrics, HydrateReport, SyncStats } from './counters';
export {
  TetherError,
  TetherConfigError,
  TetherRulesError,
  TetherStorageError,
  TetherClosedError,
  TetherInternalError,
} from './errors';
export type { TetherErrorCode } from './errors';
export { setProcessAppState, setProcessNetwork } from './process';
export { TetherProvider, useTether } from './react/context';
export { useConnectionState, useTetherEntity, useTetherList } from './react/hooks';
export type { SyncSignal } from './signals';
export type { ConnectionError, ConnectionPhase, ConnectionState } from './state';
export type { EntityStore } from './stores/entity';
export type { ListEntry, ListSnapshot, ListStore } from './stores/list';
export type { ExternalStore } from './stores/watched';
export { viewJson } from './views';
export type { Json, ListView, ViewFilter, ViewSort } from './views';
