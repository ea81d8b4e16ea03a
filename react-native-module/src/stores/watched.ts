import type { TaskHandleLike } from '../ffi';
import { stopWatcher } from './handle';
import { notifyAll } from './notify';

/** What React's `useSyncExternalStore` (or anyone) needs to read a value that changes. */
export interface ExternalStore<S> {
  /** Calls `onChange` after each new snapshot; returns the unsubscribe function. */
  readonly subscribe: (onChange: () => void) => () => void;
  /** The current snapshot: the same object until the core delivers a change. */
  readonly getSnapshot: () => S;
}

/** The client that owns a store: opens its watcher and knows which stores are live. */
export interface StoreOwner {
  /** Throws `TetherClosedError` once the client is closed. */
  assertOpen(): void;
  readonly isClosed: boolean;
  started(store: WatchedStore<unknown, unknown>): void;
  stopped(store: WatchedStore<unknown, unknown>): void;
}

/**
 * A snapshot fed by one core watcher. The watcher runs while the store has subscribers (and
 * from creation, so the core's first value is usually there by the time a component
 * subscribes); it stops one task after the last subscriber leaves, so a component that
 * unsubscribes and subscribes again in one go (React StrictMode, fast refresh) keeps it.
 * The core sends the current value first, so a restarted watcher loses nothing.
 */
export abstract class WatchedStore<S, U> implements ExternalStore<S> {
  private snapshot: S;
  private readonly listeners = new Set<() => void>();
  private handle: TaskHandleLike | undefined;
  /** Bumped on every stop: a delivery already queued for an older watcher is dropped. */
  private generation = 0;
  private releaseCheck: unknown;

  protected constructor(
    initial: S,
    private readonly owner: StoreOwner,
  ) {
    this.snapshot = initial;
  }

  /** Opens the core watcher; `deliver` gets each update (the current value first). */
  protected abstract watch(deliver: (update: U) => void): TaskHandleLike;

  /** The snapshot after `update`; returning `current` means nothing visible changed. */
  protected abstract next(current: S, update: U): S;

  readonly getSnapshot = (): S => this.snapshot;

  readonly subscribe = (onChange: () => void): (() => void) => {
    // A second subscribe of the same function must not be undone by one unsubscribe.
    const listener = () => onChange();
    this.listeners.add(listener);
    // After close the store keeps its last snapshot: a component still mounted reads it.
    if (!this.owner.isClosed) this.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.scheduleRelease();
    };
  };

  /** Whether a core watcher feeds this store now. */
  get isLive(): boolean {
    return this.handle !== undefined;
  }

  /** Starts the watcher if it is not running (throws `TetherClosedError` after close). */
  start(): void {
    if (this.handle) return;
    this.owner.assertOpen();
    const generation = this.generation;
    this.handle = this.watch((update) => {
      if (generation === this.generation) this.receive(update);
    });
    this.owner.started(this);
    if (this.listeners.size === 0) this.scheduleRelease();
  }

  /** Stops the watcher now; the snapshot keeps its last value. */
  stop(): void {
    const handle = this.handle;
    if (!handle) return;
    this.handle = undefined;
    this.generation += 1;
    this.owner.stopped(this);
    stopWatcher(handle);
  }

  private receive(update: U): void {
    const next = this.next(this.snapshot, update);
    if (Object.is(next, this.snapshot)) return;
    this.snapshot = next;
    notifyAll(this.listeners);
  }

  private scheduleRelease(): void {
    if (this.releaseCheck !== undefined) return;
    this.releaseCheck = setTimeout(() => {
      this.releaseCheck = undefined;
      if (this.listeners.size === 0) this.stop();
    }, 0);
  }
}
