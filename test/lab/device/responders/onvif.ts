// The ONVIF device service (/onvif/device_service, SOAP 1.2 over HTTP) as cameras answer before and after login:
// GetSystemDateAndTime and GetCapabilities without credentials (ONVIF PRE_AUTH), GetDeviceInformation only with a
// valid WS-Security UsernameToken PasswordDigest for a configured user, unless the profile says this firmware
// answers it anonymously. A refusal is the ter:NotAuthorized fault with the text Hikvision sends
// (test/fixtures/onvif/fault-not-authorized.xml).
//
// It listens on its own port: the lab's http responder routes by method and path only and cannot dispatch on the
// SOAP body, so the profile's WS-Discovery XAddrs name this port (e.g. http://{{ip}}:8899/onvif/device_service).
//
// Which credentials it accepts is Hikvision's ONVIF "Authentication" setting (agsh/onvif#294): `ws-usernametoken`
// (a bare 401 or fault on refusal, the older firmware), `digest` (HTTP Digest only: the WS-Security header is
// ignored and a refusal carries a `WWW-Authenticate: Digest` challenge in the form Hikvision's ISAPI and RTSP send,
// realm "IP Camera(C2183)"), or `digest-and-ws-usernametoken` (either). Its Digest check is written here apart from
// src/discovery/http/digest.ts, from RFC 7616 §3.4.1, so the scanner's answer is checked by a second reading.
//
// Profile section:
//   "onvif": { "port": 8899, "deviceInformation": { "Manufacturer": "HIKVISION", "Model": "{{identity.model}}", … },
//              "users": [{ "username": "admin", "password": "…" }], "anonymousDeviceInformation": false,
//              "refusalStatus": 401, "timeZone": "CST-8:00:00",
//              "authentication": "digest", "digestRealm": "IP Camera(C2183)" }

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { JsonReader } from '../../validate.js';
import { renderTemplate, type ResponderContext, type StartResponder } from '../responder.js';

const SERVICE_PATH = '/onvif/device_service';
const MAX_REQUEST_BYTES = 64 * 1024;
/** How far a UsernameToken's Created may be from the device clock (cameras allow a few minutes). */
const CREATED_TOLERANCE_MS = 5 * 60_000;
const FIELD_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
/** Digest nonces this device remembers having issued (each is good for one answer). */
const MAX_OPEN_NONCES = 1024;

const AUTHENTICATION_MODES = ['ws-usernametoken', 'digest', 'digest-and-ws-usernametoken'] as const;
export type OnvifAuthentication = (typeof AUTHENTICATION_MODES)[number];

export interface OnvifResponderConfig {
  port: number;
  deviceInformation: Record<string, string>;
  users: { username: string; password: string }[];
  anonymousDeviceInformation: boolean;
  refusalStatus: 400 | 401;
  timeZone: string;
  authentication: OnvifAuthentication;
  digestRealm: string;
}

