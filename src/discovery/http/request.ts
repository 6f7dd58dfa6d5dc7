// The one HTTP request camaudit makes to a device after it answered (UPnP description, ONVIF SOAP, favicon, and
// any later vendor API call): to the responder's own address only, no redirect followed, one absolute deadline from
// connect to last byte (config.exchangeTimeoutMs), head and body bounded, one token of the shared limiter per
// request, and every failure one error type with a reason. Written on the bounded connection the banner probe uses
// (connection.ts), so a device's bytes are counted and framed the same way wherever they come from.
import { checkInScope, type ScanScope } from '../../net/scope.js';
import type { ProbeContext } from '../types.js';
import { VERSION } from '../../version.js';
import { BoundedConnection } from './connection.js';
import { answerDigestChallenge } from './digest.js';
import { frameResponse, responseBodyBytes, type FrameDecision } from './framing.js';
import { contentLengthOf, findHeadEnd, parseResponseHead } from './parse-head.js';

/** How camaudit names itself in every HTTP and RTSP request. */
export const USER_AGENT = `camaudit/${VERSION}`;

export interface DeviceRequest {
  /** The address that answered a probe: the request goes there and nowhere else, whatever the URL came from. */
  responder: string;
  /** An http: or https: URL whose host is `responder` (a device-supplied URL is checked, never trusted). */
  url: URL;
  method: 'GET' | 'POST';
  /** Extra header fields (Accept, Content-Type, Authorization…); Host, User-Agent and Connection are set here. */
  headers?: Record<string, string>;
  body?: Buffer;
  /** Most body bytes kept; a longer body fails the request (`too-large`). */
  maxBodyBytes: number;
  /** What the reply is, in error messages ("UPnP description", "ONVIF reply"). */
  what: string;
  /** Connect bound; by default the whole deadline (a device fetch follows a reply, so the host is known to be up). */
  connectTimeoutMs?: number;
}

export interface DeviceResponse {
  status: number;
  /** Lower-case names; repeated fields joined with ", ". */
  headers: Record<string, string>;
  /** The body after transfer decoding (chunked or Content-Length). */
  body: Buffer;
}

export type DeviceRequestFailure = 'refused-target' | 'connect' | 'timeout' | 'too-large' | 'closed' | 'not-http' | 'aborted';

/** Every way a device request fails. `reason` says which; `boundExceeded` is true when a time or size bound ended it. */
export class DeviceRequestError extends Error {
  constructor(
    readonly reason: DeviceRequestFailure,
    message: string,
  ) {
    super(message);
    this.name = 'DeviceRequestError';
  }

  /** The device held us past our deadline or sent more than our bounds: it is holding us up or flooding us. */
  get boundExceeded(): boolean {
    return this.reason === 'timeout' || this.reason === 'too-large';
  }
}

export type RequestContext = Pick<ProbeContext, 'config' | 'limiter' | 'signal'> & Partial<Pick<ProbeContext, 'scope'>>;

function hostHeader(url: URL, tls: boolean): string {
  const port = url.port === '' ? (tls ? 443 : 80) : Number(url.port);
  return port === (tls ? 443 : 80) ? url.hostname : `${url.hostname}:${port}`;
}

/** Why `url` is not a target for a request to `responder`, or undefined when it is. */
export function refusedTarget(url: URL, responder: string, scope?: ScanScope): string | undefined {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `scheme ${url.protocol} is not HTTP`;
  if (url.username !== '' || url.password !== '') return 'URL carries credentials';
  if (url.hostname !== responder) return `host ${url.hostname} is not the responding address ${responder}`;
  if (scope !== undefined) {
    const decision = checkInScope(scope, responder);
    if (!decision.inScope) return decision.reason;
  }
  return undefined;
}

function requestBytes(request: DeviceRequest, tls: boolean): Buffer {
  const fields: Record<string, string> = {
    Host: hostHeader(request.url, tls),
    'User-Agent': USER_AGENT,
    ...request.headers,
    ...(request.body === undefined ? {} : { 'Content-Length': String(request.body.length) }),
    Connection: 'close',
  };
  const head = Object.entries(fields)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const start = Buffer.from(`${request.method} ${request.url.pathname}${request.url.search} HTTP/1.1\r\n${head}\r\n`, 'latin1');
  return request.body === undefined ? start : Buffer.concat([start, request.body]);
}

/**
 * Sends one request and reads the whole response within the bounds; rejects with DeviceRequestError otherwise.
 * A 3xx is returned as it is: no redirect is followed.
 */
