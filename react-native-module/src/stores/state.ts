import type { TaskHandleLike, TetherClientLike } from '../ffi';
import { fromFfiState, type ConnectionState } from '../state';
import { adoptWatcher, stopWatcher } from './handle';
import { notifyAll } from './notify';

/** Two states with the same phase and fields: one snapshot is kept for both, so a repeated
 *  delivery (the core's current value after a read of it) does not re-render. */
function same(a: ConnectionState, b: ConnectionState): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The connection state: read from the core at once, then every transition from its watcher.
 * The watcher ends by itself after `closed` or `failed`.
 */
export class StateFeed {
  private snapshot: ConnectionState;
  private readonly listeners = new Set<() => void>();
  private handle: TaskHandleLike | undefined;
  private detached = false;

  constructor(private readonly client: TetherClientLike) {
    this.snapshot = fromFfiState(client.state());
    this.handle = adoptWatcher(
      client.watchState({
        onState: (state) => {
          if (!this.detached) this.set(fromFfiState(state));
        },
      }),
    );
  }

  readonly getSnapshot = (): ConnectionState => this.snapshot;

  readonly subscribe = (onChange: () => void): (() => void) => {
    const listener = () => onChange();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Takes the core's state now (after `close`, which reports `closed` at once). */
  refresh(): void {
    this.set(fromFfiState(this.client.state()));
  }

  /** Stops following the connection (the client lives on elsewhere). */
  detach(): void {
    this.detached = true;
    const handle = this.handle;
    this.handle = undefined;
    if (handle) stopWatcher(handle);
  }

  private set(next: ConnectionState): void {
    if (same(next, this.snapshot)) return;
    this.snapshot = next;
    notifyAll(this.listeners);
  }
}
