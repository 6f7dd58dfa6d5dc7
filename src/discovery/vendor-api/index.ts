// Credentialed reads of a Hikvision or Dahua unit's own web API, after discovery found it: what ONVIF-off units and
// NVRs only tell with a login. Hikvision: ISAPI deviceInfo, the EZVIZ (Hik-Connect) setting and, on a recorder, the
// InputProxy channel list and status. Dahua: magicBox device type, serial and version, the T2UServer (P2P) setting
// and the RemoteDevice list. Each camera a recorder lists becomes an observation of its own, with `via` naming the
// recorder and channel: no scanner reaches those cameras, which sit on the recorder's PoE subnet.
//
// Requests go only to the responding device's own address (inside the scan's ranges, checked by the caller), over
// plain HTTP on the port it serves its web pages on, and carry credentials only under the rules of session.ts.
import type { Observation } from '../../model.js';
import { normaliseMac } from '../../observation.js';
import type { ProbeContext } from '../types.js';
import { readRemoteDevices, readMagicBoxValue, readT2uServer } from './dahua-parse.js';
import { readInputProxyChannels, readInputProxyStatus, readIsapiDeviceInfo, readIsapiEzviz } from './isapi-parse.js';
import { openDeviceSession, type DeviceSession } from './session.js';

export type VendorApi = 'isapi' | 'dahuacgi';

export interface VendorApiTarget {
  ip: string;
  port: number;
  api: VendorApi;
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
/** A camera a recorder addresses by host name (no IPv4) is still listed, at this placeholder address. */
export const UNKNOWN_INTERNAL_ADDRESS = '0.0.0.0';

/** Camera deviceType values of ISAPI's enumeration: a camera has no channel list to read. */
const CAMERA_TYPES = new Set(['IPCamera', 'IPDome', 'IPZoom']);

async function readBody<T>(session: DeviceSession, path: string, parse: (body: Buffer) => { ok: true; value: T } | { ok: false; reason: string }, context: ProbeContext, target: VendorApiTarget): Promise<T | undefined> {
  const reply = await session.get(path);
  if (reply === undefined || reply.status !== 200) return undefined;
  const result = parse(reply.body);
  if (!result.ok) {
    context.reject({ channel: target.api, ip: target.ip, port: target.port, reason: `${path} refused: ${result.reason}` });
    return undefined;
  }
  return result.value;
}

async function queryHikvision(target: VendorApiTarget, context: ProbeContext): Promise<Observation[]> {
  const session = openDeviceSession(target.ip, target.port, 'isapi', context);
  const max = context.config.maxXmlBytes;
  const deviceInfo = await readBody(session, '/ISAPI/System/deviceInfo', (body) => readIsapiDeviceInfo(body, max), context, target);
  const ezviz = await readBody(session, '/ISAPI/System/Network/EZVIZ', (body) => readIsapiEzviz(body, max), context, target);
  const observations: Observation[] = [];
  if (deviceInfo !== undefined || ezviz !== undefined) {
    const mac = normaliseMac(deviceInfo?.macAddress);
    observations.push(
      context.observe({
        source: 'isapi',
        ip: target.ip,
        port: target.port,
        ...(mac === undefined ? {} : { mac }),
        isapi: { ...(deviceInfo === undefined ? {} : { deviceInfo }), ...(ezviz === undefined ? {} : { ezviz }) },
        transport: 'tcp',
      }),
    );
  }
  if (deviceInfo === undefined || CAMERA_TYPES.has(deviceInfo.deviceType ?? '')) return observations;
  const channels = await readBody(session, '/ISAPI/ContentMgmt/InputProxy/channels', (body) => readInputProxyChannels(body, max), context, target);
  if (channels === undefined) return observations;
  const statuses = (await readBody(session, '/ISAPI/ContentMgmt/InputProxy/channels/status', (body) => readInputProxyStatus(body, max), context, target)) ?? [];
  for (const channel of channels) {
    const status = statuses.find((entry) => entry.id === channel.id)?.fields ?? {};
    const address = channel.fields.ipAddress ?? '';
    observations.push(
      context.observe({
        source: 'isapi',
        ip: IPV4.test(address) ? address : UNKNOWN_INTERNAL_ADDRESS,
        isapi: { channel: { id: String(channel.id), ...channel.fields, ...status } },
        via: { ip: target.ip, port: target.port, channel: channel.id },
        transport: 'tcp',
      }),
    );
  }
  return observations;
}

async function queryDahua(target: VendorApiTarget, context: ProbeContext): Promise<Observation[]> {
  const session = openDeviceSession(target.ip, target.port, 'dahuacgi', context);
  const text = (body: Buffer): string => body.toString('utf8');
  const magicBox: Record<string, string> = {};
  for (const [action, key] of [
    ['getDeviceType', 'type'],
    ['getSerialNo', 'sn'],
    ['getSoftwareVersion', 'version'],
  ] as const) {
    const value = await readBody(session, `/cgi-bin/magicBox.cgi?action=${action}`, (body) => readMagicBoxValue(text(body), key), context, target);
    if (value !== undefined) magicBox[key] = value;
  }
  const t2uServer = await readBody(session, '/cgi-bin/configManager.cgi?action=getConfig&name=T2UServer', (body) => readT2uServer(text(body)), context, target);
  const observations: Observation[] = [];
  if (Object.keys(magicBox).length > 0 || t2uServer !== undefined) {
    observations.push(
      context.observe({
        source: 'dahuacgi',
        ip: target.ip,
        port: target.port,
        dahuacgi: { ...(Object.keys(magicBox).length === 0 ? {} : { magicBox }), ...(t2uServer === undefined ? {} : { t2uServer }) },
        transport: 'tcp',
      }),
    );
  }
  if (!session.authenticated) return observations;
  const slots = await readBody(session, '/cgi-bin/configManager.cgi?action=getConfig&name=RemoteDevice', (body) => readRemoteDevices(text(body)), context, target);
  for (const slot of slots ?? []) {
    const address = slot.fields.Address ?? '';
    const mac = normaliseMac(slot.fields.Mac);
    observations.push(
      context.observe({
        source: 'dahuacgi',
        ip: IPV4.test(address) ? address : UNKNOWN_INTERNAL_ADDRESS,
        ...(mac === undefined ? {} : { mac }),
        dahuacgi: { remoteDevice: slot.fields },
        via: { ip: target.ip, port: target.port, channel: slot.channel },
        transport: 'tcp',
      }),
    );
  }
  return observations;
}

/** Web ports a discovery reply named, then the ports that answered HTTP, lowest first; 80 when none did. */
export function webPortOf(observations: readonly Observation[]): number {
  for (const observation of observations) {
    const announced = Number(observation.sadp?.HttpPort ?? observation.dhip?.HttpPort);
    if (Number.isInteger(announced) && announced > 0 && announced < 65536) return announced;
  }
  const answered = observations.filter((observation) => observation.source === 'http' && observation.port !== undefined).map((observation) => observation.port!);
  return answered.length > 0 ? Math.min(...answered) : 80;
}

/** Which API to read, from the maker the evidence so far names: only Hikvision and Dahua units have these. */
export function vendorApiOf(vendor: string | null): VendorApi | undefined {
  return vendor === 'Hikvision' ? 'isapi' : vendor === 'Dahua' ? 'dahuacgi' : undefined;
}

/** The observations one device's API gives (none when it refuses, fails or answers nothing readable). */
export async function queryVendorApi(target: VendorApiTarget, context: ProbeContext): Promise<Observation[]> {
  return target.api === 'isapi' ? queryHikvision(target, context) : queryDahua(target, context);
}