export function parseOnvifConfig(value: unknown): { ok: true; value: OnvifResponderConfig } | { ok: false; reason: string } {
  const r = new JsonReader();
  const root = r.object(value, 'onvif');
  if (!root) return { ok: false, reason: r.problems.join('; ') };
  r.noExtraKeys(root, 'onvif', ['port', 'deviceInformation', 'users', 'anonymousDeviceInformation', 'refusalStatus', 'timeZone', 'authentication', 'digestRealm', '$comment']);
  const port = r.integer(root.port, 'onvif.port', 1, 65_535);
  const deviceInformation: Record<string, string> = {};
  for (const [name, field] of Object.entries(r.object(root.deviceInformation, 'onvif.deviceInformation') ?? {})) {
    if (!FIELD_NAME_PATTERN.test(name)) r.problem(`onvif.deviceInformation.${name}`, 'not an element name');
    const text = r.string(field, `onvif.deviceInformation.${name}`);
    if (text !== undefined) deviceInformation[name] = text;
  }
  const users = (r.array(root.users ?? [], 'onvif.users') ?? []).map((entry, index) => {
    const user = r.object(entry, `onvif.users[${index}]`) ?? {};
    return { username: r.string(user.username, `onvif.users[${index}].username`) ?? '', password: r.string(user.password, `onvif.users[${index}].password`) ?? '' };
  });
  const anonymous = root.anonymousDeviceInformation === undefined ? false : r.boolean(root.anonymousDeviceInformation, 'onvif.anonymousDeviceInformation');
  const refusalStatus = root.refusalStatus === undefined ? 401 : r.integer(root.refusalStatus, 'onvif.refusalStatus', 400, 401);
  const timeZone = root.timeZone === undefined ? 'UTC0' : r.string(root.timeZone, 'onvif.timeZone', /^[\w:+-]{1,32}$/);
  const authentication = root.authentication === undefined ? 'ws-usernametoken' : r.string(root.authentication, 'onvif.authentication');
  if (authentication !== undefined && !(AUTHENTICATION_MODES as readonly string[]).includes(authentication)) r.problem('onvif.authentication', `not one of ${AUTHENTICATION_MODES.join(', ')}`);
  const digestRealm = root.digestRealm === undefined ? 'IP Camera(C2183)' : r.string(root.digestRealm, 'onvif.digestRealm', /^[\x20\x21\x23-\x5b\x5d-\x7e]{1,64}$/);
  if (r.problems.length > 0 || port === undefined || anonymous === undefined || refusalStatus === undefined || timeZone === undefined || digestRealm === undefined) {
    return { ok: false, reason: r.problems.join('; ') };
  }
  return {
    ok: true,
    value: {
      port,
      deviceInformation,
      users,
      anonymousDeviceInformation: anonymous,
      refusalStatus: refusalStatus as 400 | 401,
      timeZone,
      authentication: authentication as OnvifAuthentication,
      digestRealm,
    },
  };
}

const escapeXml = (text: string): string => text.replace(/[<>&]/g, (character) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[character] ?? character);

function envelope(body: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:tt="http://www.onvif.org/ver10/schema" ' +
    `xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:ter="http://www.onvif.org/ver10/error"><env:Body>${body}</env:Body></env:Envelope>\n`
  );
}

const NOT_AUTHORIZED = envelope(
  '<env:Fault><env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value>ter:NotAuthorized</env:Value></env:Subcode></env:Code>' +
    '<env:Reason><env:Text xml:lang="en">The action requested requires authorization and the sender is not authorized</env:Text></env:Reason></env:Fault>',
);

const ACTION_NOT_SUPPORTED = envelope(
  '<env:Fault><env:Code><env:Value>env:Receiver</env:Value><env:Subcode><env:Value>ter:ActionNotSupported</env:Value></env:Subcode></env:Code>' +
    '<env:Reason><env:Text xml:lang="en">Optional Action Not Implemented</env:Text></env:Reason></env:Fault>',
);

function dateTime(element: string, at: Date): string {
  return (
    `<tt:${element}><tt:Time><tt:Hour>${at.getUTCHours()}</tt:Hour><tt:Minute>${at.getUTCMinutes()}</tt:Minute><tt:Second>${at.getUTCSeconds()}</tt:Second></tt:Time>` +
    `<tt:Date><tt:Year>${at.getUTCFullYear()}</tt:Year><tt:Month>${at.getUTCMonth() + 1}</tt:Month><tt:Day>${at.getUTCDate()}</tt:Day></tt:Date></tt:${element}>`
  );
}

