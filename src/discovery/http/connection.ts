// A TCP or TLS connection with hard bounds, written on raw `net`/`tls` sockets rather than fetch/undici: we need
// every byte counted and the whole exchange timed from one absolute deadline. An idle timeout is not enough, as a
// camera that trickles one byte at a time resets it forever and holds a probe slot (hreskiv/mikr#68);
// an HTTP client library also follows redirects, decompresses and buffers on its own terms.
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import type { FrameDecision } from './framing.js';

export interface ConnectOptions {
  host: string;
  port: number;
  tls: boolean;
  connectTimeoutMs: number;
  /** Absolute bound of the whole exchange, counted from the start of the connect. */
  deadlineMs: number;
  /** Most bytes ever buffered from this peer, whatever the framing says. */
  maxBufferBytes: number;
  signal: AbortSignal;
}

export type ConnectFailure = 'refused' | 'connect-timeout' | 'unreachable' | 'reset' | 'tls-failed' | 'deadline' | 'aborted' | 'error';

export type OpenResult =
  | { ok: true; connection: BoundedConnection; connectMs: number }
  | { ok: false; reason: ConnectFailure; detail: string; elapsedMs: number };

/** How a read ended: the message was whole, we cut it at a cap, or the peer, the deadline or an abort ended it. */
export type ReadEnd = 'complete' | 'capped' | 'closed' | 'reset' | 'deadline' | 'aborted';

export interface ReadResult {
  bytes: Buffer;
  end: ReadEnd;
  /** Which cap stopped the read, when end is 'capped'. */
  cap?: 'header' | 'body' | 'buffer';
}

type Framer = (bytes: Buffer) => FrameDecision;

/**
 * TLS as old cameras speak it: TLS 1.0 and weak ciphers allowed, since we record the certificate and trust nothing.
 * One context for every connection: building a SecureContext per connect cost a fifth of a sweep's CPU.
 */
