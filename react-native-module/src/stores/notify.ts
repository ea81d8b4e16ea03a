/**
 * Calls each listener; one that throws does not stop the others, and its error is rethrown on
 * a fresh task so it surfaces (a red box in development, the host's uncaught-error handler in
 * production) instead of unwinding into the core's delivery, which would only log it.
 */
export function notifyAll<A extends unknown[]>(
  listeners: Iterable<(...args: A) => void>,
  ...args: A
): void {
  for (const listener of Array.from(listeners)) {
    try {
      listener(...args);
    } catch (error) {
      setTimeout(() => {
        throw error;
      }, 0);
    }
  }
}
