// One credentialed attempt series against one device per scan. Each request goes out without credentials first; only
// a 401 with a Digest challenge from an address inside a range the user configured a login for is answered, and the
// first refusal of that login ends the series: Hikvision locks an address out after 5 failures for 30 minutes
// (ISAPI /ISAPI/Security/illegalLoginLock defaults), Dahua after repeated failures for about half an hour
// (rroller/dahua#729), so camaudit never retries a refused login. Every request is the engine's one bounded device
// request (../http/request.ts): to this address only, within the exchange deadline and the XML size bound.
import { credentialsFor } from '../../credentials-file.js';
import { DeviceRequestError, deviceRequest, deviceRequestWithDigest, type DeviceRequest, type DeviceResponse } from '../http/request.js';
import type { ProbeContext } from '../types.js';

export type ApiContext = Pick<ProbeContext, 'config' | 'log' | 'limiter' | 'signal'> & Partial<Pick<ProbeContext, 'reject'>>;

export interface DeviceSession {
  /** GET `path` on the device; undefined when the exchange failed or the series has ended. */
  get(path: string): Promise<DeviceResponse | undefined>;
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
  return {
    get ended() {
      return ended;
    },
    get authenticated() {
      return authenticated;
    },
    async get(path) {
      if (ended !== undefined) return undefined;
      const request: DeviceRequest = { responder: ip, url: new URL(`http://${ip}:${port}${path}`), method: 'GET', maxBodyBytes: context.config.maxXmlBytes, what: `${channel} ${path}` };
      try {
        if (login === undefined) return await deviceRequest(request, context);
        const answer = await deviceRequestWithDigest(request, login, context);
        if (answer.credentialsSent && (answer.status === 401 || answer.status === 403)) {
          log.info({ path, status: answer.status }, 'device refused the configured credentials; no further attempt this scan');
          end(`${path}: the configured credentials were refused (HTTP ${answer.status}); not retried, to stay clear of the lockout`);
        } else if (answer.credentialsSent && answer.status === 200) authenticated = true;
        return answer;
      } catch (error) {
        if (error instanceof DeviceRequestError && error.boundExceeded) end(`${path}: ${error.message}; no further request to this device`);
        else log.debug({ path, err: error }, 'device request failed');
        return undefined;
      }
    },
  };
}
