// HTTP Digest access authentication (RFC 7616, which keeps RFC 2617's MD5 form): reading a device's
// `WWW-Authenticate` challenge and answering it. Pure: the challenge is foreign input (bounded, never thrown on),
// and the answer is a header value; the caller decides whether credentials may be sent at all.
//
// Why ours: ONVIF firmware set to "Digest" authentication (a Hikvision option beside "Digest&ws-username token")
// refuses the WS-Security UsernameToken and wants HTTP Digest on the SOAP POST (agsh/onvif#294, #343); node-onvif
// sends the UsernameToken only.
import { createHash, randomBytes } from 'node:crypto';
import { parsed, rejected, type ParseResult } from '../parse-result.js';
import { PARSE_LIMITS } from '../../config.js';


export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';
const ALGORITHMS: readonly DigestAlgorithm[] = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'];

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm: DigestAlgorithm;
  /** `auth` when the server offered it; undefined for an RFC 2069 challenge without qop. */
  qop?: 'auth';
  stale: boolean;
}

/** Control characters would be echoed into our Authorization header; a challenge carrying them is refused. */
const hasControlCharacter = (value: string): boolean => [...value].some((character) => character.charCodeAt(0) < 0x20 || character.charCodeAt(0) === 0x7f);

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
const SPACE = /[ \t]*/y;

/** Reads a quoted-string starting at `start` (the opening quote); returns its unescaped text and the index after it. */
function readQuoted(text: string, start: number): { value: string; end: number } | undefined {
  let value = '';
  for (let index = start + 1; index < text.length; index += 1) {
    const character = text[index];
    if (character === '"') return { value, end: index + 1 };
    if (character === '\\') index += 1;
    value += text[index] ?? '';
  }
  return undefined;
}

interface RawChallenge {
  scheme: string;
  parameters: Map<string, string>;
}

/** Splits a WWW-Authenticate value (one or several challenges, comma-joined) into schemes and their parameters. */
function splitChallenges(header: string): ParseResult<RawChallenge[]> {
  const challenges: RawChallenge[] = [];
  let index = 0;
  const skip = (): void => {
    while (index < header.length && (header[index] === ',' || header[index] === ' ' || header[index] === '\t')) index += 1;
  };
  const match = (pattern: RegExp): string | undefined => {
    pattern.lastIndex = index;
    const found = pattern.exec(header)?.[0];
    if (found !== undefined) index += found.length;
    return found;
  };
  while (true) {
    skip();
    if (index >= header.length) break;
    const token = match(TOKEN);
    if (token === undefined) {
      // Not a scheme or parameter (a token68's `/` or `=` padding, stray punctuation): skip to the next comma
      // rather than lose the challenges after it.
      const comma = header.indexOf(',', index);
      index = comma === -1 ? header.length : comma;
      continue;
    }
    match(SPACE);
    if (header[index] !== '=') {
      challenges.push({ scheme: token.toLowerCase(), parameters: new Map() });
      continue;
    }
    index += 1;
    match(SPACE);
    let value: string | undefined;
    if (header[index] === '"') {
      const quoted = readQuoted(header, index);
      if (quoted === undefined) return rejected('unterminated quoted string in the challenge');
      value = quoted.value;
      index = quoted.end;
    } else {
      value = match(TOKEN) ?? '';
    }
    const current = challenges.at(-1);
    // A token68 (Basic's `=` padding) or a parameter before any scheme: nothing to keep.
    if (current === undefined) continue;
    const name = token.toLowerCase();
    // The first occurrence wins: a repeated parameter cannot replace the one already read.
    if (!current.parameters.has(name)) current.parameters.set(name, value);
  }
  return parsed(challenges);
}

/**
 * How much an answerable challenge protects the password, lower is better: SHA-256 before MD5, and qop=auth (a
 * client nonce, so a captured answer cannot be replayed against a chosen nonce) before none. RFC 7616 §3.7: a
 * server offers its challenges in order of preference, and a client uses the strongest it understands.
 */
function weakness(challenge: DigestChallenge): number {
  return (challenge.qop === undefined ? 2 : 0) + (challenge.algorithm.startsWith('SHA-256') ? 0 : 1);
}

