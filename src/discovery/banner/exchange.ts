// The banner exchanges: `GET /` over HTTP or HTTPS, and RTSP `OPTIONS` then (when the device allows it) an
// unauthenticated `DESCRIBE` to learn the WWW-Authenticate realm. Only these requests (and, from index.ts, one
// `GET /favicon.ico` through ../http/request.ts): never an exploit path, never a credential. No redirect is
// followed: the Location header is recorded instead, and the Hikvision login page redirects by JavaScript anyway
// (`window.location.href = "/doc/page/login.asp?_" + …`).
import type { TlsSection } from '../../model.js';
import { USER_AGENT } from '../http/request.js';
import { BoundedConnection, type ConnectFailure, type ReadEnd, type ReadResult } from '../http/connection.js';
import { frameResponse } from '../http/framing.js';
import { parseHttpResponse, type HttpResponse } from './parse-http.js';
import { parseRtspResponse, publicMethods, type RtspResponse } from './parse-rtsp.js';
import { toHex } from '../http/text.js';
import { certificateToTlsSection } from './tls.js';
import { REQUEST_LIMITS } from '../../config.js';

export interface ExchangeLimits {
  connectTimeoutMs: number;
  /** Absolute bound of the whole exchange, connect to last byte. */
  exchangeTimeoutMs: number;
  maxHeaderBytes: number;
  maxBodyBytes: number;
}

export interface ExchangeTarget {
  ip: string;
  port: number;
}


export { USER_AGENT };

export type ExchangeFailure =
  | { ok: false; stage: 'connect'; reason: ConnectFailure; detail: string; elapsedMs: number; tls?: TlsSection }
  | { ok: false; stage: 'response'; reason: 'no-reply' | 'not-http' | 'not-rtsp'; detail: string; end: ReadEnd; firstBytesHex?: string; elapsedMs: number; tls?: TlsSection };

export type HttpExchangeResult =
  | { ok: true; url: string; response: HttpResponse; end: ReadEnd; tls?: TlsSection; elapsedMs: number }
  | (ExchangeFailure & { url: string });

export type RtspExchangeResult =
  | { ok: true; url: string; options: RtspResponse; describe?: RtspResponse; elapsedMs: number; end: ReadEnd }
  | (ExchangeFailure & { url: string });

function hostHeader(target: ExchangeTarget, defaultPort: number): string {
  return target.port === defaultPort ? target.ip : `${target.ip}:${target.port}`;
}

export function buildHttpRequest(target: ExchangeTarget, tls: boolean): Buffer {
  const accept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
  return Buffer.from(
    `GET / HTTP/1.1\r\nHost: ${hostHeader(target, tls ? 443 : 80)}\r\nUser-Agent: ${USER_AGENT}\r\n` +
      `Accept: ${accept}\r\nConnection: close\r\n\r\n`,
    'latin1',
  );
}

export function rtspUrl(target: ExchangeTarget): string {
  return `rtsp://${target.ip}:${target.port}/`;
}

export function buildRtspRequest(method: 'OPTIONS' | 'DESCRIBE', target: ExchangeTarget, cseq: number): Buffer {
  const accept = method === 'DESCRIBE' ? 'Accept: application/sdp\r\n' : '';
  return Buffer.from(`${method} ${rtspUrl(target)} RTSP/1.0\r\nCSeq: ${cseq}\r\nUser-Agent: ${USER_AGENT}\r\n${accept}\r\n`, 'latin1');
}

function connectOptions(target: ExchangeTarget, tls: boolean, limits: ExchangeLimits, signal: AbortSignal) {
  return {
    host: target.ip,
    port: target.port,
    tls,
    connectTimeoutMs: limits.connectTimeoutMs,
    deadlineMs: limits.exchangeTimeoutMs,
    maxBufferBytes: limits.maxHeaderBytes + limits.maxBodyBytes,
    signal,
  };
}

function noReply(read: ReadResult, protocol: string, elapsedMs: number, tls?: TlsSection): ExchangeFailure {
  const failure: ExchangeFailure = {
    ok: false,
    stage: 'response',
    reason: 'no-reply',
    detail: `no ${protocol} reply (${read.end})`,
    end: read.end,
    elapsedMs,
  };
  if (tls) failure.tls = tls;
  return failure;
}

