// One HTTP request and one response per connection, written byte for byte from the profile. A hand-written server
// rather than node:http because embedded web servers differ in exactly what node:http normalises: header case
// (Dahua's `CONTENT-LENGTH`), header order, HTTP/1.0 status lines, missing Date or Server headers.

import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { HeaderMap, HttpReply, HttpRoute } from '../profile.js';
import { DigestNonces, hasValidDigest } from './responders/onvif.js';
import { renderTemplate, type ResponderContext } from './responder.js';

export interface HttpSite {
  headers?: HeaderMap;
  routes: HttpRoute[];
  notFound?: HttpReply;
}

/** Digest nonces issued per site (one per device and scheme), each good for one answer. */
const siteNonces = new WeakMap<HttpSite, DigestNonces>();

/** The route's reply, or for a Digest-protected route without a valid answer, a 401 with a fresh challenge. */
function guardedReply(site: HttpSite, route: HttpReply & { digest?: HttpRoute['digest'] }, method: string, target: string, authorization: string | undefined): HttpReply {
  if (route.digest === undefined) return route;
  const nonces = siteNonces.get(site) ?? new DigestNonces();
  siteNonces.set(site, nonces);
  const { realm, users, unauthorizedBody } = route.digest;
  if (hasValidDigest(authorization, method, users, realm, nonces) && digestUri(authorization) === target) return route;
  return {
    status: 401,
    headers: { 'WWW-Authenticate': `Digest qop="auth", realm="${realm}", nonce="${nonces.issue()}", stale="FALSE"`, 'Content-Type': 'text/html' },
    body: unauthorizedBody ?? '',
  };
}

function digestUri(authorization: string | undefined): string | undefined {
  return /\buri="([^"]*)"/.exec(authorization ?? '')?.[1];
}

const MAX_REQUEST_HEAD_BYTES = 16 * 1024;
const REQUEST_TIMEOUT_MS = 10_000;
/** A hanging route holds the connection this long at most, so a forgotten client cannot pin a device forever. */
const HANG_LIMIT_MS = 300_000;
/** Upper bound of a repeated body, so a profile cannot make a device allocate without limit. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const DEFAULT_NOT_FOUND: HttpReply = { status: 404, headers: { 'Content-Type': 'text/html' }, body: '<html><body>404 Not Found</body></html>' };

export function findRoute(site: HttpSite, method: string, target: string): HttpReply {
  const pathOnly = target.split('?')[0] ?? target;
  const lookupMethod = method === 'HEAD' ? 'GET' : method;
  for (const route of site.routes) {
    if ((route.method ?? 'GET') !== lookupMethod && (route.method ?? 'GET') !== method) continue;
    const compared = route.path.includes('?') ? target : pathOnly;
    const matches = route.path.endsWith('*') ? compared.startsWith(route.path.slice(0, -1)) : compared === route.path;
    if (matches) return route;
  }
  return site.notFound ?? DEFAULT_NOT_FOUND;
}

function headerLines(map: HeaderMap | undefined): [string, string][] {
  if (!map) return [];
  return Object.entries(map).flatMap(([name, value]) => (Array.isArray(value) ? value.map((item): [string, string] => [name, item]) : [[name, value]]));
}

/** Site-wide headers, then the reply's own; a reply header replaces a site header of the same name (any case), and
 * an empty array in the reply removes it. */
function mergedHeaders(site: HttpSite, reply: HttpReply): [string, string][] {
  const replyNames = new Set(Object.keys(reply.headers ?? {}).map((name) => name.toLowerCase()));
  return [...headerLines(site.headers).filter(([name]) => !replyNames.has(name.toLowerCase())), ...headerLines(reply.headers)];
}

export function renderResponse(site: HttpSite, reply: HttpReply, method: string, context: ResponderContext): Buffer {
  if (reply.rawBase64 !== undefined) return Buffer.from(reply.rawBase64, 'base64');
  const once = reply.bodyBase64 !== undefined ? Buffer.from(reply.bodyBase64, 'base64') : Buffer.from(renderTemplate(reply.body ?? '', context), 'utf8');
  const repeat = Math.min(reply.bodyRepeat ?? 1, Math.max(1, Math.floor(MAX_BODY_BYTES / Math.max(1, once.length))));
  const body = repeat > 1 ? Buffer.concat(Array.from({ length: repeat }, () => once)) : once;
  const extra = { contentLength: String(body.length) };
  const headers = mergedHeaders(site, reply).map(([name, value]): [string, string] => [name, renderTemplate(value, context, extra)]);
  const names = new Set(headers.map(([name]) => name.toLowerCase()));
  if (!names.has('content-length') && !names.has('transfer-encoding')) headers.push(['Content-Length', String(body.length)]);
  // One response per connection: say so unless the profile sets its own Connection header.
  if (!names.has('connection')) headers.push(['Connection', 'close']);
  const reason = reply.reason ?? STATUS_CODES[reply.status] ?? 'Unknown';
  const head = [`HTTP/${reply.httpVersion ?? '1.1'} ${reply.status} ${reason}`, ...headers.map(([name, value]) => `${name}: ${value}`)].join('\r\n');
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), method === 'HEAD' ? Buffer.alloc(0) : body]);
}

/** Checks every template in a site once, so a profile typo fails at device start. */
export function checkSiteTemplates(site: HttpSite, context: ResponderContext): void {
  for (const reply of [...site.routes, site.notFound ?? DEFAULT_NOT_FOUND]) renderResponse(site, { ...reply, bodyRepeat: 1 }, 'GET', context);
}

export function serveHttpConnection(socket: Socket, site: HttpSite, context: ResponderContext, scheme: string): void {
  let received = Buffer.alloc(0);
  socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy());
  socket.on('error', (error) => context.log(`${scheme} connection error`, { error: error.message }));
  const onData = (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    const end = received.indexOf('\r\n\r\n');
    if (end < 0) {
      if (received.length > MAX_REQUEST_HEAD_BYTES) finish(socket, simpleReply(431, 'Request Header Fields Too Large'));
      return;
    }
    socket.off('data', onData);
    const requestLine = received.subarray(0, received.indexOf('\r\n')).toString('latin1');
    const match = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(requestLine);
    if (!match) {
      finish(socket, simpleReply(400, 'Bad Request'));
      return;
    }
    const [, method = 'GET', target = '/'] = match;
    const head = received.subarray(0, end).toString('latin1');
    const authorization = /\r\nauthorization:[ \t]*([^\r\n]*)/i.exec(head)?.[1];
    const reply = guardedReply(site, findRoute(site, method, target), method, target, authorization);
    context.log(`${scheme} request`, { method, target, status: reply.status, from: socket.remoteAddress });
    if (reply.hang) {
      socket.setTimeout(HANG_LIMIT_MS, () => socket.destroy());
      return;
    }
    const answer = () => {
      try {
        finish(socket, renderResponse(site, reply, method, context));
      } catch (error) {
        context.log(`${scheme} response failed`, { error: (error as Error).message });
        finish(socket, simpleReply(500, 'Internal Server Error'));
      }
    };
    if (reply.delayMs) {
      socket.setTimeout(REQUEST_TIMEOUT_MS + reply.delayMs, () => socket.destroy());
      const timer = setTimeout(answer, reply.delayMs);
      socket.once('close', () => clearTimeout(timer));
    } else answer();
  };
  socket.on('data', onData);
}

function simpleReply(status: number, reason: string): Buffer {
  return Buffer.from(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`, 'latin1');
}

function finish(socket: Socket, response: Buffer): void {
  socket.end(response);
}
