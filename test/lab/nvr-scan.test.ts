// End to end through the real CLI: cameras behind a Hikvision and a Dahua NVR, a Hikvision unit with ONVIF off, and
// the cloud (P2P) flag. The lab's NVRs list their cameras only to a login (HTTP Digest), as real ones do: without
// credentials a scan sees the NVRs alone; with them every camera comes out as a device of its own, `via` its NVR.
// What each camera is comes from the profiles' own InputProxy and RemoteDevice answers, read here from the files.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Device } from '../../src/model.js';
import { LAN_CIDR as LAN, LAN_ONVIF_LOGIN as LOGIN, useLab } from './harness/index.js';

const PROFILES = ['hik-nvr-poe', 'dahua-nvr', 'hik-noonvif', 'dahua-ipc'];
const lab = useLab('NVR, ISAPI AND CLOUD', { cli: true, profiles: PROFILES, twoSegmentScanner: false });

interface ExpectedCamera {
  nvr: string;
  channel: number;
  ip: string;
  model: string;
  serial: string;
}

function profileRoutes(name: string): { path: string; body?: string }[] {
  const profile = JSON.parse(readFileSync(resolve('test/lab/profiles', `${name}.json`), 'utf8')) as { protocols: { http: { routes: { path: string; body?: string }[] } } };
  return profile.protocols.http.routes;
}

/** The cameras the two NVR profiles list, from their own answers. */
function expectedCameras(): ExpectedCamera[] {
  const cameras: ExpectedCamera[] = [];
  const hikChannels = profileRoutes('hik-nvr-poe').find((route) => route.path === '/ISAPI/ContentMgmt/InputProxy/channels')!.body!;
  for (const match of hikChannels.matchAll(/<id>(\d+)<\/id>[\s\S]*?<ipAddress>([^<]+)<\/ipAddress>[\s\S]*?<deviceTypeName>([^<]+)<\/deviceTypeName>\s*<serialNumber>([^<]+)<\/serialNumber>/g)) {
    cameras.push({ nvr: '10.231.1.31', channel: Number(match[1]), ip: match[2]!, model: match[3]!, serial: match[4]! });
  }
  const remote = profileRoutes('dahua-nvr').find((route) => route.path.endsWith('name=RemoteDevice'))!.body!;
  const slots = new Map<string, Record<string, string>>();
  for (const match of remote.matchAll(/INFO_(\d+)\.(\w+)=(.*)\r\n/g)) slots.set(match[1]!, { ...slots.get(match[1]!), [match[2]!]: match[3]! });
  for (const [slot, fields] of slots) {
    if (fields.Enable !== 'true') continue;
    cameras.push({ nvr: '10.231.1.32', channel: Number(slot) + 1, ip: fields.Address!, model: fields.DeviceType!, serial: fields.SerialNo! });
  }
  return cameras;
}

