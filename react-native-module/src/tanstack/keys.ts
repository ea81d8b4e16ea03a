import { hashKey, type Query, type QueryKey } from '@tanstack/query-core';
import type { ListView } from '../views';

/** A list query fed by a core view. */
export interface ViewBinding {
  readonly key: QueryKey;
  readonly view: ListView;
}

/** Per entity kind, the detail query key of one entity. */
export type DetailKeys = Readonly<Record<string, (id: string) => QueryKey>>;

/** What a query in the cache is to the adapter. */
export type Binding =
  | { readonly type: 'list'; readonly view: ViewBinding }
  | { readonly type: 'detail'; readonly kind: string; readonly id: string };

/**
 * Which queries the adapter feeds: the views' list keys, and every detail key that
 * `details[kind](id)` produces. A detail key is recognised without asking the app for a
 * reverse function: a string or number part of the key is taken as the id when
 * `details[kind]` of it gives back the same key. So the id must be a part of the key of its
 * own (`['session', id]`, `['sessions', 'detail', id]`), not only a field of an object part.
 */
export class KeyMap {
  private readonly lists = new Map<string, ViewBinding>();
  private readonly seen = new WeakMap<Query, Binding | null>();

  constructor(
    views: readonly ViewBinding[],
    private readonly details: DetailKeys,
  ) {
    for (const view of views) this.lists.set(hashKey(view.key), view);
  }

  /** The detail key of `kind`/`id`, if that kind has detail queries. */
  detailKey(kind: string, id: string): QueryKey | undefined {
    return this.details[kind]?.(id);
  }

  /** What `query` is to the adapter, or `undefined` for a query it does not feed. */
  bindingOf(query: Query): Binding | undefined {
    let binding = this.seen.get(query);
    if (binding === undefined) {
      binding = this.find(query.queryKey) ?? null;
      this.seen.set(query, binding);
    }
    return binding ?? undefined;
  }

  private find(key: QueryKey): Binding | undefined {
    const hash = hashKey(key);
    const view = this.lists.get(hash);
    if (view) return { type: 'list', view };
    const parts = key.filter((part) => typeof part === 'string' || typeof part === 'number');
    for (const [kind, keyOf] of Object.entries(this.details)) {
      for (const part of parts) {
        const id = String(part);
        if (hashKey(keyOf(id)) === hash) return { type: 'detail', kind, id };
      }
    }
    return undefined;
  }
}
