import type { TaskHandleLike } from '../ffi';

/**
 * Frees a generated object's Rust reference now instead of whenever the garbage collector
 * gets to it (a collected handle would also stop its watcher, at a moment nobody chose).
 */
export function destroy(object: object): void {
  (object as { uniffiDestroy?: () => void }).uniffiDestroy?.();
}

/**
 * Takes a new core watcher for JS. Every listener call runs on the JS thread while the core
 * thread that makes it waits; a cancel from the JS thread that waited for a call under way
 * would wait for itself. So this watcher's cancel (ours, the client's `shutdown`, or a
 * collected handle's) returns at once, and a call that was already under way arrives after
 * it: each store drops deliveries from a watcher it stopped.
 */
export function adoptWatcher(handle: TaskHandleLike): TaskHandleLike {
  handle.setWaitOnCancel(false);
  return handle;
}

/** Stops a core watcher and frees its handle. */
export function stopWatcher(handle: TaskHandleLike): void {
  handle.cancel();
  destroy(handle);
}
