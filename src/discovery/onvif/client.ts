// The ONVIF calls that follow a WS-Discovery sighting: a small SOAP-over-HTTP client of our own (see the
// why in index.ts). Every exchange is bounded by config.exchangeTimeoutMs, its headers by
// config.maxHeaderBytes and its body by config.maxXmlBytes. Credentials are used only when the user
// configured them for a range holding the device, and only after the device refused without them.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Credentials } from '../../config.js';
import type { OnvifSection } from '../../model.js';
import type { ProbeContext } from '../types.js';
import { cidrContains } from '../../net/cidr.js';
import { digestAuthorization, parseDigestChallenge } from '../http/digest.js';
import { isAuthorizationFault, parseOnvifEnvelope, readCapabilities, readDeviceInformation, readSystemDateAndTime, type OnvifReply } from './parse.js';
import { buildOnvifRequest, onvifAction, type OnvifOperation, type UsernameToken } from './soap.js';

/** WS-Security nonce length used by ONVIF clients (16 random bytes). */
const NONCE_BYTES = 16;
/** HTTP Digest client nonce: 8 random bytes, as hex. */
const CNONCE_BYTES = 8;

export interface SoapExchange {
  status: number;
  body: Buffer;
  /** The WWW-Authenticate value of a refusal (several headers comma-joined by Node), for HTTP Digest. */
  wwwAuthenticate?: string;
}

type ClientContext = Pick<ProbeContext, 'config' | 'log' | 'limiter' | 'signal'> & Partial<Pick<ProbeContext, 'reject'>>;

/**
 * An exchange the device did not complete within our bounds (time or size). Unlike a refused connection, it means
 * the device is holding us up or flooding us: the remaining calls to it are not made.
 */
export class OnvifBoundExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnvifBoundExceeded';
  }
}

/**
 * POST one SOAP envelope, with an HTTP Authorization value when given; resolves with status and body, rejects on
 * timeout, abort, oversize or socket error.
 */
export function postSoap(url: URL, operation: OnvifOperation, envelope: string, context: ClientContext, authorization?: string): Promise<SoapExchange> {
  const { config } = context;
  const payload = Buffer.from(envelope, 'utf8');
  // One absolute deadline from connect to last byte: a device trickling a byte at a time cannot extend it.
  const deadline = AbortSignal.timeout(config.exchangeTimeoutMs);
  const signal = AbortSignal.any([context.signal, deadline]);
  return new Promise((resolve, reject) => {
    // Every way an exchange can end (answer, oversize, timeout, abort, reset) settles exactly once.
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      outgoing.destroy();
      // Whichever event reported it first, a deadline that fired is the reason.
      reject(deadline.aborted && !context.signal.aborted ? new OnvifBoundExceeded(`no complete ONVIF reply within ${config.exchangeTimeoutMs} ms`) : error);
    };
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port === '' ? 80 : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        agent: false,
        maxHeaderSize: config.maxHeaderBytes,
        signal,
        headers: {
          'content-type': `application/soap+xml; charset=utf-8; action="${onvifAction(operation)}"`,
          'content-length': payload.length,
          connection: 'close',
          ...(authorization === undefined ? {} : { authorization }),
        },
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        let received = 0;
        incoming.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > config.maxXmlBytes) fail(new OnvifBoundExceeded(`ONVIF reply larger than ${config.maxXmlBytes} bytes`));
          else chunks.push(chunk);
        });
        incoming.on('end', () => {
          if (settled) return;
          settled = true;
          const wwwAuthenticate = incoming.headers['www-authenticate'];
          resolve({ status: incoming.statusCode ?? 0, body: Buffer.concat(chunks), ...(wwwAuthenticate === undefined ? {} : { wwwAuthenticate }) });
        });
        incoming.on('error', fail);
        incoming.on('close', () => fail(new Error('ONVIF response ended early')));
      },
    );
    outgoing.on('error', (error) => {
      // Node's HTTP parser refuses a head over maxHeaderSize: a size bound, like the body's.
      const code = (error as NodeJS.ErrnoException).code;
      fail(code === 'HPE_HEADER_OVERFLOW' ? new OnvifBoundExceeded(`ONVIF reply headers larger than ${config.maxHeaderBytes} bytes`) : error);
    });
    outgoing.on('close', () => fail(new Error('ONVIF connection closed without a response')));
    outgoing.end(payload);
  });
}

function credentialsFor(ip: string, credentials: readonly Credentials[]): Credentials | undefined {
  return credentials.find((entry) => {
    try {
      return cidrContains(entry.cidr, ip);
    } catch {
      // A malformed credentials range matches nothing: credentials never leave the ranges they were given for.
      return false;
    }
  });
}

/** How the configured credentials went with GetDeviceInformation: sent as one scheme, or as the other. */
type Authentication = { token?: UsernameToken; authorization?: string };
type AuthenticationScheme = NonNullable<OnvifSection['deviceInformationAuthScheme']>;

/**
 * GetSystemDateAndTime and GetCapabilities (both answered without credentials, ONVIF PRE_AUTH), then
 * GetDeviceInformation without credentials. Only if the device refuses and the user configured credentials for a
 * range holding it are they sent: as HTTP Digest first when the refusal carried a Digest challenge (ONVIF Core
 * §5.12.1; Hikvision's "Digest" mode accepts nothing else), else, or if Digest is refused, as a WS-Security
 * UsernameToken digest. At most two attempts per scan, since firmware locks an address out after a few failures.
 * Returns undefined when the device answered none of them.
 */
