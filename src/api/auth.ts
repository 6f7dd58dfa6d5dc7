import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { CamauditError } from '../errors.js';

// Who may call the API. Bound to loopback, nobody else can reach it, so no token is needed; bound anywhere else,
// the server refuses to start without a token and then wants it on every route but /health (the hook that checks
// it, and the agent tokens of issue 18, are in access.ts).

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
