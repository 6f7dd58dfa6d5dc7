// Scanner robustness end to end: the real CLI scans the default lab, then the same lab with the hostile devices added
// (test/lab/profiles/hostile-*.json: silent, trickling and endless TCP services, XXE and entity bombs on every XML
// channel, malformed packets on every UDP channel, a reply storm, names made of escapes, formulas and script, and
// issue 14's long whitespace runs, out-of-scope announcements, identity spoofers, mDNS and source storms).
// The hostile scan must finish within the normal time plus its configured bounds, identify every healthy device
// exactly as the scan without the hostile ones did, keep device text out of terminals and spreadsheets unescaped,
// record every refused input with a reason (log and scan record), resolve no entity, and keep its memory bounded.
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCAN_CONFIG, UDP_LIMITS } from '../../src/config.js';
import type { DeviceDetail, InventoryDevice, ScanRecord } from '../../src/inventory/index.js';
import { counterLogPath, type CounterEvent } from './device/responders/counter.js';
import { useLab } from './harness/index.js';
import { loadProfile } from './profile-loader.js';
import { parseCsv } from '../unit/export-helpers.js';

const HOSTILE_PROFILES = [
  'hostile-silent',
  'hostile-trickle',
  'hostile-endless',
  'hostile-xml',
  'hostile-garbage',
  'hostile-storm',
  'hostile-names',
  // Issue 14: the security round.
  'hostile-whitespace',
  'hostile-spoof',
  'hostile-spoof-quiet',
  'hostile-scope',
  'hostile-scope-trap',
  'hostile-mdns-flood',
  'hostile-source-storm',
  'hostile-formulas',
];
/** The hostile scan leaves this block of the lan out of its ranges: hostile-scope-trap (.250) lives there. */
const OUT_OF_SCOPE_BLOCK = '10.231.1.248/29';
const LAN_RANGES_WITHOUT_TRAP = ['10.231.1.0/25', '10.231.1.128/26', '10.231.1.192/27', '10.231.1.224/28', '10.231.1.240/29'];
const TRAP_IP = '10.231.1.250';
/** hostile-spoof and hostile-spoof-quiet claim this device's MAC and serial; an operator has said who owns it and where it is. */
const VICTIM = 'hik-ipc';
/** The spoofer the scanner's kernel has a neighbour entry for, and the one it never has (it answers no ARP). */
const SPOOFERS = ['hostile-spoof', 'hostile-spoof-quiet'];
const OPERATOR_FIELDS = { owner: 'facilities', location: 'gate 2, north pole' };
/** Log lines the hostile scan may write: refusals are aggregated per reason, not one line per datagram. */
const MAX_STDERR_LINES = 3000;
const SCAN_TIMEOUT_MS = 180_000;
/**
 * What hostile devices may add to a scan: one exchange deadline in the sweep stage (a held connection, an ONVIF
 * call or a description fetch runs beside the others, so at most one deadline longer), one in the follow-up stage
 * (ports the devices announced), the wait host discovery may make for addresses whose ARP resolution is still
 * running when it starts (the hostile devices were absent from the clean scan, and one of them answers no ARP at
 * all), and slack for a loaded two-core CI machine.
 */
const ALLOWED_EXTRA_MS = 2 * DEFAULT_SCAN_CONFIG.exchangeTimeoutMs + UDP_LIMITS.neighbourResolutionBoundMs + 4_000;
/** Peak RSS the hostile scan may add over the normal one (bodies are capped at ~300 KiB an exchange). */
const ALLOWED_EXTRA_RSS_MB = 64;

// The CLI's own peak RSS (VmHWM of /proc/self/status, read as it exits), written to stderr by a preloaded module.
const PEAK_RSS_PRELOAD = `data:text/javascript,${encodeURIComponent(
  "import { readFileSync, writeSync } from 'node:fs';" +
    "process.on('exit', () => { const m = /^VmHWM:\\s+(\\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8')); writeSync(2, `\\ncamaudit-peak-rss-kb ${m ? m[1] : '?'}\\n`); });",
)}`;

interface ScanRun {
  stdout: string;
  stderr: string;
  seconds: number;
  peakRssMb: number;
}