export async function queryOnvifDevice(url: URL, ip: string, context: ClientContext): Promise<OnvifSection | undefined> {
  const log = context.log.child({ module: 'onvif', ip, url: url.href });
  const port = url.port === '' ? 80 : Number(url.port);
  // Set once the device held an exchange past our time or size bound: no further call is made to it.
  let givenUp = false;
  const call = async (operation: OnvifOperation, authentication: Authentication): Promise<{ status: number; reply?: OnvifReply; reason?: string; wwwAuthenticate?: string }> => {
    await context.limiter.take(ip, context.signal);
    const exchange = await postSoap(url, operation, buildOnvifRequest(operation, authentication.token), context, authentication.authorization);
    const result = parseOnvifEnvelope(exchange.body, context.config.maxXmlBytes);
    const challenge = exchange.wwwAuthenticate === undefined ? {} : { wwwAuthenticate: exchange.wwwAuthenticate };
    return result.ok ? { status: exchange.status, reply: result.value, ...challenge } : { status: exchange.status, reason: result.reason, ...challenge };
  };
  const attempt = async <T>(operation: OnvifOperation, read: (reply: OnvifReply) => T | undefined, authentication: Authentication = {}) => {
    if (givenUp) return { status: 0, value: undefined, reply: undefined };
    try {
      const outcome = await call(operation, authentication);
      if (outcome.reply === undefined) {
        log.debug({ operation, status: outcome.status, reason: outcome.reason }, 'onvif reply unreadable');
        // An empty body (a bare 401 or 500) is an answer without a document, not a refused input.
        if (outcome.reason !== 'empty document') context.reject?.({ channel: 'onvif', ip, port, reason: `ONVIF ${operation} reply refused: ${outcome.reason ?? 'unreadable'}` });
      }
      return { ...outcome, value: outcome.reply === undefined ? undefined : read(outcome.reply) };
    } catch (error) {
      log.debug({ operation, err: error }, 'onvif exchange failed');
      if (error instanceof OnvifBoundExceeded) {
        givenUp = true;
        context.reject?.({ channel: 'onvif', ip, port, reason: `ONVIF ${operation}: ${error.message}; no further ONVIF call to this device` });
      }
      return { status: 0, value: undefined, reply: undefined };
    }
  };

  const section: OnvifSection = {};
  let clockOffsetMs = 0;
  const dateTime = await attempt('GetSystemDateAndTime', (reply) => {
    if (reply.kind !== 'response') return undefined;
    const result = readSystemDateAndTime(reply.body);
    return result.ok ? result.value : undefined;
  });
  if (dateTime.value !== undefined) {
    section.systemDateAndTime = dateTime.value.text;
    // The digest's Created must be on the device's clock; cameras with an unset clock refuse ours otherwise.
    if (dateTime.value.utcMs !== undefined) clockOffsetMs = dateTime.value.utcMs - Date.now();
  }
  const capabilities = await attempt('GetCapabilities', (reply) => {
    if (reply.kind !== 'response') return undefined;
    const result = readCapabilities(reply.body);
    return result.ok ? result.value : undefined;
  });
  if (capabilities.value !== undefined) section.services = capabilities.value;

  const readInformation = (reply: OnvifReply): Record<string, string> | undefined => {
    if (reply.kind !== 'response') return undefined;
    const result = readDeviceInformation(reply.body);
    return result.ok ? result.value : undefined;
  };
  const anonymous = await attempt('GetDeviceInformation', readInformation);
  if (anonymous.value !== undefined) {
    section.deviceInformation = anonymous.value;
    section.deviceInformationAuth = 'none';
  } else if ((anonymous.reply !== undefined && isAuthorizationFault(anonymous.reply)) || anonymous.status === 401) {
    // Credentials go only to the address they were configured for: never to an XAddr naming another host.
    const configured = url.hostname === ip ? credentialsFor(ip, context.config.credentials) : undefined;
    section.deviceInformationAuth = 'refused';
    if (configured !== undefined) {
      const viaDigest = (): Authentication | undefined => {
        if (anonymous.status !== 401 || anonymous.wwwAuthenticate === undefined) return undefined;
        const challenge = parseDigestChallenge(anonymous.wwwAuthenticate);
        if (!challenge.ok) {
          log.debug({ reason: challenge.reason }, 'onvif refusal carries no Digest challenge we can answer');
          return undefined;
        }
        const answer = { username: configured.username, password: configured.password, method: 'POST', uri: `${url.pathname}${url.search}`, cnonce: randomBytes(CNONCE_BYTES).toString('hex'), nonceCount: 1 };
        return { authorization: digestAuthorization(challenge.value, answer) };
      };
      const viaUsernameToken = (): Authentication => ({
        token: {
          username: configured.username,
          password: configured.password,
          nonce: randomBytes(NONCE_BYTES),
          created: new Date(Date.now() + clockOffsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
      });
      const digest = viaDigest();
      const schemes: Array<{ scheme: AuthenticationScheme; authentication: () => Authentication }> = [];
      if (digest !== undefined) schemes.push({ scheme: 'http-digest', authentication: () => digest });
      schemes.push({ scheme: 'ws-usernametoken', authentication: viaUsernameToken });
      for (const { scheme, authentication } of schemes) {
        const authenticated = await attempt('GetDeviceInformation', readInformation, authentication());
        if (authenticated.value !== undefined) {
          section.deviceInformation = authenticated.value;
          section.deviceInformationAuth = 'configured';
          section.deviceInformationAuthScheme = scheme;
          break;
        }
        log.info({ status: authenticated.status, scheme }, 'onvif device refused the configured credentials');
      }
    }
  }
  return Object.keys(section).length === 0 ? undefined : section;
}
