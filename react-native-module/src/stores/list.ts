import type { FfiListItem, FfiListUpdate, TaskHandleLike, TetherClientLike } from '../ffi';
import { callCore } from '../errors';
import { adoptWatcher } from './handle';
import { WatchedStore, type StoreOwner } from './watched';

/** One entity of a list: its id and its full value as the core merged it. */
export interface ListEntry<T> {
  readonly id: string;
  readonly value: T;
}

/**
 * A list view's snapshot: `items` is the whole list in the view's order, and
 * `added`/`removed`/`updated` say what the last batch changed (all empty in the first
 * snapshot, which is the list as the core held it when the store was made — read at once, so a
 * screen's first render shows the cached list, never a loading state). An entity whose value
 * did not change keeps the same `value` object across snapshots, so memoised rows do not
 * re-render.
 */
export interface ListSnapshot<T> {
  readonly items: readonly ListEntry<T>[];
  /** `items`' values, in order (what a list query holds). */
  readonly values: readonly T[];
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly updated: readonly string[];
}

type Parsed<T> = Map<string, { json: string; entry: ListEntry<T> }>;

const NOTHING: readonly string[] = Object.freeze([]);

/** The snapshot of `items`, reusing the entries of `previous` whose JSON did not change. */
function snapshotOf<T>(
  items: readonly FfiListItem[],
  previous: Parsed<T>,
  changes: Pick<ListSnapshot<T>, 'added' | 'removed' | 'updated'>,
): { snapshot: ListSnapshot<T>; parsed: Parsed<T> } {
  const parsed: Parsed<T> = new Map();
  const entries = items.map(({ id, json }) => {
    const before = previous.get(id);
    const entry =
      before && before.json === json ? before.entry : Object.freeze({ id, value: JSON.parse(json) as T });
    parsed.set(id, { json, entry });
    return entry;
  });
  const snapshot = Object.freeze({
    items: Object.freeze(entries),
    values: Object.freeze(entries.map((entry) => entry.value)),
    added: Object.freeze([...changes.added]),
    removed: Object.freeze([...changes.removed]),
    updated: Object.freeze([...changes.updated]),
  });
  return { snapshot, parsed };
}

/** Whether `items` are exactly what `parsed` holds, in `current`'s order. */
function unchanged<T>(items: readonly FfiListItem[], current: ListSnapshot<T>, parsed: Parsed<T>): boolean {
  return (
    items.length === current.items.length &&
    items.every(({ id, json }, i) => current.items[i]!.id === id && parsed.get(id)?.json === json)
  );
}

/** The live list behind one view. */
export class ListStore<T> extends WatchedStore<ListSnapshot<T>, FfiListUpdate> {
  /** Each id's JSON text and parsed entry in the current snapshot, to reuse unchanged ones. */
  private parsed: Parsed<T>;

  /** Reads the list now (throws `TetherConfigError` for a view the core refuses). */
  constructor(
    private readonly client: TetherClientLike,
    readonly viewJson: string,
    owner: StoreOwner,
  ) {
    const now = snapshotOf<T>(callCore(() => client.list(viewJson)), new Map(), {
      added: NOTHING,
      removed: NOTHING,
      updated: NOTHING,
    });
    super(now.snapshot, owner);
    this.parsed = now.parsed;
  }

  protected watch(deliver: (update: FfiListUpdate) => void): TaskHandleLike {
    return adoptWatcher(
      callCore(() => this.client.watchList(this.viewJson, { onUpdate: (update) => deliver(update) })),
    );
  }

  protected next(current: ListSnapshot<T>, update: FfiListUpdate): ListSnapshot<T> {
    // The watcher's first value is the list now: usually what the constructor read already.
    if (unchanged(update.items, current, this.parsed)) return current;
    const next = snapshotOf<T>(update.items, this.parsed, update);
    this.parsed = next.parsed;
    return next.snapshot;
  }
}
