import { TetherClient, sharedClient, type TetherClientLike } from './ffi';
import { toClientConfig, type TetherConfig } from './config';
import { fromFfiMetrics, fromFfiReport, fromFfiStats } from './counters';
import type { ConnectionMetrics, HydrateReport, SyncStats } from './counters';
import { callCore, TetherClosedError, TetherConfigError } from './errors';
import type { SyncSignal } from './signals';
import type { ConnectionState } from './state';
import { EntityStore } from './stores/entity';
import { ListStore } from './stores/list';
import { SignalFeed } from './stores/signals';
import { StateFeed } from './stores/state';
import type { StoreOwner, WatchedStore } from './stores/watched';
import { viewJson, type ListView } from './views';

/** One entity from the app's own fetch, for `hydrate`. `version` is in the unit the rules
 *  give pushed events of this kind (nanoseconds for `epoch_ms`/`rfc3339` rules), so the core
 *  can drop a fetch older than what was pushed. */
export interface HydrateEntity<T = unknown> {
  readonly id: string;
  readonly value: T;
  readonly version?: bigint | number;
}

/** A Tether client: the connection state, live list and entity stores, and the cache. */
export interface Tether {
  /** The connection state now (the same object until it changes). */
  readonly state: ConnectionState;
  /** Calls `onChange` after each state change; for `useSyncExternalStore`. */
  readonly subscribeState: (onChange: () => void) => () => void;
  /** The live list behind `view` (equal views share one store). */
  list<T = unknown>(view: ListView): ListStore<T>;
  /** The live value of one entity (one store per kind and id). */
  entity<T = unknown>(kind: string, id: string): EntityStore<T>;
  /** The core's signals from now on (resync, discontinuity, …); returns the unsubscribe. */
  subscribeSignals(listener: (signal: SyncSignal) => void): () => void;
  /** The entity now. */
  get<T = unknown>(kind: string, id: string): T | undefined;
  /** Seeds or refreshes `kind` from the app's own fetch; older than pushed data is dropped. */
  hydrate<T>(kind: string, entities: readonly HydrateEntity<T>[]): HydrateReport;
  /** Wipes the cache, the dedup window, the resume point and the file's contents. */
  clear(): void;
  /** Closes the connection and stops every store; snapshots keep their last values. A named
   *  (shared) instance closes for every user of the name. Idempotent. */
  close(): void;
  /** Stops this object's stores and state, leaving the core client running for its other
   *  users (native screens sharing the instance). Idempotent. */
  detach(): void;
  /** Logout: `clear()` then `close()`. */
  logout(): void;
  /** Drops the stream and reconnects at once, resuming with `Last-Event-ID`. */
  restart(): void;
  stats(): SyncStats;
  metrics(): ConnectionMetrics;
  /** The resume point (`""` before any event id). */
  lastEventId(): string;
  readonly isClosed: boolean;
}

/** The hydrate input as the core reads it. Versions are written as integer text: epoch
 *  nanoseconds do not fit a JS number exactly, so they may come as `bigint`. */
function hydrateJson(entities: readonly HydrateEntity<unknown>[]): string {
  const parts = entities.map(({ id, value, version }) => {
    let text = `{"id":${JSON.stringify(id)},"value":${JSON.stringify(value)}`;
    if (version !== undefined) {
      if (typeof version === 'number' && !Number.isSafeInteger(version)) {
        throw new TetherConfigError(`version of ${id} must be an integer, got ${version}`);
      }
      text += `,"version":${version.toString()}`;
    }
    return `${text}}`;
  });
  return `[${parts.join(',')}]`;
}

const entityKey = (kind: string, id: string): string => `${kind}\u0000${id}`;

class TetherInstance implements Tether, StoreOwner {
  private readonly stateFeed: StateFeed;
  private readonly signalFeed: SignalFeed;
  /** Stores by view JSON or `kind\0id`, so hooks re-rendering get the same store. */
  private readonly lists = new Map<string, ListStore<unknown>>();
  private readonly entities = new Map<string, EntityStore<unknown>>();
  private readonly live = new Set<WatchedStore<unknown, unknown>>();
  private closed = false;

  constructor(private readonly client: TetherClientLike) {
    this.stateFeed = new StateFeed(client);
    this.signalFeed = new SignalFeed(client, () => this.assertOpen());
  }