/** Device text that must never reach a terminal raw: C0 controls but newline, DEL, C1 controls (0x9b is a CSI). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point of this test.
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
/** A formula trigger as the first visible character (invisible leads skipped), unless the cell starts with '. */
const FORMULA_START = /^[\s\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]*[=+\-@\uff1d\uff0b\uff0d\uff20]/;
/** Characters XML 1.0 cannot carry: a workbook holding one is corrupt (C1 and tab/newline are legal text there). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point of this test.
const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

const lab = useLab('HOSTILE', { cli: true });

describe.runIf(lab.enabled)('a scan of a lab with hostile devices', () => {
  let normalDb: string;
  let hostileDb: string;
  let normal: ScanRun;
  let hostile: ScanRun;
  let normalDevices: InventoryDevice[];
  let hostileDevices: InventoryDevice[];
  let hostileScan: ScanRecord;
  let victimId: string;

  const cli = (argv: string[]) => lab.camaudit(argv, { timeoutMs: 30_000 });

  const scan = async (database: string, extra: string[], leaveOut?: string): Promise<ScanRun> => {
    const cidrs = lab.segments.flatMap((segment) => (leaveOut === OUT_OF_SCOPE_BLOCK && segment.cidr === '10.231.1.0/24' ? LAN_RANGES_WITHOUT_TRAP : [segment.cidr]));
    const ranges = cidrs.flatMap((cidr) => ['--cidr', cidr]);
    const started = performance.now();
    const result = await lab.runCamaudit(['scan', ...ranges, '--db', database, ...extra], { timeoutMs: SCAN_TIMEOUT_MS, nodeArgs: ['--import', PEAK_RSS_PRELOAD] });
    const seconds = (performance.now() - started) / 1000;
    if (result.code !== 0) throw new Error(`scan exited ${result.code}: ${result.stderr.slice(-4000)}`);
    const peak = /camaudit-peak-rss-kb (\d+)/.exec(result.stderr);
    if (!peak) throw new Error(`no peak RSS line in the scan's stderr: ${result.stderr.slice(-1000)}`);
    return { stdout: result.stdout, stderr: result.stderr, seconds, peakRssMb: Number(peak[1]) / 1024 };
  };

  beforeAll(async () => {
    normalDb = lab.workPath('normal.sqlite');
    hostileDb = lab.workPath('hostile.sqlite');
    normal = await scan(normalDb, ['--json']);
    normalDevices = JSON.parse(await cli(['devices', '--json', '--db', normalDb])) as InventoryDevice[];
    // The hostile scan updates the inventory the clean scan made, as a recurring audit does, after an operator has
    // recorded who owns the spoofer's victim and where it is.
    copyFileSync(normalDb, hostileDb);
    if (existsSync(`${normalDb}-wal`)) copyFileSync(`${normalDb}-wal`, `${hostileDb}-wal`);
    victimId = byIp(normalDevices, lab.device(VICTIM).ip)!.id;
    await cli(['device', victimId, '--owner', OPERATOR_FIELDS.owner, '--location', OPERATOR_FIELDS.location, '--db', hostileDb]);
    for (const name of HOSTILE_PROFILES) await lab.addDevice(loadProfile(name));
    // Table output, as a person at a terminal would see it.
    hostile = await scan(hostileDb, [], OUT_OF_SCOPE_BLOCK);
    hostileDevices = JSON.parse(await cli(['devices', '--json', '--db', hostileDb])) as InventoryDevice[];
    const scans = JSON.parse(await cli(['scans', '--json', '--db', hostileDb])) as ScanRecord[];
    hostileScan = scans[0]!;
    process.stderr.write(
      `hostile: scan without hostile devices ${normal.seconds.toFixed(1)} s, peak RSS ${normal.peakRssMb.toFixed(0)} MB; ` +
        `with ${HOSTILE_PROFILES.length} hostile devices ${hostile.seconds.toFixed(1)} s, peak RSS ${hostile.peakRssMb.toFixed(0)} MB; ` +
        `${String(hostileScan.counts.rejectedInputs ?? '?')} inputs refused\n`,
    );
  }, 360_000);

  const healthy = () => lab.devices.filter((device) => !HOSTILE_PROFILES.includes(device.name));
  const hostileIps = () => lab.devices.filter((device) => HOSTILE_PROFILES.includes(device.name)).map((device) => device.ip);
  const byIp = (devices: InventoryDevice[], ip: string) => devices.find((device) => device.ip === ip || device.addresses.includes(ip));
  const summary = (device: InventoryDevice | undefined) => {
    if (!device) return undefined;
    const { vendor, brand, model, covered, deviceClass } = device.identification;
    return { mac: device.mac, vendor, brand, model, firmware: device.identification.firmware?.raw ?? null, covered, deviceClass };
  };

  it('finishes within the normal scan time plus the configured bounds', () => {
    expect(hostile.stderr).toContain('finished');
    // When it does not, the log says which stage took the time (a loaded machine, or a bound not kept).
    expect(hostile.seconds * 1000, `the hostile scan took ${hostile.seconds.toFixed(1)} s, the clean one ${normal.seconds.toFixed(1)} s; when each message was first logged:\n${logTimeline(hostile.stderr)}`).toBeLessThanOrEqual(
      normal.seconds * 1000 + ALLOWED_EXTRA_MS,
    );
  });

  it('identifies every healthy device exactly as the scan without hostile devices did, and as its profile expects', () => {
    for (const device of healthy()) {
      const before = byIp(normalDevices, device.ip);
      const after = byIp(hostileDevices, device.ip);
      expect(after, `${device.name} (${device.ip}) not found with hostile devices present`).toBeDefined();
      expect(summary(after), device.name).toEqual(summary(before));
      const expected = device.profile.expect;
      expect(after!.identification.vendor, device.name).toBe(expected.vendor);
      expect(after!.identification.covered, device.name).toBe(expected.covered);
      if (expected.isCamera) expect(after!.identification.deviceClass, device.name).toBe('camera');
    }
    expect(hostileDevices.filter((device) => !hostileIps().includes(device.ip)).length).toBe(normalDevices.length);
  });

  it('declares no hostile device covered, whatever it claims (but the one that poses as a Hikvision camera)', () => {
    const posers = lab.devices.filter((device) => device.profile.expect.covered).map((device) => device.ip);
    for (const ip of hostileIps().filter((address) => !posers.includes(address))) expect(byIp(hostileDevices, ip)?.identification.covered ?? false, ip).toBe(false);
  });

  it('sends nothing outside its ranges, whatever a reply announces, and records such replies as refused', async () => {
    // The counter flushes its log a few times a second.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const log = JSON.parse(readFileSync(counterLogPath('hostile-scope-trap', lab.tempDir), 'utf8')) as { events: CounterEvent[] };
    expect(log.events.filter((event) => event.kind === 'tcp')).toEqual([]);
    expect(hostileDevices.filter((device) => device.ip === TRAP_IP || device.addresses.includes(TRAP_IP))).toEqual([]);
    const recorded = hostileScan.errors as { channel: string; ip: string; reason: string }[];
    expect(recorded.some((entry) => entry.ip === TRAP_IP && /outside/.test(entry.reason)), JSON.stringify(recorded.slice(0, 20))).toBe(true);
    expect(recorded.some((entry) => entry.ip === '10.231.1.210' && entry.channel === 'wsdiscovery' && /10\.231\.1\.250/.test(entry.reason))).toBe(true);
    expect(recorded.some((entry) => entry.ip === '10.231.1.210' && entry.channel === 'ssdp' && /10\.231\.1\.250/.test(entry.reason))).toBe(true);
  });

  it("keeps the record and the operator's fields of a device whose MAC and serial other hosts claim; each claimant gets its own, and the conflicts are alerted", async () => {
    const real = lab.device(VICTIM);
    const spooferIps = SPOOFERS.map((name) => lab.device(name).ip);
    const record = hostileDevices.find((device) => device.id === victimId)!;
    expect(record).toMatchObject({ ip: real.ip, addresses: [real.ip], mac: real.mac, serial: real.profile.identity.serial, ...OPERATOR_FIELDS });
    expect(record.alert).toMatch(new RegExp(`^(?:${spooferIps.map((ip) => ip.replace(/\./g, '\\.')).join('|')}) claimed this device's mac ${real.mac}`));
    for (const name of SPOOFERS) {
      const spoofer = lab.device(name);
      const claimants = hostileDevices.filter((device) => device.ip === spoofer.ip || device.addresses.includes(spoofer.ip));
      expect(claimants, name).toHaveLength(1);
      const claimant = claimants[0]!;
      expect(claimant.id, name).not.toBe(victimId);
      expect(claimant, name).toMatchObject({ ip: spoofer.ip, addresses: [spoofer.ip], serial: null, owner: null, location: null });
      expect(claimant.alert, name).toMatch(new RegExp(`claimed the mac ${real.mac}.* of device ${victimId}; not trusted`));
      // With a neighbour entry the record takes the claimant's own MAC; without one (the quiet spoofer) it has none.
      expect(claimant.mac, name).toBe(spoofer.profile.arp === false ? null : spoofer.mac);
    }
    const detail = JSON.parse(await cli(['device', victimId, '--db', hostileDb])) as DeviceDetail;
    expect(detail.history.filter((entry) => entry.kind === 'conflict' && entry.scanId === hostileScan.id)).toHaveLength(SPOOFERS.length);
    expect(detail.history.filter((entry) => entry.kind === 'merged')).toEqual([]);
    // The scan counts the victim and both claimants among its alerts.
    expect(Number(hostileScan.counts.alerts)).toBeGreaterThanOrEqual(1 + SPOOFERS.length);
  });

  it('aggregates refusals in its log instead of writing one line per datagram', () => {
    expect(hostile.stderr.split('\n').length).toBeLessThanOrEqual(MAX_STDERR_LINES);
  });

  it('prints no control character from a device to the terminal, on stdout or stderr', () => {
    // The names device did reach the table: its escapes are shown as text, not obeyed.
    expect(hostile.stdout).toContain('\\u001b[2J');
    expect(hostile.stdout).not.toMatch(RAW_CONTROL);
    expect(hostile.stderr).not.toMatch(RAW_CONTROL);
  });

  it('exports spreadsheets with every formula neutralised and every tag escaped', async () => {
    const csvPath = lab.workPath('hostile.csv');
    await cli(['export', '--format', 'csv', '--db', hostileDb, '--out', csvPath]);
    const rows = parseCsv(readFileSync(csvPath, 'utf8').replace(/^\uFEFF/, ''));
    const names = rows.find((row) => row.includes('10.231.1.207'));
    expect(names, 'the names device is exported').toBeDefined();
    expect(rows.find((row) => row.includes('10.231.1.212')), 'the formulas device is exported').toBeDefined();
    expect(names).toContain(`'=HYPERLINK("http://example.invalid/x","click me")`);
    for (const row of rows) for (const cell of row) expect(cell, JSON.stringify(row)).not.toMatch(FORMULA_START);
    // eslint-disable-next-line no-control-regex -- no control character may reach a cell.
    for (const row of rows) for (const cell of row) expect(cell, JSON.stringify(row)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);

    const xlsxPath = lab.workPath('hostile.xlsx');
    await cli(['export', '--format', 'xlsx', '--db', hostileDb, '--out', xlsxPath]);
    const files = unzipSync(readFileSync(xlsxPath));
    const sheets = Object.entries(files).filter(([name]) => name.startsWith('xl/worksheets/')).map(([, bytes]) => Buffer.from(bytes).toString('utf8'));
    expect(sheets.join('')).toContain('&lt;script&gt;');
    for (const sheet of sheets) {
      expect(sheet).not.toMatch(/<f[\s>]/);
      expect(sheet).not.toContain('<script');
      expect(sheet).not.toMatch(XML_INVALID);
    }
  });

  it('records every refused input with its reason, in the log and in the scan record', () => {
    const expected: [string, string, RegExp][] = [
      ['10.231.1.201', 'banner', /no complete HTTP reply within \d+ ms/],
      ['10.231.1.201', 'banner', /held every first port/],
      ['10.231.1.201', 'onvif', /no complete ONVIF reply within/],
      ['10.231.1.201', 'ssdp', /no complete description within/],
      ['10.231.1.202', 'banner', /no complete HTTP reply within/],
      ['10.231.1.202', 'onvif', /no complete ONVIF reply within/],
      ['10.231.1.202', 'ssdp', /no complete description within/],
      ['10.231.1.203', 'banner', /HTTP reply larger than/],
      ['10.231.1.203', 'banner', /RTSP reply larger than/],
      ['10.231.1.203', 'onvif', /larger than/],
      ['10.231.1.203', 'ssdp', /larger than/],
      ['10.231.1.204', 'sadp', /DOCTYPE or ENTITY/],
      ['10.231.1.204', 'wsdiscovery', /DOCTYPE or ENTITY/],
      ['10.231.1.204', 'onvif', /DOCTYPE or ENTITY/],
      ['10.231.1.204', 'ssdp', /UPnP description refused: .*DOCTYPE or ENTITY/],
      ['10.231.1.205', 'sadp', /SADP reply refused/],
      ['10.231.1.205', 'dhip', /DHIP reply refused/],
      ['10.231.1.205', 'wsdiscovery', /WS-Discovery reply refused/],
      ['10.231.1.205', 'ssdp', /SSDP reply refused/],
      ['10.231.1.205', 'mdns', /mDNS packet refused/],
      ['10.231.1.205', 'banner', /reply is not HTTP/],
      ['10.231.1.205', 'banner', /reply is not RTSP/],
      ['10.231.1.206', 'wsdiscovery', /reply storm/],
      ['10.231.1.206', 'ssdp', /more than \d+ SSDP replies/],
      // The mDNS flood announces hundreds of web ports: the first few are probed, not every one at the rate limit.
      ['10.231.1.211', 'banner', /announced \d+ web ports; only the first \d+ were probed/],
    ];
    const logged = hostile.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; channel?: string; ip?: string; reason?: string })
      .filter((entry) => entry.msg === 'input refused');
    const recorded = hostileScan.errors as { channel: string; ip: string; reason: string; count: number }[];
    for (const [ip, channel, reason] of expected) {
      const label = `${channel} ${ip} ${String(reason)}`;
      expect(logged.some((entry) => entry.ip === ip && entry.channel === channel && reason.test(entry.reason ?? '')), `log: ${label}`).toBe(true);
      expect(recorded.some((entry) => entry.ip === ip && entry.channel === channel && reason.test(entry.reason)), `scan record: ${label}`).toBe(true);
    }
    expect(Number(hostileScan.counts.rejectedInputs)).toBeGreaterThanOrEqual(recorded.length);
    // No healthy device had an input refused: the bounds cut only what is hostile.
    const healthyIps = new Set(healthy().map((device) => device.ip));
    expect(recorded.filter((entry) => healthyIps.has(entry.ip))).toEqual([]);
  });

  it('resolves no entity: neither a local file nor an expansion reaches the inventory', () => {
    for (const file of [hostileDb, `${hostileDb}-wal`]) {
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file);
      expect(bytes.includes('root:x:0:0')).toBe(false);
      expect(bytes.includes('lollollollol')).toBe(false);
    }
  });

  it('keeps memory bounded', () => {
    expect(hostile.peakRssMb).toBeLessThanOrEqual(normal.peakRssMb + ALLOWED_EXTRA_RSS_MB);
  });
});

/** Each distinct message of a pino log (JSON lines), with the seconds from the first line to its first appearance. */
function logTimeline(stderr: string): string {
  const firstSeen = new Map<string, number>();
  let start: number | undefined;
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { time?: unknown; msg?: unknown };
    try {
      entry = JSON.parse(line) as { time?: unknown; msg?: unknown };
    } catch {
      continue;
    }
    if (typeof entry.time !== 'number' || typeof entry.msg !== 'string') continue;
    start ??= entry.time;
    if (!firstSeen.has(entry.msg)) firstSeen.set(entry.msg, entry.time - start);
  }
  return [...firstSeen].map(([message, offsetMs]) => `  +${(offsetMs / 1000).toFixed(2)} s  ${message.slice(0, 160)}`).join('\n');
}