export async function deviceRequest(request: DeviceRequest, context: RequestContext): Promise<DeviceResponse> {
  const { config, signal } = context;
  const { url, what } = request;
  const refusal = refusedTarget(url, request.responder, context.scope);
  if (refusal !== undefined) throw new DeviceRequestError('refused-target', `${what} not requested: ${refusal}`);
  const tls = url.protocol === 'https:';
  const limits = { maxHeaderBytes: config.maxHeaderBytes, maxBodyBytes: request.maxBodyBytes };
  await context.limiter.take(request.responder, signal);
  const opened = await BoundedConnection.open({
    host: request.responder,
    port: url.port === '' ? (tls ? 443 : 80) : Number(url.port),
    tls,
    connectTimeoutMs: request.connectTimeoutMs ?? config.exchangeTimeoutMs,
    deadlineMs: config.exchangeTimeoutMs,
    maxBufferBytes: limits.maxHeaderBytes + limits.maxBodyBytes,
    signal,
  });
  if (!opened.ok) {
    if (opened.reason === 'deadline') throw new DeviceRequestError('timeout', `no complete ${what} within ${config.exchangeTimeoutMs} ms (${opened.detail})`);
    if (opened.reason === 'aborted') throw new DeviceRequestError('aborted', `${what} request aborted`);
    throw new DeviceRequestError('connect', `${what} request failed: ${opened.reason}: ${opened.detail}`);
  }
  const { connection } = opened;
  // A Content-Length over the bound is refused as soon as the head is in, without reading the body.
  let declared: number | undefined;
  const framer = (bytes: Buffer): FrameDecision => {
    const decision = frameResponse(bytes, 'HTTP', limits);
    if (decision.state !== 'need-more') return decision;
    const headEnd = findHeadEnd(bytes);
    if (headEnd === -1) return decision;
    const head = parseResponseHead(bytes.subarray(0, headEnd), 'HTTP');
    const length = head.ok ? contentLengthOf(head.value.headers) : undefined;
    if (length === undefined || length <= limits.maxBodyBytes) return decision;
    declared = length;
    return { state: 'capped', length: headEnd, cap: 'body' };
  };
  try {
    connection.write(requestBytes(request, tls));
    const read = await connection.read(framer);
    if (read.end === 'deadline') throw new DeviceRequestError('timeout', `no complete ${what} within ${config.exchangeTimeoutMs} ms`);
    if (read.end === 'aborted') throw new DeviceRequestError('aborted', `${what} request aborted`);
    if (read.end === 'capped') {
      if (read.cap === 'header') throw new DeviceRequestError('too-large', `${what} headers larger than ${limits.maxHeaderBytes} bytes`);
      const declaring = declared === undefined ? '' : ` (it declares ${declared})`;
      throw new DeviceRequestError('too-large', `${what} larger than ${limits.maxBodyBytes} bytes${declaring}`);
    }
    if (read.bytes.length === 0) throw new DeviceRequestError('closed', `connection closed without a ${what}`);
    const head = parseResponseHead(read.bytes, 'HTTP');
    if (!head.ok) throw new DeviceRequestError('not-http', `${what} is not HTTP: ${head.reason}`);
    const { status, headers, bodyOffset } = head.value;
    const { bodyBytes, truncated } = responseBodyBytes(read.bytes, headers, bodyOffset, read.end !== 'complete' && read.end !== 'closed');
    if (truncated) throw new DeviceRequestError('closed', `connection closed before the ${what} ended`);
    return { status, headers, body: Buffer.from(bodyBytes) };
  } finally {
    connection.close();
  }
}

/**
 * The request without credentials first; when the device refuses it with a 401 carrying a Digest challenge we can
 * answer, once more with the Digest answer (RFC 7616). Never more than two requests, since firmware locks an
 * address out after a few failures. The caller passes credentials only for a device they were configured for.
 */
export async function deviceRequestWithDigest(
  request: DeviceRequest,
  credentials: { username: string; password: string },
  context: RequestContext,
): Promise<DeviceResponse & { credentialsSent: boolean }> {
  const anonymous = await deviceRequest(request, context);
  const challenge = anonymous.headers['www-authenticate'];
  if (anonymous.status !== 401 || challenge === undefined) return { ...anonymous, credentialsSent: false };
  const answer = answerDigestChallenge(challenge, credentials, { method: request.method, uri: `${request.url.pathname}${request.url.search}` });
  if (!answer.ok) return { ...anonymous, credentialsSent: false };
  const answered = await deviceRequest({ ...request, headers: { ...request.headers, Authorization: answer.value } }, context);
  return { ...answered, credentialsSent: true };
}
