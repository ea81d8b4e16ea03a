import {
  CloseReason,
  type ConnectionErrorInfo,
  FfiConnectionState,
  FfiConnectionStateTags,
  SuspendReason,
} from './ffi';

/** Why an attempt or a stream ended: `kind` is stable (`transport`, `http_status`,
 *  `watchdog`, …), `message` is for logs. */
export interface ConnectionError {
  readonly kind: string;
  readonly message: string;
}

/** The core's connection state, one `phase` per variant, as plain data (it renders and
 *  compares like any JS value). */
export type ConnectionState =
  | { readonly phase: 'idle' }
  | { readonly phase: 'connecting'; readonly attempt: number }
  | { readonly phase: 'open' }
  | {
      readonly phase: 'reconnecting';
      readonly attempt: number;
      readonly delayMs: number;
      readonly cause: ConnectionError;
    }
  | { readonly phase: 'suspended'; readonly reason: 'background' | 'offline' }
  | { readonly phase: 'closed'; readonly reason: 'byClient' | 'byServer' }
  | { readonly phase: 'failed'; readonly error: ConnectionError };

export type ConnectionPhase = ConnectionState['phase'];

function error(info: ConnectionErrorInfo): ConnectionError {
  return Object.freeze({ kind: info.kind, message: info.message });
}

/** Translates the FFI's tagged enum; values are frozen so a snapshot cannot be edited. */
export function fromFfiState(state: FfiConnectionState): ConnectionState {
  switch (state.tag) {
    case FfiConnectionStateTags.Idle:
      return Object.freeze({ phase: 'idle' });
    case FfiConnectionStateTags.Connecting:
      return Object.freeze({ phase: 'connecting', attempt: state.inner.attempt });
    case FfiConnectionStateTags.Open:
      return Object.freeze({ phase: 'open' });
    case FfiConnectionStateTags.Reconnecting:
      return Object.freeze({
        phase: 'reconnecting',
        attempt: state.inner.attempt,
        delayMs: Number(state.inner.delayMs),
        cause: error(state.inner.cause),
      });
    case FfiConnectionStateTags.Suspended:
      return Object.freeze({
        phase: 'suspended',
        reason: state.inner.reason === SuspendReason.Background ? 'background' : 'offline',
      });
    case FfiConnectionStateTags.Closed:
      return Object.freeze({
        phase: 'closed',
        reason: state.inner.reason === CloseReason.ByClient ? 'byClient' : 'byServer',
      });
    case FfiConnectionStateTags.Failed:
      return Object.freeze({ phase: 'failed', error: error(state.inner.error) });
  }
}

/** `closed` and `failed` are final: the core sends nothing after them. */
export function isFinal(state: ConnectionState): boolean {
  return state.phase === 'closed' || state.phase === 'failed';
}
