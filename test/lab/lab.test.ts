// End to end checks of the emulated LAN itself: namespaces, addresses, reachability, the multicast boundary at the
// router, the TCP responders, add/remove, teardown and crash clean-up. Needs root; skipped loudly without it,
// and failing in CI (CI=true), where an unavailable lab must not pass silently.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { statePath } from './state.js';
import { useLab } from './harness/index.js';
import { labAvailable, type LabDevice } from './lab.js';
import { loadProfile } from './profile-loader.js';
import type { HeaderMap } from './profile.js';
import { runCommand } from './exec.js';
import { namespacesOfLab } from './teardown.js';

const CLIENT = fileURLToPath(new URL('./scanner-client.mjs', import.meta.url));
const LISTENER = fileURLToPath(new URL('./multicast-listener.mjs', import.meta.url));
const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));

interface RawResponse {
  statusLine: string;
  headers: [string, string][];
  body: string;
}

function parseResponses(raw: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = raw;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const [statusLine = '', ...lines] = rest.slice(0, end).split('\r\n');
    const headers = lines.map((line): [string, string] => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]);
    const length = Number(headers.find(([name]) => name.toLowerCase() === 'content-length')?.[1] ?? '0');
    responses.push({ statusLine, headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return responses;
}

const header = (response: RawResponse | undefined, name: string) =>
  response?.headers.filter(([key]) => key.toLowerCase() === name.toLowerCase()).map(([, value]) => value) ?? [];

function expectedServer(map: HeaderMap | undefined, route: HeaderMap | undefined): string | undefined {
  const value = Object.entries({ ...map, ...route }).find(([name]) => name.toLowerCase() === 'server')?.[1];
  return Array.isArray(value) ? value[0] : value;
}

const rootLinkNames = (result: { stdout: string }) =>
  result.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(': ')[1] ?? line)
    .sort();

// Registered before useLab's, so it runs before the lab starts.
let rootLinksBefore: string[];
beforeAll(async () => {
  rootLinksBefore = rootLinkNames(await runCommand(['ip', '-o', 'link', 'show']));
});
const lab = useLab('LAB');