let compatibleContext: SecureContext | undefined;
function tlsContext(): SecureContext {
  compatibleContext ??= createSecureContext({ minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
  return compatibleContext;
}

function failureOf(error: unknown): ConnectFailure {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'reset';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN' || code === 'EADDRNOTAVAIL') return 'unreachable';
  if (code === 'ETIMEDOUT') return 'connect-timeout';
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /SSL|TLS/i.test(error instanceof Error ? error.message : '')) return 'tls-failed';
  return 'error';
}

function detailOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class BoundedConnection {
  private buffer = Buffer.alloc(0);
  private used = 0;
  private ended: ReadEnd | undefined;
  private pending: { framer: Framer; resolve: (result: ReadResult) => void } | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private detachAbort: () => void = () => undefined;

  private constructor(
    private readonly socket: Socket | TLSSocket,
    private readonly options: ConnectOptions,
    private readonly startedAt: number,
  ) {}

  /** Connects (and completes the TLS handshake) within the connect timeout and the deadline. */
  static open(options: ConnectOptions): Promise<OpenResult> {
    const startedAt = performance.now();
    const elapsed = (): number => Math.round(performance.now() - startedAt);
    if (options.signal.aborted) return Promise.resolve({ ok: false, reason: 'aborted', detail: 'aborted before connect', elapsedMs: 0 });
    return new Promise<OpenResult>((resolve) => {
      // SNI is omitted on purpose: the target is an IP address, which RFC 6066 forbids as a server name.
      const socket = options.tls
        ? connectTls({ host: options.host, port: options.port, secureContext: tlsContext(), rejectUnauthorized: false })
        : connectTcp({ host: options.host, port: options.port });
      let settled = false;
      const connectTimer = setTimeout(() => fail('connect-timeout', `no connection within ${options.connectTimeoutMs} ms`), options.connectTimeoutMs);
      const deadlineTimer = setTimeout(
        () => fail('deadline', `no ${options.tls ? 'TLS handshake' : 'connection'} within ${options.deadlineMs} ms`),
        options.deadlineMs,
      );
      // The socket keeps the process alive while it matters; the timers only bound it.
      connectTimer.unref();
      deadlineTimer.unref();
      const onAbort = (): void => fail('aborted', 'aborted while connecting');
      const onError = (error: unknown): void => fail(failureOf(error), detailOf(error));
      const onClose = (): void => fail('reset', 'closed during connect');
      const onTcpConnect = (): void => clearTimeout(connectTimer);
      const detach = (): void => {
        clearTimeout(connectTimer);
        clearTimeout(deadlineTimer);
        options.signal.removeEventListener('abort', onAbort);
        socket.off('error', onError);
        socket.off('close', onClose);
        socket.off('connect', onTcpConnect);
      };
      function fail(reason: ConnectFailure, detail: string): void {
        if (settled) return;
        settled = true;
        detach();
        // Errors after this point (a late RST) must not be unhandled.
        socket.on('error', () => undefined);
        socket.destroy();
        resolve({ ok: false, reason, detail, elapsedMs: elapsed() });
      }
      const onReady = (): void => {
        if (settled) return;
        settled = true;
        detach();
        const connection = new BoundedConnection(socket, options, startedAt);
        connection.attach();
        resolve({ ok: true, connection, connectMs: elapsed() });
      };
      options.signal.addEventListener('abort', onAbort, { once: true });
      socket.on('error', onError);
      socket.once('close', onClose);
      if (options.tls) {
        socket.once('connect', onTcpConnect);
        socket.once('secureConnect', onReady);
      } else {
        socket.once('connect', onReady);
      }
    });
  }

  /** The peer's certificate as Node describes it (TLS only). */
  peerCertificate(): unknown {
    const socket = this.socket as Partial<TLSSocket>;
    if (typeof socket.getPeerCertificate !== 'function') return undefined;
    try {
      return socket.getPeerCertificate(false);
    } catch {
      // A destroyed socket has no certificate to give; the caller records none.
      return undefined;
    }
  }

  /** Milliseconds since the connect began. */
  get elapsedMs(): number {
    return Math.round(performance.now() - this.startedAt);
  }

  /** Whether the connection can still carry a request (not closed, capped, timed out or aborted). */
  get open(): boolean {
    return this.ended === undefined;
  }

  write(bytes: Buffer): void {
    if (this.ended === undefined) this.socket.write(bytes);
  }

  /** Reads until `framer` says the message is whole or capped, or the peer, deadline or abort ends it. */
  read(framer: Framer): Promise<ReadResult> {
    return new Promise((resolve) => {
      this.pending = { framer, resolve };
      this.evaluate();
    });
  }

  close(): void {
    this.finish('closed');
  }

  private attach(): void {
    const { socket, options } = this;
    // One absolute deadline for the whole exchange, counted from the start of the connect: unlike an idle
    // timeout, bytes arriving do not push it back.
    this.deadlineTimer = setTimeout(() => this.finish('deadline'), Math.max(0, options.deadlineMs - (performance.now() - this.startedAt)));
    this.deadlineTimer.unref();
    const onAbort = (): void => this.finish('aborted');
    options.signal.addEventListener('abort', onAbort, { once: true });
    this.detachAbort = () => options.signal.removeEventListener('abort', onAbort);
    socket.on('data', (chunk: Buffer) => this.append(chunk));
    socket.on('end', () => this.finish('closed'));
    socket.on('close', () => this.finish('closed'));
    socket.on('error', (error: unknown) => this.finish(failureOf(error) === 'reset' ? 'reset' : 'closed'));
  }

  private append(chunk: Buffer): void {
    if (this.ended !== undefined) return;
    const room = this.options.maxBufferBytes - this.used;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (this.used + kept.length > this.buffer.length) {
      // Grow by doubling, so a body that arrives in many small segments is copied O(n) times in total, not O(n²).
      const size = Math.min(this.options.maxBufferBytes, Math.max(this.used + kept.length, this.buffer.length * 2, 4096));
      const grown = Buffer.alloc(size);
      this.buffer.copy(grown, 0, 0, this.used);
      this.buffer = grown;
    }
    kept.copy(this.buffer, this.used);
    this.used += kept.length;
    this.evaluate();
    if (kept.length < chunk.length) {
      // More than we will ever hold, whatever the framing says: stop reading.
      if (this.pending) this.settle({ bytes: this.take(this.used), end: 'capped', cap: 'buffer' });
      this.finish('capped');
    }
  }

  private evaluate(): void {
    const pending = this.pending;
    if (!pending) return;
    if (this.used > 0) {
      const decision = pending.framer(this.buffer.subarray(0, this.used));
      if (decision.state === 'complete') {
        this.settle({ bytes: this.take(Math.min(decision.length, this.used)), end: 'complete' });
        return;
      }
      if (decision.state === 'capped') {
        this.settle({ bytes: this.take(Math.min(decision.length, this.used)), end: 'capped', cap: decision.cap });
        this.finish('capped');
        return;
      }
    }
    if (this.ended !== undefined) this.settle({ bytes: this.take(this.used), end: this.ended });
  }

  /** Removes and returns the first `length` buffered bytes (a copy: the buffer is reused). */
  private take(length: number): Buffer {
    const message = Buffer.from(this.buffer.subarray(0, length));
    this.buffer.copy(this.buffer, 0, length, this.used);
    this.used -= length;
    return message;
  }

  private settle(result: ReadResult): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.resolve(result);
  }

  private finish(end: ReadEnd): void {
    if (this.ended !== undefined) return;
    this.ended = end;
    clearTimeout(this.deadlineTimer);
    this.detachAbort();
    this.socket.destroy();
    this.evaluate();
  }
}
