import type { FfiListUpdate, TaskHandleLike, TetherClientLike } from '../ffi';
import { callCore } from '../errors';
import { adoptWatcher } from './handle';
import { WatchedStore, type StoreOwner } from './watched';

/** One entity of a list: its id and its full value as the core merged it. */
export interface ListEntry<T> {
  readonly id: string;
  readonly value: T;
}

/**
 * A list view's snapshot. `loading` until the core's first value arrives; then `items` is the
 * whole list in the view's order, and `added`/`removed`/`updated` say what the last batch
 * changed. An entity whose value did not change keeps the same `value` object across
 * snapshots, so memoised rows do not re-render.
 */
export interface ListSnapshot<T> {
  readonly status: 'loading' | 'ready';
  readonly items: readonly ListEntry<T>[];
  /** `items`' values, in order (what a list query holds). */
  readonly values: readonly T[];
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly updated: readonly string[];
}

const LOADING: ListSnapshot<never> = Object.freeze({
  status: 'loading',
  items: Object.freeze([]),
  values: Object.freeze([]),
  added: Object.freeze([]),
  removed: Object.freeze([]),
  updated: Object.freeze([]),
});

/** The live list behind one view. */
export class ListStore<T> extends WatchedStore<ListSnapshot<T>, FfiListUpdate> {
  /** Each id's JSON text and parsed entry in the current snapshot, to reuse unchanged ones. */
  private parsed = new Map<string, { json: string; entry: ListEntry<T> }>();

  constructor(
    private readonly client: TetherClientLike,
    readonly viewJson: string,
    owner: StoreOwner,
  ) {
    super(LOADING, owner);
  }

  protected watch(deliver: (update: FfiListUpdate) => void): TaskHandleLike {
    return adoptWatcher(
      callCore(() => this.client.watchList(this.viewJson, { onUpdate: (update) => deliver(update) })),
    );
  }

  protected next(_current: ListSnapshot<T>, update: FfiListUpdate): ListSnapshot<T> {
    const parsed = new Map<string, { json: string; entry: ListEntry<T> }>();
    const items = update.items.map(({ id, json }) => {
      const previous = this.parsed.get(id);
      const entry =
        previous && previous.json === json
          ? previous.entry
          : Object.freeze({ id, value: JSON.parse(json) as T });
      parsed.set(id, { json, entry });
      return entry;
    });
    this.parsed = parsed;
    return Object.freeze({
      status: 'ready',
      items: Object.freeze(items),
      values: Object.freeze(items.map((item) => item.value)),
      added: Object.freeze(update.added),
      removed: Object.freeze(update.removed),
      updated: Object.freeze(update.updated),
    });
  }
}