/** True when the request carries a PasswordDigest UsernameToken valid for one of the users. */
export function hasValidUsernameToken(request: string, users: OnvifResponderConfig['users'], now: Date): boolean {
  const pick = (name: string): string | undefined => new RegExp(`<(?:[\\w-]+:)?${name}[^>]*>([^<]{1,256})</`).exec(request)?.[1]?.trim();
  const username = pick('Username');
  const digest = pick('Password');
  const nonce = pick('Nonce');
  const created = pick('Created');
  if (!username || !digest || !nonce || !created) return false;
  const createdMs = Date.parse(created);
  if (!Number.isFinite(createdMs) || Math.abs(createdMs - now.getTime()) > CREATED_TOLERANCE_MS) return false;
  const user = users.find((entry) => entry.username === username);
  if (!user) return false;
  const expected = createHash('sha1')
    .update(Buffer.concat([Buffer.from(nonce, 'base64'), Buffer.from(created, 'utf8'), Buffer.from(user.password, 'utf8')]))
    .digest();
  const given = Buffer.from(digest, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The Digest challenges this device issued and not yet seen answered. */
export class DigestNonces {
  private readonly open = new Set<string>();

  issue(): string {
    const nonce = randomBytes(16).toString('hex');
    if (this.open.size >= MAX_OPEN_NONCES) this.open.delete(this.open.values().next().value as string);
    this.open.add(nonce);
    return nonce;
  }

  /** True once per issued nonce: a replayed answer is refused. */
  consume(nonce: string): boolean {
    return this.open.delete(nonce);
  }
}

/** True when `authorization` is an RFC 7616 MD5 qop=auth answer, for a user, to a nonce this device issued. */
export function hasValidDigest(authorization: string | undefined, method: string, users: OnvifResponderConfig['users'], realm: string, nonces: DigestNonces): boolean {
  if (authorization === undefined || !/^Digest\s/i.test(authorization)) return false;
  const fields = new Map<string, string>();
  for (const match of authorization.slice(7).matchAll(/([a-z]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/gi)) {
    const name = (match[1] ?? '').toLowerCase();
    if (!fields.has(name)) fields.set(name, (match[2] ?? match[3] ?? '').replace(/\\(.)/g, '$1'));
  }
  const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');
  const user = users.find((entry) => entry.username === fields.get('username'));
  const nonce = fields.get('nonce');
  const uri = fields.get('uri');
  const nc = fields.get('nc');
  const cnonce = fields.get('cnonce');
  const given = fields.get('response');
  if (!user || !nonce || !uri || !nc || !cnonce || !given || fields.get('realm') !== realm || fields.get('qop') !== 'auth') return false;
  if ((fields.get('algorithm') ?? 'MD5').toUpperCase() !== 'MD5' || !nonces.consume(nonce)) return false;
  const expected = md5(`${md5(`${user.username}:${realm}:${user.password}`)}:${nonce}:${nc}:${cnonce}:auth:${md5(`${method}:${uri}`)}`);
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

/** The SOAP operation named in the Body (local name of its first element). */
export function requestedOperation(request: string): string | undefined {
  return /<(?:[\w-]+:)?Body[^>]*>\s*<(?:[\w-]+:)?([A-Za-z]+)/.exec(request)?.[1];
}

export interface OnvifAnswer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

/** What the HTTP layer carried besides the SOAP body: the Authorization value and where the answer's nonces live. */
export interface OnvifHttpContext {
  authorization?: string;
  method: string;
  uri: string;
  nonces: DigestNonces;
}

export function answerOnvif(
  config: OnvifResponderConfig,
  request: string,
  context: ResponderContext,
  now = new Date(),
  http: OnvifHttpContext = { method: 'POST', uri: SERVICE_PATH, nonces: new DigestNonces() },
): OnvifAnswer {
  const base = `http://${context.ip}:${config.port}/onvif`;
  switch (requestedOperation(request)) {
    case 'GetSystemDateAndTime':
      return {
        status: 200,
        body: envelope(
          '<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>' +
            `<tt:TimeZone><tt:TZ>${escapeXml(config.timeZone)}</tt:TZ></tt:TimeZone>${dateTime('UTCDateTime', now)}${dateTime('LocalDateTime', now)}` +
            '</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>',
        ),
      };
    case 'GetCapabilities':
      return {
        status: 200,
        body: envelope(
          '<tds:GetCapabilitiesResponse><tds:Capabilities>' +
            `<tt:Device><tt:XAddr>${base}/device_service</tt:XAddr></tt:Device>` +
            `<tt:Events><tt:XAddr>${base}/Events</tt:XAddr><tt:WSSubscriptionPolicySupport>true</tt:WSSubscriptionPolicySupport></tt:Events>` +
            `<tt:Imaging><tt:XAddr>${base}/Imaging</tt:XAddr></tt:Imaging>` +
            `<tt:Media><tt:XAddr>${base}/Media</tt:XAddr></tt:Media>` +
            '</tds:Capabilities></tds:GetCapabilitiesResponse>',
        ),
      };
    case 'GetDeviceInformation': {
      const byToken = config.authentication !== 'digest' && hasValidUsernameToken(request, config.users, now);
      const byDigest = config.authentication !== 'ws-usernametoken' && hasValidDigest(http.authorization, http.method, config.users, config.digestRealm, http.nonces);
      if (!config.anonymousDeviceInformation && !byToken && !byDigest) {
        if (config.authentication === 'ws-usernametoken') return { status: config.refusalStatus, body: NOT_AUTHORIZED };
        const challenge = `Digest qop="auth", realm="${config.digestRealm}", nonce="${http.nonces.issue()}", stale="FALSE"`;
        return { status: 401, body: NOT_AUTHORIZED, headers: { 'WWW-Authenticate': challenge } };
      }
      const fields = Object.entries(config.deviceInformation).map(([name, value]) => `<tds:${name}>${escapeXml(renderTemplate(value, context))}</tds:${name}>`);
      return { status: 200, body: envelope(`<tds:GetDeviceInformationResponse>${fields.join('')}</tds:GetDeviceInformationResponse>`) };
    }
    default:
      return { status: 400, body: ACTION_NOT_SUPPORTED };
  }
}

function serve(config: OnvifResponderConfig, context: ResponderContext) {
  const nonces = new DigestNonces();
  return (request: IncomingMessage, response: ServerResponse): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) request.destroy();
      else chunks.push(chunk);
    });
    request.on('end', () => {
      const path = (request.url ?? '').split('?')[0];
      const http: OnvifHttpContext = { method: request.method ?? '', uri: request.url ?? '', nonces, ...(request.headers.authorization === undefined ? {} : { authorization: request.headers.authorization }) };
      const answer: OnvifAnswer =
        request.method === 'POST' && path === SERVICE_PATH ? answerOnvif(config, Buffer.concat(chunks).toString('utf8'), context, new Date(), http) : { status: 405, body: '' };
      context.log('onvif request', {
        operation: requestedOperation(Buffer.concat(chunks).toString('utf8')),
        status: answer.status,
        from: request.socket.remoteAddress,
        authorization: request.headers.authorization === undefined ? 'none' : (request.headers.authorization.split(' ')[0] ?? ''),
      });
      response.writeHead(answer.status, { 'Content-Type': 'application/soap+xml; charset=utf-8', Connection: 'close', ...answer.headers });
      response.end(answer.body);
    });
  };
}

/** Starts the device service on `host` (the device namespace: every address; unit tests: 127.0.0.1, port 0). */
export async function startOnvifServer(config: OnvifResponderConfig, context: ResponderContext, host = '0.0.0.0', port = config.port) {
  const server = createServer(serve(config, context));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`onvif could not listen on port ${port}: ${error.message}`)));
    server.listen({ port, host }, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const start: StartResponder = async (value, context) => {
  const parsed = parseOnvifConfig(value);
  if (!parsed.ok) throw new Error(`onvif section of ${context.profile.name}: ${parsed.reason}`);
  answerOnvif({ ...parsed.value, anonymousDeviceInformation: true }, '<Body><GetDeviceInformation/></Body>', context);
  const server = await startOnvifServer(parsed.value, context);
  return { stop: server.stop };
};
