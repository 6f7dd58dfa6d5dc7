// The mDNS channel end to end on loopback: real unicast queries (RFC 6762 §5.5) to a responder on 127.0.0.1 that
// answers only what it is asked, so the follow-up questions (second-round types, SRV/TXT, A) must happen for the
// instance to be complete. No multicast leaves the host (the scope has no interfaces).
import { createSocket, type Socket } from 'node:dgram';
import { decode, encode, type Answer } from 'dns-packet';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveScanConfig } from '../../src/config.js';
import type { Observation } from '../../src/model.js';
import { createMdnsDiscovery } from '../../src/discovery/mdns/index.js';
import { createProbeContext } from '../../src/discovery/engine/run.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const HIK = 'HIKVISION DS-2CD2722FWD-IZS - 733050075._CGI._tcp.local';
const HIK_HOST = 'DS-2CD2722FWD-IZS20170321BBWR733050075.local';
const PRINTER = 'Office Printer._pdl-datastream._tcp.local';

/** Answers each question with exactly the records for it, by unicast to the asker (a legacy one-shot reply). */
async function responder(): Promise<{ port: number; asked: string[] }> {
  const socket: Socket = createSocket('udp4');
  const asked: string[] = [];
  const recordsFor = (type: string, name: string): Answer[] => {
    const key = `${type} ${name.toLowerCase()}`;
    switch (key) {
      case 'PTR _services._dns-sd._udp.local':
        return [
          { type: 'PTR', name: '_services._dns-sd._udp.local', data: '_CGI._tcp.local' },
          { type: 'PTR', name: '_services._dns-sd._udp.local', data: '_pdl-datastream._tcp.local' },
        ];
      case 'PTR _cgi._tcp.local':
        return [{ type: 'PTR', name: '_CGI._tcp.local', data: HIK }];
      case 'PTR _pdl-datastream._tcp.local':
        return [
          { type: 'PTR', name: '_pdl-datastream._tcp.local', data: PRINTER },
          { type: 'SRV', name: PRINTER, data: { port: 9100, target: 'npi.local' } },
          { type: 'TXT', name: PRINTER, data: ['txtvers=1'] },
          { type: 'A', name: 'npi.local', data: '127.0.0.1' },
        ];
      case `SRV ${HIK.toLowerCase()}`:
        return [{ type: 'SRV', name: HIK, data: { port: 80, target: HIK_HOST } }];
      case `TXT ${HIK.toLowerCase()}`:
        return [{ type: 'TXT', name: HIK, data: ['path=/'] }];
      case `A ${HIK_HOST.toLowerCase()}`:
        // The second address is outside the scan: kept in `addresses`, never made a target.
        return [
          { type: 'A', name: HIK_HOST, data: '127.0.0.1' },
          { type: 'A', name: HIK_HOST, data: '10.9.9.9' },
        ];
      default:
        return [];
    }
  };
  socket.on('message', (data, remote) => {
    const query = decode(data);
    for (const question of query.questions ?? []) {
      asked.push(`${question.type} ${question.name}`);
      const answers = recordsFor(question.type, question.name);
      if (answers.length > 0) socket.send(encode({ type: 'response', id: query.id, flags: 1 << 10, questions: [question], answers }), remote.port, remote.address);
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return { port: socket.address().port, asked };
}

async function scan(port: number): Promise<{ observations: Observation[]; elapsedMs: number }> {
  const config = resolveScanConfig({ listenWindowMs: 500 });
  const context = createProbeContext({ config, log: pino({ level: 'silent' }), signal: AbortSignal.timeout(10_000) });
  const started = performance.now();
  const observations: Observation[] = [];
  for await (const observation of createMdnsDiscovery({ port }).probe({ cidrs: ['127.0.0.1/32'], interfaces: [] }, context)) observations.push(observation);
  return { observations, elapsedMs: performance.now() - started };
}

describe('mdns channel on loopback', () => {
  it('follows up until each instance is whole, and emits one observation per (address, instance)', async () => {
    const device = await responder();
    const { observations, elapsedMs } = await scan(device.port);
    // Second round for the type only the meta-query listed, then SRV/TXT for the PTR-only instance, then its host's A.
    expect(device.asked).toEqual(expect.arrayContaining(['PTR _pdl-datastream._tcp.local', `SRV ${HIK}`, `TXT ${HIK}`, `A ${HIK_HOST}`]));
    // The browse list is asked once per round (two rounds), each follow-up once.
    expect(device.asked.filter((question) => question === `SRV ${HIK}`)).toHaveLength(1);
    const byName = Object.fromEntries(observations.map((observation) => [observation.mdns?.name, observation]));
    expect(Object.keys(byName).sort()).toEqual(['HIKVISION DS-2CD2722FWD-IZS - 733050075', 'Office Printer']);
    expect(byName['HIKVISION DS-2CD2722FWD-IZS - 733050075']).toMatchObject({
      source: 'mdns',
      ip: '127.0.0.1',
      port: 80,
      transport: 'unicast',
      mdns: { service: '_CGI._tcp.local', host: HIK_HOST, port: 80, txt: { path: '/' }, addresses: ['127.0.0.1', '10.9.9.9'] },
    });
    expect(byName['Office Printer']).toMatchObject({ ip: '127.0.0.1', port: 9100, mdns: { service: '_pdl-datastream._tcp.local', txt: { txtvers: '1' } } });
    expect(observations).toHaveLength(2);
    // Two browse rounds 250 ms apart, then the 500 ms window (follow-ups do not extend it); slack for a loaded machine.
    expect(elapsedMs).toBeLessThan(2500);
  });

  it('finds nothing when nobody answers, within the window', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    const { observations, elapsedMs } = await scan(silent.address().port);
    expect(observations).toEqual([]);
    expect(elapsedMs).toBeLessThan(2500);
  });
});
