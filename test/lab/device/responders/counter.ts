// A device that answers nothing and counts everything a scanner sends it, for the rate-limit lab test:
// every UDP datagram on the discovery ports (unicast to the device, or multicast to a group it joined, told apart by
// binding one socket to each) and every TCP connection on the camera ports, with its arrival time. The log is
// written to `<lab temp dir>/counter-<device name>.json` a few times a second and when the device stops.
//
// Profile section:
//   "counter": { "udp": [{ "port": 37020, "group": "239.255.255.250" }, { "port": 5353, "group": "224.0.0.251" }],
//                "tcp": [80, 443, 554] }

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { JsonReader } from '../../validate.js';
import { closeAll, listenAll, trackSockets } from '../listen.js';
import { labTempDir, type StartResponder } from '../responder.js';

const FLUSH_INTERVAL_MS = 200;
/** Events kept: far more than a rate-limited scan of one device sends, and a bound on the device's memory. */
const MAX_EVENTS = 100_000;

export type CounterEventKind = 'udp-unicast' | 'udp-multicast' | 'tcp';

export interface CounterEvent {
  /** Arrival, ms since the epoch (the lab's processes share one clock). */
  atMs: number;
  kind: CounterEventKind;
  port: number;
  /** The group, for multicast datagrams. */
  group?: string;
}

export interface CounterConfig {
  udp: { port: number; group?: string }[];
  tcp: number[];
}

export function counterLogPath(deviceName: string, directory = labTempDir()): string {
  return join(directory, `counter-${deviceName}.json`);
}

export function parseCounterConfig(value: unknown): { ok: true; value: CounterConfig } | { ok: false; reason: string } {
  const r = new JsonReader();
  const root = r.object(value, 'counter');
  if (!root) return { ok: false, reason: r.problems.join('; ') };
  r.noExtraKeys(root, 'counter', ['udp', 'tcp', '$comment']);
  const udp = (r.array(root.udp ?? [], 'counter.udp') ?? []).flatMap((entry, index) => {
    const object = r.object(entry, `counter.udp[${index}]`);
    if (!object) return [];
    r.noExtraKeys(object, `counter.udp[${index}]`, ['port', 'group']);
    const port = r.integer(object.port, `counter.udp[${index}].port`, 1, 65_535);
    const group = r.optionalString(object.group, `counter.udp[${index}].group`, /^2(?:2[4-9]|3\d)\.\d{1,3}\.\d{1,3}\.\d{1,3}$/);
    return port === undefined ? [] : [{ port, ...(group === undefined ? {} : { group }) }];
  });
  const tcp = (r.array(root.tcp ?? [], 'counter.tcp') ?? []).flatMap((port, index) => r.integer(port, `counter.tcp[${index}]`, 1, 65_535) ?? []);
  if (r.problems.length > 0) return { ok: false, reason: r.problems.join('; ') };
  return { ok: true, value: { udp, tcp } };
}

function bindUdp(socket: UdpSocket, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(new Error(`counter could not bind UDP ${address}:${port}: ${error.message}`));
    socket.once('error', onError);
    socket.bind({ address, port }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

export const start: StartResponder = async (value, context) => {
  const parsed = parseCounterConfig(value);
  if (!parsed.ok) throw new Error(`counter section of ${context.profile.name}: ${parsed.reason}`);
  const config = parsed.value;
  const events: CounterEvent[] = [];
  let dirty = true;
  const note = (event: CounterEvent): void => {
    if (events.length >= MAX_EVENTS) return;
    events.push(event);
    dirty = true;
  };
  const path = counterLogPath(context.profile.name);
  const flush = (): void => {
    if (!dirty) return;
    dirty = false;
    // Written whole and renamed, so a reader never sees half a file.
    writeFileSync(`${path}.tmp`, JSON.stringify({ device: context.profile.name, ip: context.ip, events }));
    renameSync(`${path}.tmp`, path);
  };

  const udpSockets: UdpSocket[] = [];
  for (const { port, group } of config.udp) {
    // Bound to the device's address: only datagrams sent to the device itself.
    const unicast = createSocket({ type: 'udp4', reuseAddr: true });
    udpSockets.push(unicast);
    await bindUdp(unicast, context.ip, port);
    unicast.on('message', () => note({ atMs: Date.now(), kind: 'udp-unicast', port }));
    if (group !== undefined) {
      // Bound to the group address: only datagrams sent to the group (Linux filters on the bound address).
      const multicast = createSocket({ type: 'udp4', reuseAddr: true });
      udpSockets.push(multicast);
      await bindUdp(multicast, group, port);
      multicast.addMembership(group, context.ip);
      multicast.on('message', () => note({ atMs: Date.now(), kind: 'udp-multicast', port, group }));
    }
  }
  for (const socket of udpSockets) socket.on('error', (error) => context.log('counter socket error', { error: error.message }));

  const servers: Server[] = config.tcp.map((port) =>
    createServer((socket) => {
      note({ atMs: Date.now(), kind: 'tcp', port });
      socket.on('error', () => undefined);
      socket.destroy();
    }),
  );
  const sockets = servers.map(trackSockets);
  await listenAll(servers, config.tcp, 'counter');
  flush();
  const timer = setInterval(flush, FLUSH_INTERVAL_MS);
  return {
    stop: async () => {
      clearInterval(timer);
      flush();
      await closeAll(servers, sockets);
      await Promise.all(udpSockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
    },
  };
};
