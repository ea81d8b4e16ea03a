import type { FfiEntityUpdate, TaskHandleLike, TetherClientLike } from '../ffi';
import { callCore } from '../errors';
import { adoptWatcher } from './handle';
import { WatchedStore, type StoreOwner } from './watched';

/**
 * The live value of one entity: `undefined` while it does not exist (never received, deleted,
 * or cleared). The first snapshot is read from the core at once, so a screen opened after
 * the data arrived renders it on its first render.
 */
export class EntityStore<T> extends WatchedStore<T | undefined, FfiEntityUpdate> {
  /** The JSON text behind the snapshot, so an identical delivery keeps the same object. */
  private json: string | undefined;

  constructor(
    private readonly client: TetherClientLike,
    readonly kind: string,
    readonly id: string,
    owner: StoreOwner,
  ) {
    const json = client.get(kind, id);
    super(json === undefined ? undefined : (JSON.parse(json) as T), owner);
    this.json = json;
  }

  protected watch(deliver: (update: FfiEntityUpdate) => void): TaskHandleLike {
    return adoptWatcher(
      callCore(() =>
        this.client.watchEntity(this.kind, this.id, { onUpdate: (update) => deliver(update) }),
      ),
    );
  }

  protected next(current: T | undefined, update: FfiEntityUpdate): T | undefined {
    if (update.json === this.json) return current;
    this.json = update.json;
    return update.json === undefined ? undefined : (JSON.parse(update.json) as T);
  }
}