/** `GET /` with every bound from `limits`; the certificate is captured for HTTPS even when no HTTP reply follows. */
export async function httpExchange(target: ExchangeTarget, tls: boolean, limits: ExchangeLimits, signal: AbortSignal): Promise<HttpExchangeResult> {
  // Always with the port, as the data model's example (`http://10.0.0.5:80/`): one form per address and port.
  const url = `${tls ? 'https' : 'http'}://${target.ip}:${target.port}/`;
  const opened = await BoundedConnection.open(connectOptions(target, tls, limits, signal));
  if (!opened.ok) return { ok: false, url, stage: 'connect', reason: opened.reason, detail: opened.detail, elapsedMs: opened.elapsedMs };
  const { connection } = opened;
  try {
    const certificate = tls ? certificateToTlsSection(connection.peerCertificate()) : undefined;
    connection.write(buildHttpRequest(target, tls));
    const read = await connection.read((bytes) => frameResponse(bytes, 'HTTP', limits));
    if (read.bytes.length === 0) return { ...noReply(read, 'HTTP', connection.elapsedMs, certificate), url };
    const parsedResponse = parseHttpResponse(read.bytes, { truncated: read.end === 'capped' || read.end === 'deadline' || read.end === 'aborted' });
    if (!parsedResponse.ok) {
      const failure: HttpExchangeResult = {
        ok: false,
        url,
        stage: 'response',
        reason: 'not-http',
        detail: parsedResponse.reason,
        end: read.end,
        firstBytesHex: toHex(read.bytes, REQUEST_LIMITS.firstBytesLogged),
        elapsedMs: connection.elapsedMs,
      };
      if (certificate) failure.tls = certificate;
      return failure;
    }
    const result: HttpExchangeResult = { ok: true, url, response: parsedResponse.value, end: read.end, elapsedMs: connection.elapsedMs };
    if (certificate) result.tls = certificate;
    return result;
  } finally {
    connection.close();
  }
}

/** Whether to follow OPTIONS with DESCRIBE: only after a 2xx that does not exclude DESCRIBE from `Public`. */
function describeAllowed(options: RtspResponse): boolean {
  if (options.status < 200 || options.status >= 300) return false;
  const methods = publicMethods(options.headers);
  return methods.length === 0 || methods.includes('DESCRIBE');
}

/** RTSP OPTIONS (CSeq 1), then DESCRIBE (CSeq 2) without credentials on the same connection, all within one deadline. */
export async function rtspExchange(target: ExchangeTarget, limits: ExchangeLimits, signal: AbortSignal): Promise<RtspExchangeResult> {
  const url = rtspUrl(target);
  const opened = await BoundedConnection.open(connectOptions(target, false, limits, signal));
  if (!opened.ok) return { ok: false, url, stage: 'connect', reason: opened.reason, detail: opened.detail, elapsedMs: opened.elapsedMs };
  const { connection } = opened;
  const framer = (bytes: Buffer) => frameResponse(bytes, 'RTSP', limits);
  try {
    connection.write(buildRtspRequest('OPTIONS', target, 1));
    const first = await connection.read(framer);
    if (first.bytes.length === 0) return { ...noReply(first, 'RTSP', connection.elapsedMs), url };
    const options = parseRtspResponse(first.bytes);
    if (!options.ok) {
      return {
        ok: false,
        url,
        stage: 'response',
        reason: 'not-rtsp',
        detail: options.reason,
        end: first.end,
        firstBytesHex: toHex(first.bytes, REQUEST_LIMITS.firstBytesLogged),
        elapsedMs: connection.elapsedMs,
      };
    }
    const result: RtspExchangeResult = { ok: true, url, options: options.value, elapsedMs: connection.elapsedMs, end: first.end };
    if (first.end === 'complete' && connection.open && describeAllowed(options.value)) {
      connection.write(buildRtspRequest('DESCRIBE', target, 2));
      const second = await connection.read(framer);
      const describe = second.bytes.length > 0 ? parseRtspResponse(second.bytes) : undefined;
      if (describe?.ok) result.describe = describe.value;
      result.elapsedMs = connection.elapsedMs;
    }
    return result;
  } finally {
    connection.close();
  }
}
