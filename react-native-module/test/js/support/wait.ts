/** How long a test waits for something the core or the server should do. */
export const TIMEOUT_MS = 10_000;

/**
 * Resolves with `read()`'s value once it is truthy, checking now and each time `subscribe`'s
 * callback fires; rejects after `timeoutMs` naming `what`.
 *
 * Its timer also keeps Node's event loop alive while a test waits: core callbacks arrive
 * through the N-API runtime, whose pending calls do not hold the loop open by themselves.
 */
export function until<T>(
  read: () => T | undefined | false | null,
  subscribe: (wake: () => void) => () => void,
  what: string,
  timeoutMs = TIMEOUT_MS,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let unsubscribe = () => {};
    let done = false;
    const finish = (outcome: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unsubscribe();
      outcome();
    };
    const check = () => {
      try {
        const value = read();
        if (value) finish(() => resolve(value));
      } catch (error) {
        finish(() => reject(error));
      }
    };
    const timer = setTimeout(
      () => finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))),
      timeoutMs,
    );
    unsubscribe = subscribe(check);
    check();
  });
}

/** A store in the `useSyncExternalStore` shape. */
export interface Watchable<S> {
  subscribe(onChange: () => void): () => void;
  getSnapshot(): S;
}

/** Waits until the store's snapshot satisfies `predicate`, and returns that snapshot. */
export function snapshotWhere<S>(
  store: Watchable<S>,
  predicate: (snapshot: S) => boolean,
  what: string,
  timeoutMs?: number,
): Promise<S> {
  return until(
    () => {
      const snapshot = store.getSnapshot();
      return predicate(snapshot) ? { snapshot } : undefined;
    },
    (wake) => store.subscribe(wake),
    what,
    timeoutMs,
  ).then(({ snapshot }) => snapshot);
}

/** Resolves once a (truthy) value arrives through `listen`, e.g. the next matching signal. */
export function nextEvent<T>(
  listen: (deliver: (value: T) => void) => () => void,
  predicate: (value: T) => boolean,
  what: string,
  timeoutMs?: number,
): Promise<T> {
  let seen: { value: T } | undefined;
  return until(
    () => seen,
    (wake) =>
      listen((value) => {
        if (!seen && predicate(value)) {
          seen = { value };
          wake();
        }
      }),
    what,
    timeoutMs,
  ).then(({ value }) => value);
}
