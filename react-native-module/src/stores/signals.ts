import type { TaskHandleLike, TetherClientLike } from '../ffi';
import { callCore } from '../errors';
import { fromFfiSignal, type SyncSignal } from '../signals';
import { adoptWatcher, stopWatcher } from './handle';
import { notifyAll } from './notify';

/**
 * Fans the core's signals out to JS listeners over one watcher, which runs while anyone
 * listens. Signals have no current value: one sent while nobody listens is not replayed (the
 * core's contract), so listen from startup to see them all.
 */
export class SignalFeed {
  private readonly listeners = new Set<(signal: SyncSignal) => void>();
  private handle: TaskHandleLike | undefined;
  private generation = 0;
  private releaseCheck: unknown;

  constructor(
    private readonly client: TetherClientLike,
    private readonly assertOpen: () => void,
  ) {}

  subscribe(listener: (signal: SyncSignal) => void): () => void {
    const own = (signal: SyncSignal) => listener(signal);
    this.listeners.add(own);
    if (!this.handle) {
      this.assertOpen();
      const generation = this.generation;
      this.handle = adoptWatcher(
        callCore(() =>
          this.client.watchSignals({
            onSignal: (signal) => {
              if (generation === this.generation) notifyAll(this.listeners, fromFfiSignal(signal));
            },
          }),
        ),
      );
    }
    return () => {
      this.listeners.delete(own);
      if (this.listeners.size === 0 && this.releaseCheck === undefined) {
        // One task later, so unsubscribing and subscribing again in one go keeps the watcher.
        this.releaseCheck = setTimeout(() => {
          this.releaseCheck = undefined;
          if (this.listeners.size === 0) this.stop();
        }, 0);
      }
    };
  }

  stop(): void {
    const handle = this.handle;
    if (!handle) return;
    this.handle = undefined;
    this.generation += 1;
    stopWatcher(handle);
  }
}