describe.runIf(lab.enabled)('emulated LAN', () => {
  const exchange = async (mode: 'tcp' | 'tls', ip: string, port: number, request: string, heads?: number) => {
    const argv = [process.execPath, CLIENT, mode, ip, String(port), ...(heads ? [String(heads)] : [])];
    const result = await lab.runInScanner(argv, { input: request, timeoutMs: 15_000 });
    expect(result.stderr, `${mode} ${ip}:${port}`).toBe('');
    expect(result.code).toBe(0);
    return result.stdout;
  };

  it('the lab is available (fails in CI when it is not)', () => {
    expect(labAvailable()).toEqual({ ok: true });
  });

  beforeAll(() => {
    process.stderr.write(`startLab: default lab ${lab.prefix} with ${lab.devices.length} devices in ${Math.round(lab.startMs)} ms\n`);
  });

  it('creates nothing in the root namespace', async () => {
    expect(rootLinkNames(await runCommand(['ip', '-o', 'link', 'show']))).toEqual(rootLinksBefore);
  });

  it('gives every device its own namespace with the profile MAC and IP', async () => {
    expect(lab.devices.length).toBeGreaterThanOrEqual(13);
    for (const item of lab.devices) {
      const result = await runCommand(['ip', '-n', item.namespace, '-j', 'addr', 'show', 'dev', 'eth0']);
      expect(result.code, `${item.name}: ${result.stderr}`).toBe(0);
      const [link] = JSON.parse(result.stdout) as { address: string; addr_info: { family: string; local: string }[] }[];
      expect(link?.address, item.name).toBe(item.profile.mac);
      expect(link?.addr_info.filter((info) => info.family === 'inet').map((info) => info.local), item.name).toEqual([item.profile.ip]);
    }
  });

  it('answers HTTP with each profile Server header, routed devices through the router', async () => {
    for (const item of lab.devices.filter((candidate) => candidate.profile.protocols.http)) {
      const http = item.profile.protocols.http!;
      const port = http.ports[0]!;
      const raw = await exchange('tcp', item.ip, port, `GET / HTTP/1.1\r\nHost: ${item.ip}\r\nUser-Agent: lab-test\r\n\r\n`);
      const [response] = parseResponses(raw);
      expect(response?.statusLine, item.name).toMatch(/^HTTP\/1\.[01] \d{3} /);
      const rootRoute = http.routes.find((route) => route.path === '/');
      const server = expectedServer(http.headers, rootRoute?.headers);
      expect(header(response, 'server'), item.name).toEqual(server === undefined ? [] : [server]);
    }
    const route = await lab.runInScanner(['ip', 'route', 'get', lab.device('routed-hik').ip]);
    expect(route.stdout).toContain('via 10.231.1.1 dev eth0');
  });

  it('serves the Hikvision login page, the ISAPI 401 and the Dahua markers byte for byte', async () => {
    const hik = lab.device('hik-ipc');
    const [login] = parseResponses(await exchange('tcp', hik.ip, 80, 'GET /doc/page/login.asp?_1700000000000 HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(login?.statusLine).toBe('HTTP/1.1 200 OK');
    expect(login?.body.startsWith('\u00ef\u00bb\u00bf<!DOCTYPE html>')).toBe(true);
    const [isapi] = parseResponses(await exchange('tcp', hik.ip, 80, 'GET /ISAPI/System/deviceInfo HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(isapi?.statusLine).toBe('HTTP/1.1 401 Unauthorized');
    expect(header(isapi, 'www-authenticate')[0]).toMatch(/^Digest qop="auth", realm="IP Camera\(C2183\)", nonce="[0-9a-f]{32}", stale="FALSE"$/);
    const dahua = lab.device('dahua-ipc');
    const [page] = parseResponses(await exchange('tcp', dahua.ip, 80, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(page?.headers.map(([name]) => name)).toEqual(['CONNECTION', 'CONTENT-LENGTH', 'CONTENT-TYPE', 'P3P', 'Etag']);
    expect(page?.body).toContain('<title>WEB SERVICE</title>');
    const alt = lab.device('hik-altport');
    const [altRoot] = parseResponses(await exchange('tcp', alt.ip, 8081, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(header(altRoot, 'server')).toEqual(['Hikvision-Webs']);
  });

  it('serves TLS with the subject from the profile', async () => {
    const hik = lab.device('hik-ipc');
    const result = JSON.parse(await exchange('tls', hik.ip, 443, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')) as {
      subject: Record<string, string>;
      issuer: Record<string, string>;
      response: string;
    };
    const expected = { CN: 'www.hikvision.com', OU: 'DVRNVR', O: 'HIKVISION', L: 'HangZhou', ST: 'ZheJiang', C: 'CN' };
    expect(result.subject).toEqual(expected);
    expect(result.issuer).toEqual(expected);
    expect(header(parseResponses(result.response)[0], 'server')).toEqual(['App-webs/']);
  });

  it('answers RTSP OPTIONS with 200 and DESCRIBE with the profile realm on one connection', async () => {
    for (const item of lab.devices.filter((candidate) => candidate.profile.protocols.rtsp)) {
      const rtsp = item.profile.protocols.rtsp!;
      const url = `rtsp://${item.ip}:554/`;
      const raw = await exchange('tcp', item.ip, rtsp.ports[0]!, `OPTIONS ${url} RTSP/1.0\r\nCSeq: 7\r\n\r\nDESCRIBE ${url} RTSP/1.0\r\nCSeq: 8\r\nAccept: application/sdp\r\n\r\n`, 2);
      const [options, describe401] = parseResponses(raw);
      expect(options?.statusLine, item.name).toBe('RTSP/1.0 200 OK');
      expect(header(options, 'cseq'), item.name).toEqual(['7']);
      expect(header(options, 'public')[0], item.name).toMatch(/OPTIONS, DESCRIBE/);
      const server = expectedServer(rtsp.headers, undefined);
      expect(header(options, 'server'), item.name).toEqual(server === undefined ? [] : [server]);
      expect(describe401?.statusLine, item.name).toBe('RTSP/1.0 401 Unauthorized');
      expect(header(describe401, 'cseq'), item.name).toEqual(['8']);
      const realm = /realm="([^"]+)"/.exec(String(rtsp.unauthorized.headers['WWW-Authenticate']))?.[1] ?? '';
      const expectedRealm = realm.replace('{{macHex}}', item.mac.replace(/:/g, '').toUpperCase()).replace('{{identity.serial}}', String(item.profile.identity.serial));
      expect(header(describe401, 'www-authenticate')[0], item.name).toContain(`realm="${expectedRealm}"`);
    }
    const hik = lab.device('hik-ipc');
    const [hikOptions] = parseResponses(await exchange('tcp', hik.ip, 554, 'OPTIONS rtsp://x/ RTSP/1.0\r\nCSeq: 1\r\n\r\n', 1));
    // Hikvision's two spaces after "Date:" (real RTSP captures, test/fixtures/rtsp/hikvision-ipc-options-200.bin) survive the trip.
    expect(hikOptions?.headers.find(([name]) => name === 'Date')?.[1]).toMatch(/^[A-Z][a-z]{2}, [A-Z][a-z]{2} \d{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
  });

  it('keeps multicast on its segment: the router does not forward it to the routed segment', async () => {
    const group = '239.255.255.250';
    const port = 37999;
    const listen = (item: LabDevice) =>
      new Promise<{ ready: Promise<void>; result: Promise<number> }>((resolve) => {
        const child = spawn('ip', ['netns', 'exec', item.namespace, process.execPath, LISTENER, group, String(port), item.ip, '2500']);
        let output = '';
        let markReady: () => void = () => undefined;
        const ready = new Promise<void>((done) => (markReady = done));
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString('utf8');
          if (output.includes('listening')) markReady();
        });
        const result = new Promise<number>((done) => child.on('close', () => done((JSON.parse(output.split('\n')[1] ?? '{}') as { received?: number }).received ?? -1)));
        resolve({ ready, result });
      });
    const onLan = await listen(lab.device('hik-ipc'));
    const onRouted = await listen(lab.device('routed-hik'));
    await Promise.all([onLan.ready, onRouted.ready]);
    const sent = await lab.runInScanner([process.execPath, CLIENT, 'mcast-send', group, String(port), '5', '10.231.1.2']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(await onLan.result).toBeGreaterThanOrEqual(1);
    expect(await onRouted.result).toBe(0);
  });

  it('adds a device later and removes it again', async () => {
    const base = loadProfile('hik-ipc');
    const added = await lab.addDevice({ ...base, name: 'late-hik', ip: '10.231.1.99', mac: '58:50:ed:3a:10:99', default: false, protocols: { http: base.protocols.http } });
    expect(added.namespace).toBe(`${lab.prefix}-d-late-hik`);
    const [response] = parseResponses(await exchange('tcp', '10.231.1.99', 80, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(header(response, 'server')).toEqual(['App-webs/']);
    await lab.removeDevice('late-hik');
    expect(namespacesOfLab(lab.prefix)).not.toContain(`${lab.prefix}-d-late-hik`);
    const gone = await lab.runInScanner([process.execPath, CLIENT, 'tcp', '10.231.1.99', '80'], { input: 'GET / HTTP/1.1\r\n\r\n', timeoutMs: 15_000 });
    expect(gone.code, gone.stderr).toBe(4);
  });

  it('clean removes a lab whose owner was SIGKILLed and leaves live labs alone', async () => {
    // A profile of our own with only an http section, so this test does not depend on other responders.
    const base = loadProfile('hik-ipc');
    const profileFile = join(mkdtempSync(join(tmpdir(), 'lab-test-')), 'crash-hik.json');
    writeFileSync(profileFile, JSON.stringify({ ...base, name: 'crash-hik', protocols: { http: base.protocols.http } }));
    const owner = spawn(process.execPath, ['--import', 'tsx', CLI, 'up', '--profile-file', profileFile, '--one-segment'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let ownerErrors = '';
    owner.stderr.on('data', (chunk: Buffer) => (ownerErrors += chunk.toString('utf8')));
    const prefix = await new Promise<string>((resolve, reject) => {
      let output = '';
      owner.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const match = /"prefix": "(ca[a-z0-9]+)"/.exec(output);
        if (match?.[1] && output.trimEnd().endsWith('}')) resolve(match[1]);
      });
      owner.on('close', (code) => reject(new Error(`lab owner exited early (${String(code)}): ${ownerErrors}`)));
    });
    expect(namespacesOfLab(prefix).length).toBeGreaterThan(0);
    owner.kill('SIGKILL');
    await new Promise((resolve) => owner.once('close', resolve));
    expect(namespacesOfLab(prefix).length, 'SIGKILL leaves the lab behind').toBeGreaterThan(0);
    const clean = await runCommand([process.execPath, '--import', 'tsx', CLI, 'clean']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toContain(`removed ${prefix}`);
    expect(namespacesOfLab(prefix)).toEqual([]);
    expect(existsSync(statePath(prefix))).toBe(false);
    rmSync(dirname(profileFile), { recursive: true, force: true });
    // Our own lab's owner (this process) is alive: clean must not have touched it.
    expect(namespacesOfLab(lab.prefix).length).toBe(lab.devices.length + 4);
  }, 90_000);

  it('stop() leaves no namespace, state file or temp dir behind', async () => {
    const { prefix } = lab;
    await lab.stop();
    expect(namespacesOfLab(prefix)).toEqual([]);
    expect(existsSync(statePath(prefix))).toBe(false);
    await lab.stop();
  });
});
