// SSDP M-SEARCH requests (UPnP Device Architecture 1.1 §1.3.2). camaudit searches and listens; it
// never sends NOTIFY or SUBSCRIBE and never calls a control URL.
import { VERSION } from '../../version.js';
import { UDP_LIMITS } from '../../config.js';

export const SSDP_PORT = 1900;
export const SSDP_GROUP = '239.255.255.250';

/** `ssdp:all` draws one reply per device, embedded device and service; `upnp:rootdevice` one per root device. */
export const SSDP_SEARCH_TARGETS = ['ssdp:all', 'upnp:rootdevice'] as const;


export function buildMSearch(searchTarget: string, mxSeconds: number = UDP_LIMITS.ssdpMxSeconds): Buffer {
  // The length outside the regex: recheck proves `+` linear by automaton, `{1,200}` only by random fuzzing.
  if (searchTarget.length === 0 || searchTarget.length > 200 || !/^[\x21-\x7e]+$/.test(searchTarget)) throw new TypeError('SSDP search target must be printable ASCII without spaces');
  if (!Number.isInteger(mxSeconds) || mxSeconds < 1 || mxSeconds > 5) throw new RangeError('SSDP MX must be 1..5 seconds');
  return Buffer.from(
    [
      'M-SEARCH * HTTP/1.1',
      `HOST: ${SSDP_GROUP}:${SSDP_PORT}`,
      'MAN: "ssdp:discover"',
      `MX: ${mxSeconds}`,
      `ST: ${searchTarget}`,
      // UPnP 1.1 asks control points to name themselves; an honest product token, no impersonation.
      `USER-AGENT: camaudit/${VERSION} UPnP/1.1 camaudit/${VERSION}`,
      '',
      '',
    ].join('\r\n'),
    'ascii',
  );
}
