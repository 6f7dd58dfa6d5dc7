// The SSDP channel end to end on loopback: a real unicast M-SEARCH to a UDP responder on 127.0.0.1, real replies,
// real HTTP description servers. No multicast leaves the host (the scope has no interfaces).
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveScanConfig } from '../../src/config.js';
import type { Observation } from '../../src/model.js';
import { createProbeContext } from '../../src/discovery/engine/run.js';
import { createSsdpDiscovery } from '../../src/discovery/ssdp/index.js';

const axisDescription = readFileSync(new URL('../fixtures/ssdp/axis-m1014-rootdesc1.xml', import.meta.url));
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function httpServer(host: string, handler: (path: string, respond: (status: number, body: Buffer | string) => void) => void): Promise<{ port: number; requests: string[] }> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.url ?? '');
    handler(request.url ?? '', (status, body) => {
      response.writeHead(status, { 'content-type': 'text/xml' });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as AddressInfo).port, requests };
}

/** A UDP responder that answers every M-SEARCH with the given replies, each sent from the responder's own socket. */
async function ssdpResponder(replies: (searchTarget: string) => string[]): Promise<{ port: number; searches: string[] }> {
  const socket: Socket = createSocket('udp4');
  const searches: string[] = [];
  socket.on('message', (data, remote) => {
    const text = data.toString('ascii');
    const target = /^ST: *(.*)$/im.exec(text)?.[1]?.trim() ?? '';
    searches.push(target);
    for (const reply of replies(target)) socket.send(Buffer.from(reply), remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return { port: socket.address().port, searches };
}

const reply = (headers: string[]): string => `HTTP/1.1 200 OK\r\n${headers.join('\r\n')}\r\n\r\n`;

async function scan(port: number, overrides: Parameters<typeof resolveScanConfig>[0] = {}): Promise<{ observations: Observation[]; elapsedMs: number }> {
  const config = resolveScanConfig({ listenWindowMs: 400, exchangeTimeoutMs: 800, ...overrides });
  const context = createProbeContext({ config, log: pino({ level: 'silent' }), signal: AbortSignal.timeout(10_000) });
  const started = performance.now();
  const observations: Observation[] = [];
  for await (const observation of createSsdpDiscovery({ port }).probe({ cidrs: ['127.0.0.1/32'], interfaces: [] }, context)) observations.push(observation);
  return { observations, elapsedMs: performance.now() - started };
}

describe('ssdp channel on loopback', () => {
  it('keeps the root device reply, fetches the description at the responder, drops volatile headers', async () => {
    const http = await httpServer('127.0.0.1', (path, respond) => (path === '/rootdesc1.xml' ? respond(200, axisDescription) : respond(404, '')));
    const location = `http://127.0.0.1:${http.port}/rootdesc1.xml`;
    const responder = await ssdpResponder((target) => {
      const common = ['CACHE-CONTROL: max-age=1800', 'DATE: Sun, 02 Oct 2016 21:11:25 GMT', 'EXT:', `LOCATION: ${location}`, 'SERVER: Linux/2.6.35, UPnP/1.0, Portable SDK for UPnP devices/1.6.18'];
      const udn = 'uuid:Upnp-BasicDevice-1_0-ACCC8E270AD8';
      const all = [
        reply([...common, 'ST: urn:axis-com:service:BasicService:1', `USN: ${udn}::urn:axis-com:service:BasicService:1`]),
        reply([...common, 'ST: upnp:rootdevice', `USN: ${udn}::upnp:rootdevice`]),
        reply([...common, `ST: ${udn}`, `USN: ${udn}`]),
      ];
      return target === 'ssdp:all' ? all : target === 'upnp:rootdevice' ? [all[1] ?? ''] : [];
    });
    const { observations } = await scan(responder.port);
    expect(responder.searches).toEqual(expect.arrayContaining(['ssdp:all', 'upnp:rootdevice']));
    expect(observations).toHaveLength(1);
    const [observation] = observations;
    expect(observation).toMatchObject({ source: 'ssdp', ip: '127.0.0.1', port: responder.port, transport: 'unicast' });
    expect(observation?.ssdp?.headers).toEqual({
      'cache-control': 'max-age=1800',
      ext: '',
      location,
      server: 'Linux/2.6.35, UPnP/1.0, Portable SDK for UPnP devices/1.6.18',
      st: 'upnp:rootdevice',
      usn: 'uuid:Upnp-BasicDevice-1_0-ACCC8E270AD8::upnp:rootdevice',
    });
    expect(observation?.ssdp?.description).toMatchObject({ manufacturer: 'AXIS', modelName: 'AXIS M1014', serialNumber: 'ACCC8E270AD8', URLBase: 'http://192.168.1.102:51578/' });
    // One description per root device, however many replies named it.
    expect(http.requests).toEqual(['/rootdesc1.xml']);
  });

  it('never fetches a LOCATION on another host, and bounds a hanging or oversized description', async () => {
    const elsewhere = await httpServer('127.0.0.2', (_path, respond) => respond(200, axisDescription));
    const hanging = await httpServer('127.0.0.1', () => undefined);
    const huge = await httpServer('127.0.0.1', (_path, respond) => respond(200, Buffer.alloc(64 * 1024, 0x20)));
    const locations = [`http://127.0.0.2:${elsewhere.port}/d.xml`, `http://127.0.0.1:${hanging.port}/d.xml`, `http://127.0.0.1:${huge.port}/d.xml`];
    const responder = await ssdpResponder((target) =>
      target === 'upnp:rootdevice' ? locations.map((location, index) => reply([`LOCATION: ${location}`, 'ST: upnp:rootdevice', `USN: uuid:device-${index}::upnp:rootdevice`, 'SERVER: test/1 UPnP/1.0 t/1'])) : [],
    );
    const { observations, elapsedMs } = await scan(responder.port, { maxXmlBytes: 16 * 1024 });
    expect(observations.map((observation) => observation.ssdp?.headers.location).sort()).toEqual([...locations].sort());
    for (const observation of observations) expect(observation.ssdp?.description).toBeUndefined();
    expect(elsewhere.requests).toEqual([]);
    expect(hanging.requests).toEqual(['/d.xml']);
    // Listen window (two rounds 250 ms apart + 400 ms) plus one exchange timeout of 800 ms, with slack.
    expect(elapsedMs).toBeLessThan(2500);
  });

  it('drops what is not a 200 reply and finds nothing when nobody answers', async () => {
    const responder = await ssdpResponder(() => ['HTTP/1.1 404 Not Found\r\nST: upnp:rootdevice\r\n\r\n', 'garbage \u0000\u00ff', 'NOTIFY * HTTP/1.1\r\nNT: upnp:rootdevice\r\n\r\n']);
    expect((await scan(responder.port)).observations).toEqual([]);
    const silent = await ssdpResponder(() => []);
    expect((await scan(silent.port)).observations).toEqual([]);
  });
});