  get state(): ConnectionState {
    return this.stateFeed.getSnapshot();
  }

  readonly subscribeState = (onChange: () => void): (() => void) =>
    this.stateFeed.subscribe(onChange);

  get isClosed(): boolean {
    return this.closed;
  }

  list<T = unknown>(view: ListView): ListStore<T> {
    const key = viewJson(view);
    let store = this.lists.get(key);
    if (!store) {
      this.assertOpen();
      store = new ListStore<unknown>(this.client, key, this);
      store.start(); // caches it (`started`); throws TetherConfigError for a refused view
    }
    return store as ListStore<T>;
  }

  entity<T = unknown>(kind: string, id: string): EntityStore<T> {
    const key = entityKey(kind, id);
    let store = this.entities.get(key);
    if (!store) {
      this.assertOpen();
      store = new EntityStore<unknown>(this.client, kind, id, this);
      store.start(); // caches it (`started`)
    }
    return store as EntityStore<T>;
  }

  subscribeSignals(listener: (signal: SyncSignal) => void): () => void {
    return this.signalFeed.subscribe(listener);
  }

  get<T = unknown>(kind: string, id: string): T | undefined {
    const json = this.client.get(kind, id);
    return json === undefined ? undefined : (JSON.parse(json) as T);
  }

  hydrate<T>(kind: string, entities: readonly HydrateEntity<T>[]): HydrateReport {
    const json = hydrateJson(entities);
    return fromFfiReport(callCore(() => this.client.hydrate(kind, json)));
  }

  clear(): void {
    callCore(() => this.client.clear());
  }

  close(): void {
    if (this.closed) return;
    this.stopStores();
    this.client.shutdown();
    this.stateFeed.refresh();
  }

  detach(): void {
    if (this.closed) return;
    this.stopStores();
    this.stateFeed.detach();
  }

  logout(): void {
    this.clear();
    this.close();
  }

  restart(): void {
    this.client.restart();
  }

  stats(): SyncStats {
    return fromFfiStats(this.client.stats());
  }

  metrics(): ConnectionMetrics {
    return fromFfiMetrics(this.client.metrics());
  }

  lastEventId(): string {
    return this.client.lastEventId();
  }

  // StoreOwner

  assertOpen(): void {
    if (this.closed) throw new TetherClosedError();
  }

  started(store: WatchedStore<unknown, unknown>): void {
    this.live.add(store);
    // A released store that a component still holds starts again: it is the cached one again,
    // so `list()`/`entity()` do not open a second watcher for the same view.
    if (store instanceof ListStore && !this.lists.has(store.viewJson)) {
      this.lists.set(store.viewJson, store);
    } else if (store instanceof EntityStore) {
      const key = entityKey(store.kind, store.id);
      if (!this.entities.has(key)) this.entities.set(key, store);
    }
  }

  stopped(store: WatchedStore<unknown, unknown>): void {
    this.live.delete(store);
    // A released store leaves the cache; the next `list()`/`entity()` makes a fresh one.
    if (store instanceof ListStore) {
      if (this.lists.get(store.viewJson) === store) this.lists.delete(store.viewJson);
    } else if (store instanceof EntityStore) {
      const key = entityKey(store.kind, store.id);
      if (this.entities.get(key) === store) this.entities.delete(key);
    }
  }

  private stopStores(): void {
    this.closed = true;
    for (const store of Array.from(this.live)) store.stop();
    this.signalFeed.stop();
  }
}

/**
 * Opens a client: validates the configuration and rules, opens the cache (a cold start shows
 * the stored state at once) and starts connecting. With `instanceName` and an instance of that
 * name already open in the app (by native screens, or by JS), attaches to that instance.
 * @throws TetherConfigError, TetherRulesError, TetherStorageError
 */
export function createTether(config: TetherConfig): Tether {
  const record = toClientConfig(config);
  return new TetherInstance(callCore(() => TetherClient.open(record)));
}

/** The instance named `instanceName` that is open in this app (opened by native code or by
 *  JS), or `undefined`. */
export function attachTether(instanceName: string): Tether | undefined {
  const client = sharedClient(instanceName);
  return client && new TetherInstance(client);
}
