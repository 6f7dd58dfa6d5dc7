import type { FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { CamauditError } from '../errors.js';

// Who may call the API. Bound to loopback, nobody else can reach it, so no token is needed; bound anywhere else,
// the server refuses to start without a token and then wants it on every route but /health (the hook that checks
// it, and the agent tokens of issue 18, are in access.ts). Loopback is not enough on its own: a web page whose name
// is re-pointed at 127.0.0.1 (DNS rebinding) reaches the API from the user's browser, with its own name in the Host
// header, so a request without a token is answered only when it names a loopback host.

/** A token anyone could guess or read over a shoulder is no token: 32 characters is 190 bits of base64. */
export const MIN_TOKEN_LENGTH = 32;

export interface AuthSettings {
  host: string;
  token?: string;
  /** Require the token even on loopback (tests, or a shared host with untrusted local users). */
  requireToken?: boolean;
}

export interface AuthDecision {
  tokenRequired: boolean;
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice(7) : bare;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** Pure: whether requests need the token, or an error when the settings are unsafe. */
export function decideAuth(settings: AuthSettings): AuthDecision {
  const hasToken = settings.token !== undefined && settings.token !== '';
  if (!hasToken && !isLoopbackHost(settings.host)) {
    throw new CamauditError('CAMAUDIT_ERR_TOKEN_REQUIRED', `the API would listen on ${settings.host || 'every address'}, which is not loopback: give it a token (--token or CAMAUDIT_API_TOKEN)`);
  }
  if (!hasToken && settings.requireToken) throw new CamauditError('CAMAUDIT_ERR_TOKEN_REQUIRED', 'a token is required but none was given');
  if (hasToken && settings.token!.length < MIN_TOKEN_LENGTH) {
    throw new CamauditError('CAMAUDIT_ERR_WEAK_TOKEN', `the API token has ${settings.token!.length} characters; it needs at least ${MIN_TOKEN_LENGTH} (e.g. openssl rand -base64 33)`);
  }
  return { tokenRequired: hasToken };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Constant-time comparison: hashing first makes both sides the same length whatever was sent. */
export function tokenMatches(expected: string, presented: string): boolean {
  return timingSafeEqual(digest(expected), digest(presented));
}

export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match?.[1];
}


/** The names a browser puts in Host when it talks to a loopback API by address or by `localhost`. */
const LOOPBACK_HOST_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Whether a Host header names this loopback API: 127.0.0.1, localhost or [::1] (or the exact address the server
 * is bound to), with or without a port. Anything else is a name a page chose, which is what DNS rebinding needs.
 */
export function isLoopbackHostHeader(header: string | undefined, boundHost: string): boolean {
  if (header === undefined) return false;
  const value = header.trim().toLowerCase();
  const portAt = value.startsWith('[') ? value.indexOf(']:') + 1 : value.lastIndexOf(':');
  const name = portAt > 0 ? value.slice(0, portAt) : value;
  const port = portAt > 0 ? value.slice(portAt + 1) : '';
  if (portAt > 0 && !/^\d{1,5}$/.test(port)) return false;
  const bound = boundHost.includes(':') && !boundHost.startsWith('[') ? `[${boundHost.toLowerCase()}]` : boundHost.toLowerCase();
  return LOOPBACK_HOST_NAMES.has(name) || name === bound;
}

/** An onRequest hook of the token-less (loopback) API: requests naming any other host are refused. */
export function createHostCheckHook(boundHost: string) {
  return async function requireLoopbackHost(request: FastifyRequest): Promise<void> {
    if (!isLoopbackHostHeader(request.headers.host, boundHost)) {
      throw new CamauditError('CAMAUDIT_ERR_FOREIGN_HOST', 'this API has no token, so it answers only requests to 127.0.0.1, localhost or [::1]');
    }
  };
}

/** Consecutive wrong tokens an address may send before it must wait; the wait doubles with each further one. */
export const FREE_FAILURES = 3;
const FIRST_PENALTY_MS = 1000;
const MAX_PENALTY_MS = 60_000;
/** Failures are forgotten after this long without one; the table never holds more than MAX_TRACKED addresses. */
const FORGET_AFTER_MS = 10 * 60_000;
const MAX_TRACKED = 10_000;

interface FailureRecord {
  count: number;
  lastAt: number;
  blockedUntil: number;
}

/**
 * Wrong tokens per client address. After FREE_FAILURES in a row the address is answered 429 (Retry-After)
 * without its token being looked at, for 1 s, then 2 s, 4 s … up to a minute; a right token clears the record.
 */
export class AuthFailures {
  private readonly records = new Map<string, FailureRecord>();
  constructor(private readonly now: () => number = Date.now) {}

  /** Milliseconds the address must still wait, or 0. */
  waitFor(address: string): number {
    const record = this.records.get(address);
    if (!record) return 0;
    const now = this.now();
    if (now - record.lastAt > FORGET_AFTER_MS) {
      this.records.delete(address);
      return 0;
    }
    return Math.max(0, record.blockedUntil - now);
  }

  failed(address: string): void {
    const now = this.now();
    const record = this.records.get(address) ?? { count: 0, lastAt: now, blockedUntil: 0 };
    record.count += 1;
    record.lastAt = now;
    if (record.count > FREE_FAILURES - 1) {
      record.blockedUntil = now + Math.min(MAX_PENALTY_MS, FIRST_PENALTY_MS * 2 ** (record.count - FREE_FAILURES));
    }
    this.records.delete(address);
    this.records.set(address, record);
    // Oldest first in a Map: a flood of addresses cannot grow the table past its cap.
    if (this.records.size > MAX_TRACKED) this.records.delete(this.records.keys().next().value!);
  }

  succeeded(address: string): void {
    this.records.delete(address);
  }
}

