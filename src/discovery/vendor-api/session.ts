// One credentialed attempt series against one device per scan. Each request goes out without credentials first; only
// a 401 with a Digest challenge from an address inside a range the user configured a login for is answered, and the
// first refusal of that login ends the series: Hikvision locks an address out after 5 failures for 30 minutes
// (ISAPI /ISAPI/Security/illegalLoginLock defaults), Dahua after repeated failures for about half an hour
// (rroller/dahua#729), so camaudit never retries a refused login.
import { randomBytes } from 'node:crypto';
import { credentialsFor } from '../../credentials-file.js';
import { digestAuthorization, parseDigestChallenge } from '../http-digest.js';
import { DeviceBoundExceeded, httpGet, type ApiContext, type DeviceReply } from './http-get.js';

const CNONCE_BYTES = 8;

export interface DeviceSession {
  /** GET `path` on the device; undefined when the exchange failed or the series has ended. */
  get(path: string): Promise<DeviceReply | undefined>;
  /** Why the series ended early (credentials refused, a bound exceeded), if it did. */
  readonly ended: string | undefined;
  /** True once a request was answered with the configured credentials. */
  readonly authenticated: boolean;
}

export function openDeviceSession(ip: string, port: number, channel: string, context: ApiContext): DeviceSession {
  const login = credentialsFor(ip, context.config.credentials);
  const log = context.log.child({ module: channel, ip, port });
  let ended: string | undefined;
  let authenticated = false;
  const end = (reason: string): void => {
    ended = reason;
    context.reject?.({ channel, ip, port, reason });
  };
  const exchange = async (path: string, authorization?: string): Promise<DeviceReply | undefined> => {
    await context.limiter.take(ip, context.signal);
    try {
      return await httpGet(new URL(`http://${ip}:${port}${path}`), context, authorization);
    } catch (error) {
      if (error instanceof DeviceBoundExceeded) end(`${path}: ${error.message}; no further request to this device`);
      else log.debug({ path, err: error }, 'device request failed');
      return undefined;
    }
  };
  return {
    get ended() {
      return ended;
    },
    get authenticated() {
      return authenticated;
    },
    async get(path) {
      if (ended !== undefined) return undefined;
      const anonymous = await exchange(path);
      if (anonymous === undefined || anonymous.status !== 401 || login === undefined || ended !== undefined) return anonymous;
      const challenge = parseDigestChallenge(anonymous.wwwAuthenticate ?? '');
      if (!challenge.ok) {
        log.debug({ path, reason: challenge.reason }, 'refusal carries no Digest challenge we can answer');
        return anonymous;
      }
      const authorization = digestAuthorization(challenge.value, {
        username: login.username,
        password: login.password,
        method: 'GET',
        uri: path,
        cnonce: randomBytes(CNONCE_BYTES).toString('hex'),
        nonceCount: 1,
      });
      const answer = await exchange(path, authorization);
      if (answer?.status === 401 || answer?.status === 403) {
        log.info({ path, status: answer.status }, 'device refused the configured credentials; no further attempt this scan');
        end(`${path}: the configured credentials were refused (HTTP ${answer.status}); not retried, to stay clear of the lockout`);
        return answer;
      }
      if (answer !== undefined && answer.status === 200) authenticated = true;
      return answer;
    },
  };
}