/** The strongest Digest challenge in a WWW-Authenticate value that we can answer (MD5 or SHA-256, qop auth or none). */
export function parseDigestChallenge(header: string): ParseResult<DigestChallenge> {
  if (header.length > PARSE_LIMITS.maxDigestChallengeChars) return rejected(`challenge longer than ${PARSE_LIMITS.maxDigestChallengeChars} characters`);
  const split = splitChallenges(header);
  if (!split.ok) return split;
  const digests = split.value.filter((challenge) => challenge.scheme === 'digest');
  if (digests.length === 0) return rejected('no Digest challenge');
  let reason = 'no usable Digest challenge';
  let best: DigestChallenge | undefined;
  for (const { parameters } of digests) {
    const realm = parameters.get('realm');
    const nonce = parameters.get('nonce');
    if (realm === undefined || nonce === undefined || nonce === '') {
      reason = 'Digest challenge without realm or nonce';
      continue;
    }
    if ([realm, nonce, parameters.get('opaque') ?? ''].some((value) => value.length > PARSE_LIMITS.maxDigestParameterChars || hasControlCharacter(value))) {
      reason = 'Digest challenge parameter too long or with control characters';
      continue;
    }
    const algorithmName = parameters.get('algorithm') ?? 'MD5';
    const algorithm = ALGORITHMS.find((candidate) => candidate.toLowerCase() === algorithmName.toLowerCase());
    if (algorithm === undefined) {
      reason = `Digest algorithm ${algorithmName.slice(0, 32)} not supported`;
      continue;
    }
    const qopOffered = parameters.get('qop');
    const qopList = qopOffered?.split(',').map((entry) => entry.trim().toLowerCase());
    // auth-int alone would need the body hashed under the challenge; no camera we know of asks for it.
    if (qopList !== undefined && !qopList.includes('auth')) {
      reason = `Digest qop ${qopOffered?.slice(0, 32) ?? ''} not supported`;
      continue;
    }
    const opaque = parameters.get('opaque');
    const challenge: DigestChallenge = {
      realm,
      nonce,
      algorithm,
      stale: parameters.get('stale')?.toLowerCase() === 'true',
      ...(qopList === undefined ? {} : { qop: 'auth' as const }),
      ...(opaque === undefined ? {} : { opaque }),
    };
    // Equal strength: the server's first stays (its order is its preference).
    if (best === undefined || weakness(challenge) < weakness(best)) best = challenge;
  }
  return best === undefined ? rejected(reason) : parsed(best);
}

export interface DigestAnswer {
  username: string;
  password: string;
  method: string;
  /** The request-target exactly as sent (path and query). */
  uri: string;
  /** Client nonce: fresh random text per request. */
  cnonce: string;
  /** How many requests this client has sent with this nonce (1 for the first). */
  nonceCount: number;
}

function hashOf(algorithm: DigestAlgorithm): (text: string) => string {
  const name = algorithm.startsWith('SHA-256') ? 'sha256' : 'md5';
  return (text) => createHash(name).update(text, 'utf8').digest('hex');
}

/** quoted-string per RFC 9110: backslash before `"` and `\`. */
const quote = (value: string): string => `"${value.replace(/["\\]/g, (character) => `\\${character}`)}"`;

/** The `response` value of RFC 7616 §3.4.1. */
export function digestResponse(challenge: DigestChallenge, answer: DigestAnswer): string {
  const hash = hashOf(challenge.algorithm);
  const nc = answer.nonceCount.toString(16).padStart(8, '0');
  let ha1 = hash(`${answer.username}:${challenge.realm}:${answer.password}`);
  if (challenge.algorithm.endsWith('-sess')) ha1 = hash(`${ha1}:${challenge.nonce}:${answer.cnonce}`);
  const ha2 = hash(`${answer.method}:${answer.uri}`);
  return challenge.qop === undefined ? hash(`${ha1}:${challenge.nonce}:${ha2}`) : hash(`${ha1}:${challenge.nonce}:${nc}:${answer.cnonce}:${challenge.qop}:${ha2}`);
}

/** The Authorization header value answering `challenge`. */
export function digestAuthorization(challenge: DigestChallenge, answer: DigestAnswer): string {
  const parts = [
    `username=${quote(answer.username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(answer.uri)}`,
    `algorithm=${challenge.algorithm}`,
    `response=${quote(digestResponse(challenge, answer))}`,
  ];
  if (challenge.qop !== undefined) parts.push(`qop=${challenge.qop}`, `nc=${answer.nonceCount.toString(16).padStart(8, '0')}`, `cnonce=${quote(answer.cnonce)}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}

/** HTTP Digest client nonce: 8 random bytes, as hex. */
const CNONCE_BYTES = 8;

/**
 * The Authorization value answering the first usable Digest challenge of a refusal's WWW-Authenticate, for one
 * request (`method` and `uri`, the request-target exactly as sent), with a fresh client nonce. The caller decides
 * whether credentials may go to that device at all.
 */
export function answerDigestChallenge(wwwAuthenticate: string, credentials: { username: string; password: string }, request: { method: string; uri: string }): ParseResult<string> {
  const challenge = parseDigestChallenge(wwwAuthenticate);
  if (!challenge.ok) return challenge;
  const answer: DigestAnswer = { ...request, username: credentials.username, password: credentials.password, cnonce: randomBytes(CNONCE_BYTES).toString('hex'), nonceCount: 1 };
  return parsed(digestAuthorization(challenge.value, answer));
}
