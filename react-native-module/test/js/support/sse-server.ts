import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { until } from './wait';

/** One SSE event as the server writes it. `data` that is not a string is sent as JSON. */
export interface SseEvent {
  readonly id?: string;
  readonly event?: string;
  readonly data: unknown;
}

/** What a request asked for (never its header values beyond these two). */
export interface RecordedRequest {
  readonly lastEventId: string | undefined;
  readonly authorization: string | undefined;
  readonly status: number;
}

/**
 * A scriptable SSE server on loopback, over real sockets. Every event published is kept in a
 * log: a new stream gets the whole log, a stream that resumes with `Last-Event-ID` gets what
 * follows that id, then both get each new event live. `drop()` cuts every open stream without
 * a clean end; `refuseNext(401)` answers the next request with that status.
 *
 * Tests wait on it through `waitFor(...)`: every request, stream open and stream end wakes the
 * waiters, so nothing sleeps.
 */
export class SseServer {
  private readonly log: { id: string | undefined; frame: string }[] = [];
  private readonly streams = new Set<http.ServerResponse>();
  private readonly sockets = new Set<Socket>();
  private readonly changes = new EventEmitter();
  private refusals: { status: number; headers: Record<string, string> }[] = [];
  readonly requests: RecordedRequest[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<SseServer> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const sse = new SseServer(server, `http://127.0.0.1:${port}/events`);
    server.on('connection', (socket) => {
      sse.sockets.add(socket);
      socket.on('close', () => sse.sockets.delete(socket));
    });
    server.on('request', (request, response) => sse.handle(request, response));
    return sse;
  }

  /** Streams open now. */
  get openStreams(): number {
    return this.streams.size;
  }

  /** Appends `event` to the log and writes it to every open stream. */
  publish(event: SseEvent): void {
    const frame = SseServer.frame(event);
    this.log.push({ id: event.id, frame });
    for (const stream of this.streams) stream.write(frame);
  }

  /** Cuts every open stream abruptly (no chunked terminator): a network drop. */
  drop(): void {
    for (const stream of this.streams) stream.socket?.destroy();
  }

  /** Answers the next request with `status` (and `headers`) instead of a stream. */
  refuseNext(status: number, headers: Record<string, string> = {}): void {
    this.refusals.push({ status, headers });
  }

  /** Resolves once `predicate` holds, checked now and after every request or stream change. */
  waitFor<T>(predicate: () => T | undefined | false, what: string, timeoutMs?: number): Promise<T> {
    return until(
      predicate,
      (wake) => {
        this.changes.on('change', wake);
        return () => this.changes.off('change', wake);
      },
      what,
      timeoutMs,
    );
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const lastEventId = request.headers['last-event-id'] as string | undefined;
    const authorization = request.headers.authorization;
    const refusal = this.refusals.shift();
    const status = refusal?.status ?? 200;
    this.requests.push({ lastEventId, authorization, status });
    if (refusal) {
      response.writeHead(refusal.status, refusal.headers).end();
      this.changes.emit('change');
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    response.flushHeaders();
    const from = lastEventId === undefined ? 0 : this.log.findIndex((e) => e.id === lastEventId) + 1;
    for (const { frame } of this.log.slice(from)) response.write(frame);
    this.streams.add(response);
    response.on('close', () => {
      this.streams.delete(response);
      this.changes.emit('change');
    });
    this.changes.emit('change');
  }

  private static frame({ id, event, data }: SseEvent): string {
    const text = typeof data === 'string' ? data : JSON.stringify(data);
    let frame = '';
    if (event !== undefined) frame += `event: ${event}\n`;
    if (id !== undefined) frame += `id: ${id}\n`;
    for (const line of text.split('\n')) frame += `data: ${line}\n`;
    return `${frame}\n`;
  }
}
