import { ClientConfig, TokenProviderError, type TokenProvider } from './ffi';
import { TetherConfigError } from './errors';

/**
 * How to open a client. Durations are milliseconds; every optional setting left out takes the
 * core's documented default (tuned for a phone on cellular).
 */
export interface TetherConfig {
  /** The stream URL (`http` or `https`). */
  url: string;
  /** The routing rules (docs/rules.md), as JSON text or as the parsed object. */
  rules: string | object;
  /** Request headers sent on every attempt. */
  headers?: Readonly<Record<string, string>>;
  /**
   * Asked for a bearer token before every attempt, and with `refresh = true` after a 401/403.
   * Throw a `TetherTokenError` with `fatal: true` when no token can be had (signed out): the
   * connection fails. Anything else thrown backs off and asks again.
   */
  getToken?: (refresh: boolean) => Promise<string | null | undefined>;
  /** A SQLite file for the cache; left out, the cache lives in memory. */
  sqlitePath?: string;
  /** Start over with an empty file when the stored one is unreadable, instead of throwing
   *  `TetherStorageError`. */
  recoverUnreadableStorage?: boolean;
  /** Names the stream's resume point in storage. */
  streamName?: string;
  /** How long the core gathers changes before one update (default one 60 Hz frame). */
  batchWindowMs?: number;
  watchdogMs?: number;
  initialRetryMs?: number;
  maxRetryMs?: number;
  /** Give up (`failed`) after this many consecutive failed attempts (default: never). */
  maxReconnectAttempts?: number;
  /** Time in background before the socket closes. */
  backgroundGraceMs?: number;
  /** Resume from this event id on the first request; a resume point stored in `sqlitePath`
   *  takes precedence. */
  lastEventId?: string;
  maxLineBytes?: number;
  maxEventBytes?: number;
  dedupIdCapacity?: number;
  /**
   * Follow the app-wide foreground/background and network signals the native observers
   * report (default `true`). The JS layer never reads `AppState` itself.
   */
  followProcessSignals?: boolean;
  /**
   * Share this client under a name: while it is open, opening the same name again (from
   * Kotlin, Swift or JS in the same app) returns this instance. Its first configuration wins.
   */
  instanceName?: string;
}

/** Thrown by `getToken` to say why there is no token. */
export class TetherTokenError extends Error {
  readonly fatal: boolean;
  constructor(reason: string, options: { fatal: boolean }) {
    super(reason);
    this.name = 'TetherTokenError';
    this.fatal = options.fatal;
  }
}

/** A non-negative whole number for a 64-bit field of the record. */
function u64(name: string, value: number | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TetherConfigError(`${name} must be a non-negative integer, got ${value}`);
  }
  return BigInt(value);
}

/** A non-negative whole number for a 32-bit field of the record. */
function u32(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new TetherConfigError(`${name} must be an integer from 0 to 4294967295, got ${value}`);
  }
  return value;
}

/** The app's token function as the core's async foreign trait, errors in the core's terms. */
function tokenProvider(getToken: NonNullable<TetherConfig['getToken']>): TokenProvider {
  return {
    async token(refresh: boolean): Promise<string | undefined> {
      try {
        return (await getToken(refresh)) ?? undefined;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (error instanceof TetherTokenError && error.fatal) {
          throw new TokenProviderError.Fatal({ reason });
        }
        throw new TokenProviderError.Retryable({ reason });
      }
    },
  };
}

/** The FFI record for `config`. Settings left out are left out of the record too, so the
 *  record's own defaults (the core's) apply. */
export function toClientConfig(config: TetherConfig): ClientConfig {
  const optional = {
    tokenProvider: config.getToken && tokenProvider(config.getToken),
    sqlitePath: config.sqlitePath,
    recoverUnreadableStorage: config.recoverUnreadableStorage,
    streamName: config.streamName,
    batchWindowMs: u64('batchWindowMs', config.batchWindowMs),
    watchdogMs: u64('watchdogMs', config.watchdogMs),
    initialRetryMs: u64('initialRetryMs', config.initialRetryMs),
    maxRetryMs: u64('maxRetryMs', config.maxRetryMs),
    maxReconnectAttempts: u32('maxReconnectAttempts', config.maxReconnectAttempts),
    backgroundGraceMs: u64('backgroundGraceMs', config.backgroundGraceMs),
    lastEventId: config.lastEventId,
    maxLineBytes: u64('maxLineBytes', config.maxLineBytes),
    maxEventBytes: u64('maxEventBytes', config.maxEventBytes),
    dedupIdCapacity: u64('dedupIdCapacity', config.dedupIdCapacity),
    followProcessSignals: config.followProcessSignals,
    instanceName: config.instanceName,
  };
  const defined = Object.fromEntries(
    Object.entries(optional).filter(([, value]) => value !== undefined),
  ) as Partial<ClientConfig>;
  return ClientConfig.create({
    ...defined,
    url: config.url,
    rulesJson: typeof config.rules === 'string' ? config.rules : JSON.stringify(config.rules),
    headers: new Map(Object.entries(config.headers ?? {})),
  });
}
