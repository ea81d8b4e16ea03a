import {
  AppState,
  NetworkState,
  setProcessAppState as ffiSetProcessAppState,
  setProcessNetwork as ffiSetProcessNetwork,
} from './ffi';

/**
 * App-wide lifecycle and network signals. The native module's observers report them (JS never
 * reads `AppState`); every client that follows process signals (the default) acts on them, and
 * clients opened later start in them. Exposed for tests and hosts without the native module.
 */
export function setProcessAppState(state: 'foreground' | 'background'): void {
  ffiSetProcessAppState(state === 'foreground' ? AppState.Foreground : AppState.Background);
}

/** See `setProcessAppState`. */
export function setProcessNetwork(state: 'online' | 'offline'): void {
  ffiSetProcessNetwork(state === 'online' ? NetworkState.Online : NetworkState.Offline);
}