describe.runIf(lab.enabled)('cameras behind NVRs, a Hikvision unit with ONVIF off, and the cloud flag', () => {
  let credentials: string;
  let anonymousDevices: Device[];
  let devices: Device[];
  let database: string;
  let scanStdErr = '';

  const cli = async (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    const result = await lab.runCamaudit(args, { timeoutMs: 120_000 });
    return { code: result.code ?? -1, stdout: result.stdout, stderr: result.stderr };
  };

  beforeAll(async () => {
    credentials = lab.workPath('logins.json');
    writeFileSync(credentials, JSON.stringify([LOGIN]), { mode: 0o600 });
    let started = performance.now();
    const anonymous = await cli(['scan', '--cidr', LAN, '--db', lab.workPath('anonymous.sqlite'), '--json']);
    const anonymousSeconds = (performance.now() - started) / 1000;
    if (anonymous.code !== 0) throw new Error(`scan exited ${anonymous.code}: ${anonymous.stderr}`);
    anonymousDevices = JSON.parse(anonymous.stdout) as Device[];
    database = lab.workPath('inventory.sqlite');
    started = performance.now();
    const scan = await cli(['scan', '--cidr', LAN, '--db', database, '--credentials', credentials, '--json']);
    process.stderr.write(`nvr-scan: scan of ${LAN} without credentials ${anonymousSeconds.toFixed(1)} s, with credentials ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    if (scan.code !== 0) throw new Error(`scan exited ${scan.code}: ${scan.stderr}`);
    scanStdErr = scan.stderr;
    devices = JSON.parse(scan.stdout) as Device[];
  }, 300_000);

  it('without credentials lists the NVRs and no camera behind them', () => {
    expect(anonymousDevices.filter((device) => device.via)).toEqual([]);
    for (const ip of ['10.231.1.31', '10.231.1.32']) {
      const nvr = anonymousDevices.find((device) => device.ip === ip);
      expect(nvr?.identification.deviceClass, ip).toBe('nvr');
    }
    for (const camera of expectedCameras()) expect(anonymousDevices.some((device) => device.ip === camera.ip), camera.ip).toBe(false);
  });

  it('with credentials lists every camera behind each NVR, with via, channel, model, serial and its own verdict', () => {
    const cameras = expectedCameras();
    expect(cameras.length).toBe(5);
    for (const camera of cameras) {
      const nvr = devices.find((device) => device.ip === camera.nvr);
      const found = devices.find((device) => device.via?.ip === camera.nvr && device.via.channel === camera.channel);
      const label = `${camera.nvr} channel ${camera.channel}: ${JSON.stringify(found?.identification.evidence.map((item) => item.ruleId))}`;
      expect(found, label).toBeDefined();
      expect(found!.ip, label).toBe(camera.ip);
      expect(found!.via!.deviceId, label).toBe(nvr!.id);
      expect(found!.identification.model, label).toBe(camera.model);
      expect(found!.identification.serial, label).toBe(camera.serial);
      expect(found!.identification.deviceClass, label).toBe('camera');
      // Its maker comes from its own model and the protocol the NVR reaches it with, not from the NVR.
      const maker = camera.model.startsWith('DS-') ? 'Hikvision' : camera.model.startsWith('IPC-') ? 'Dahua' : 'Axis';
      expect(found!.identification.vendor, label).toBe(maker);
      expect(found!.identification.covered, label).toBe(maker !== 'Axis');
    }
    // Two NVRs, five cameras: none merged into another, none into its NVR.
    expect(new Set(devices.filter((device) => device.via).map((device) => device.id)).size).toBe(5);
  });

  it('gives the Dahua cameras the MAC their NVR reports, and keeps no camera login or EZVIZ code', () => {
    const entrance = devices.find((device) => device.via?.ip === '10.231.1.32' && device.via.channel === 1);
    expect(entrance?.mac).toBe('3c:ef:8c:00:00:01');
    const store = new Database(database, { readonly: true });
    try {
      const raw = (store.prepare('SELECT raw FROM observations').all() as { raw: string }[]).map((row) => row.raw).join('\n');
      expect(raw).toContain('deviceTypeName');
      expect(raw).not.toContain('labsecret');
      expect(raw).not.toContain('LABSECRET');
      expect(raw).not.toContain(LOGIN.password);
    } finally {
      store.close();
    }
    expect(scanStdErr).not.toContain(LOGIN.password);
  });

  it('lists the cameras behind one NVR with devices --via, and prints where each sits', async () => {
    const hikNvr = devices.find((device) => device.ip === '10.231.1.31')!;
    const listed = await cli(['devices', '--db', database, '--via', hikNvr.id, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const behind = JSON.parse(listed.stdout) as Device[];
    expect(behind.map((device) => device.via?.channel).sort()).toEqual([1, 2, 3]);
    const table = await cli(['devices', '--db', database]);
    expect(table.stdout).toMatch(/192\.168\.254\.2 .*10\.231\.1\.31#1/);
  });

  it('identifies the Hikvision unit with ONVIF off by model and serial through ISAPI', () => {
    const unit = devices.find((device) => device.ip === '10.231.1.14')!;
    const profile = lab.devices.find((device) => device.name === 'hik-noonvif')!.profile;
    expect(unit.identification.model).toBe(profile.identity.model);
    expect(unit.identification.serial).toBe(profile.identity.serial);
    expect(unit.sources).toContain('isapi');
    const fields = unit.identification.evidence.map((item) => item.field);
    expect(fields).toEqual(expect.arrayContaining(['isapi.deviceInfo.model', 'isapi.deviceInfo.serialNumber']));
    // Without the login, the same unit is known from SADP and banners only.
    const anonymous = anonymousDevices.find((device) => device.ip === '10.231.1.14')!;
    expect(anonymous.sources).not.toContain('isapi');
  });

  it('reads the cloud flag as enabled, disabled and unknown, filters on it and exports it', async () => {
    const cloudOf = (ip: string): string | undefined => devices.find((device) => device.ip === ip)?.cloud;
    expect(cloudOf('10.231.1.14')).toBe('enabled'); // Hik-Connect on: SADP HCPlatformEnable and ISAPI EZVIZ
    expect(cloudOf('10.231.1.31')).toBe('disabled'); // SADP HCPlatformEnable `flase`, EZVIZ enabled false
    expect(cloudOf('10.231.1.32')).toBe('enabled'); // Dahua T2UServer.Enable=true
    expect(cloudOf('10.231.1.20')).toBe('unknown'); // Dahua camera that refused the login: nothing says
    const disabled = devices.find((device) => device.ip === '10.231.1.31')!;
    expect(disabled.identification.cloud?.evidence.map((item) => item.field).sort()).toEqual(['isapi.ezviz.enabled', 'sadp.HCPlatformEnable']);
    const filtered = await cli(['devices', '--db', database, '--cloud', 'enabled', '--json']);
    expect((JSON.parse(filtered.stdout) as Device[]).map((device) => device.ip).sort()).toEqual(['10.231.1.14', '10.231.1.32']);
    const csvPath = lab.workPath('export.csv');
    const exported = await cli(['export', '--format', 'csv', '--db', database, '--out', csvPath]);
    expect(exported.code, exported.stderr).toBe(0);
    const csv = readFileSync(csvPath, 'utf8');
    expect(csv.split('\r\n')[0]).toContain('Cloud P2P');
    // The row ends with: alert, cloud, behind NVR, all addresses, device id.
    const unit = devices.find((device) => device.ip === '10.231.1.14')!;
    expect(csv).toContain(`,enabled,,10.231.1.14,${unit.id}\r\n`);
    const camera = devices.find((device) => device.via?.ip === '10.231.1.31' && device.via.channel === 1)!;
    expect(csv).toContain(`,unknown,10.231.1.31 channel 1 (${camera.via!.deviceId}),192.168.254.2,${camera.id}\r\n`);
  });
});
