/**
 * The one door to the generated bindings: every other file imports the core from here.
 *
 * `generated/` is build output, written per flavour from the built library:
 *  - N-API (Node, the tests): `ubrn generate napi bindings --lib-absolute` writes
 *    `generated/index.ts`, which loads the library and initialises the bindings;
 *  - JSI (React Native): `scripts/generate-jsi.sh --ts-dir src/generated` writes an
 *    `index.ts` that installs the crate through the TurboModule, then initialises the same
 *    bindings.
 * Both flavours generate the same public TypeScript (same classes, records and enums; they
 * differ only in how calls reach the library), so the code above this file is one source for
 * both.
 */
import './runtime-fix';

export {
  AppState,
  ClientConfig,
  CloseReason,
  ConnectionState as FfiConnectionState,
  ConnectionState_Tags as FfiConnectionStateTags,
  DiscontinuityReason,
  NetworkState,
  SuspendReason,
  SyncSignal as FfiSyncSignal,
  SyncSignal_Tags as FfiSyncSignalTags,
  TetherClient,
  TetherError as FfiTetherError,
  TetherError_Tags as FfiTetherErrorTags,
  TokenProviderError,
  setProcessAppState,
  setProcessNetwork,
  sharedClient,
} from './generated';
export type {
  ConnectionErrorInfo,
  ConnectionMetrics as FfiConnectionMetrics,
  EntityListener,
  EntityUpdate as FfiEntityUpdate,
  HydrateReport as FfiHydrateReport,
  ListItem as FfiListItem,
  ListListener,
  ListUpdate as FfiListUpdate,
  SignalListener,
  StateListener,
  SyncStats as FfiSyncStats,
  TaskHandleLike,
  TetherClientLike,
  TokenProvider,
} from './generated';
