import { FfiTetherError, FfiTetherErrorTags } from './ffi';

/**
 * What a caller does differently about a failure, one code per core error variant:
 * - `config`: the URL, a header, a setting, a view or hydrate input is invalid; fix the input.
 * - `rules`: the routing rules were refused; `reason` names the rule and field.
 * - `storage`: the cache file cannot be used; move it away or open without storage.
 * - `closed`: the client was closed; open a new one.
 * - `internal`: a bug; report it.
 */
export type TetherErrorCode = 'config' | 'rules' | 'storage' | 'closed' | 'internal';

/** Every error this package throws. Messages come from the core, which never puts tokens,
 *  header values or URLs in them. */
export class TetherError extends Error {
  constructor(
    readonly code: TetherErrorCode,
    readonly reason: string,
  ) {
    super(reason ? `${code}: ${reason}` : code);
    this.name = 'TetherError';
  }
}

export class TetherConfigError extends TetherError {
  constructor(reason: string) {
    super('config', reason);
    this.name = 'TetherConfigError';
  }
}

export class TetherRulesError extends TetherError {
  constructor(reason: string) {
    super('rules', reason);
    this.name = 'TetherRulesError';
  }
}

export class TetherStorageError extends TetherError {
  constructor(reason: string) {
    super('storage', reason);
    this.name = 'TetherStorageError';
  }
}

export class TetherClosedError extends TetherError {
  constructor() {
    super('closed', 'client is closed');
    this.name = 'TetherClosedError';
  }
}

export class TetherInternalError extends TetherError {
  constructor(reason: string) {
    super('internal', reason);
    this.name = 'TetherInternalError';
  }
}

/** The core's error as this package's; anything else (a bug in the bindings) is `internal`. */
export function translateError(error: unknown): TetherError {
  if (error instanceof TetherError) return error;
  if (FfiTetherError.instanceOf(error)) {
    switch (error.tag) {
      case FfiTetherErrorTags.Config:
        return new TetherConfigError(error.inner.reason);
      case FfiTetherErrorTags.Rules:
        return new TetherRulesError(error.inner.reason);
      case FfiTetherErrorTags.Storage:
        return new TetherStorageError(error.inner.reason);
      case FfiTetherErrorTags.Closed:
        return new TetherClosedError();
      case FfiTetherErrorTags.Internal:
        return new TetherInternalError(error.inner.reason);
    }
  }
  return new TetherInternalError(error instanceof Error ? error.message : String(error));
}

/** Runs a core call, rethrowing its failure as a `TetherError`. */
export function callCore<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw translateError(error);
  }
}
