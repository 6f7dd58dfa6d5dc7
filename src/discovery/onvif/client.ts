// The ONVIF calls that follow a WS-Discovery sighting: a small SOAP-over-HTTP client of our own (see the why in
// ../wsdiscovery/index.ts). Each call is one bounded device request (../http/request.ts: to the responder only,
// within config.exchangeTimeoutMs, body within config.maxXmlBytes). Credentials are used only when the user
// configured them for a range holding the device, and only after the device refused without them.
import { randomBytes } from 'node:crypto';
import type { OnvifSection } from '../../model.js';
import type { ProbeContext } from '../types.js';
import { credentialsFor } from '../../credentials-file.js';
import { answerDigestChallenge } from '../http/digest.js';
import { DeviceRequestError, deviceRequest } from '../http/request.js';
import { isAuthorizationFault, parseOnvifEnvelope, readCapabilities, readDeviceInformation, readSystemDateAndTime, type OnvifReply } from './parse.js';
import { buildOnvifRequest, onvifAction, type OnvifOperation, type UsernameToken } from './soap.js';

/** WS-Security nonce length used by ONVIF clients (16 random bytes). */
const NONCE_BYTES = 16;

type ClientContext = Pick<ProbeContext, 'config' | 'log' | 'limiter' | 'signal'> & Partial<Pick<ProbeContext, 'reject' | 'scope'>>;

// Addresses that have had their credentialed attempt series in a scan, per scan (keyed by the scan's abort signal,
// which every channel of one scan shares). A device announcing several XAddrs, or answering both the multicast
// and the unicast probe, gets one series, not one per XAddr: firmware locks an address out after a few failures.
const credentialedAddresses = new WeakMap<AbortSignal, Set<string>>();

/** True the first time an address asks for its credentialed series in this scan; false ever after. */
function takeCredentialedSeries(signal: AbortSignal, ip: string): boolean {
  const addresses = credentialedAddresses.get(signal) ?? new Set<string>();
  credentialedAddresses.set(signal, addresses);
  if (addresses.has(ip)) return false;
  addresses.add(ip);
  return true;
}

/** How the configured credentials went with GetDeviceInformation: sent as one scheme, or as the other. */
type Authentication = { token?: UsernameToken; authorization?: string };
type AuthenticationScheme = NonNullable<OnvifSection['deviceInformationAuthScheme']>;

/**
 * GetSystemDateAndTime and GetCapabilities (both answered without credentials, ONVIF PRE_AUTH), then
 * GetDeviceInformation without credentials. Only if the device refuses and the user configured credentials for a
 * range holding it are they sent: as HTTP Digest first when the refusal carried a Digest challenge (ONVIF Core
 * §5.12.1; Hikvision's "Digest" mode accepts nothing else), else, or if Digest is refused, as a WS-Security
 * UsernameToken digest. At most two attempts, in one series per address and scan whatever the number of XAddrs,
 * since firmware locks an address out after a few failures.
 * Returns undefined when the device answered none of them.
 */
export async function queryOnvifDevice(url: URL, ip: string, context: ClientContext): Promise<OnvifSection | undefined> {
  const log = context.log.child({ module: 'onvif', ip, url: url.href });
  const port = url.port === '' ? 80 : Number(url.port);
  // Set once the device held an exchange past our time or size bound: no further call is made to it.
  let givenUp = false;
  const call = async (operation: OnvifOperation, authentication: Authentication): Promise<{ status: number; reply?: OnvifReply; reason?: string; wwwAuthenticate?: string }> => {
    const exchange = await deviceRequest(
      {
        responder: ip,
        url,
        method: 'POST',
        headers: {
          'Content-Type': `application/soap+xml; charset=utf-8; action="${onvifAction(operation)}"`,
          ...(authentication.authorization === undefined ? {} : { Authorization: authentication.authorization }),
        },
        body: Buffer.from(buildOnvifRequest(operation, authentication.token), 'utf8'),
        maxBodyBytes: context.config.maxXmlBytes,
        what: 'ONVIF reply',
      },
      context,
    );
    const result = parseOnvifEnvelope(exchange.body, context.config.maxXmlBytes);
    const wwwAuthenticate = exchange.headers['www-authenticate'];
    const challenge = wwwAuthenticate === undefined ? {} : { wwwAuthenticate };
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
      if (error instanceof DeviceRequestError && error.boundExceeded) {
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
    if (configured !== undefined && !takeCredentialedSeries(context.signal, ip)) {
      log.info('credentials were already tried at this address in this scan; not sent again');
    } else if (configured !== undefined) {
      const viaDigest = (): Authentication | undefined => {
        if (anonymous.status !== 401 || anonymous.wwwAuthenticate === undefined) return undefined;
        const answer = answerDigestChallenge(anonymous.wwwAuthenticate, configured, { method: 'POST', uri: `${url.pathname}${url.search}` });
        if (!answer.ok) {
          log.debug({ reason: answer.reason }, 'onvif refusal carries no Digest challenge we can answer');
          return undefined;
        }
        return { authorization: answer.value };
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
