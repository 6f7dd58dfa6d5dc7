// Listen mode's sockets: bound to the discovery ports, joined to the groups on each listened interface, and never
// written to. No send, no connect, no follow-up request: the only packets this causes are the IGMP membership
// reports the kernel sends when a socket joins a group. What arrives goes through the pure readers (readers.ts).
import { createSocket, type Socket } from 'node:dgram';
import { VENDOR_API_LIMITS } from '../../config.js';
import type { Observation } from '../../model.js';
import { cidrContains } from '../../net/cidr.js';
import { ownLanAddresses } from '../engine/interfaces.js';
import type { LocalInterface, ProbeContext } from '../types.js';
import { PASSIVE_CHANNELS, type PassiveChannel } from './readers.js';

const MAX_OBSERVATIONS = VENDOR_API_LIMITS.maxListenObservations;

export interface ListenOptions {
  durationMs: number;
  interfaces: readonly LocalInterface[];
  /** The channels to open; tests on loopback pass their own ports. */
  channels?: readonly PassiveChannel[];
}

function interfaceOf(sender: string, interfaces: readonly LocalInterface[]): LocalInterface | undefined {
  return interfaces.find((local) => cidrContains(`${local.address}/${local.prefixLength}`, sender));
}

/** Opens one passive socket; resolves undefined (and says why) when the port cannot be had. */
async function openPassive(channel: PassiveChannel, interfaces: readonly LocalInterface[], context: ProbeContext): Promise<Socket | undefined> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port: channel.port, address: '0.0.0.0', exclusive: false }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    if (channel.group !== undefined) for (const local of interfaces) socket.addMembership(channel.group, local.address);
    return socket;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' ? `port ${channel.port} needs root (or CAP_NET_BIND_SERVICE)` : code === 'EADDRINUSE' ? `port ${channel.port} is taken by another program` : String(error);
    context.log.warn({ channel: channel.name, port: channel.port, code }, `not listening for ${channel.name}: ${why}`);
    socket.close();
    return undefined;
  }
}

/** Everything heard for `durationMs` (or until the signal aborts), one observation per distinct sighting. */
export async function* listenPassively(options: ListenOptions, context: ProbeContext): AsyncGenerator<Observation, void, undefined> {
  const channels = options.channels ?? PASSIVE_CHANNELS;
  const own = ownLanAddresses();
  const queue: Observation[] = [];
  const seen = new Set<string>();
  let wake: (() => void) | undefined;
  let done = false;
  const sockets: Socket[] = [];
  for (const channel of channels) {
    const socket = await openPassive(channel, options.interfaces, context);
    if (socket === undefined) continue;
    sockets.push(socket);
    socket.on('error', (error) => context.log.warn({ err: error, channel: channel.name }, 'passive socket error'));
    socket.on('message', (data, sender) => {
      if (done || own.has(sender.address)) return;
      const local = interfaceOf(sender.address, options.interfaces);
      // Only the segments listened on; DHCP clients without an address yet send from 0.0.0.0.
      if (local === undefined && !(channel.name === 'dhcp' && sender.address === '0.0.0.0')) return;
      const heard = channel.read(data, sender.address);
      if ('refused' in heard) {
        context.reject({ channel: channel.name, ip: sender.address, port: sender.port, reason: `unasked ${channel.name} datagram refused: ${heard.refused}` });
        return;
      }
      for (const input of heard.observations) {
        const observation = context.observe({
          ...input,
          transport: channel.group === undefined ? 'broadcast' : 'multicast',
          ...(local === undefined ? {} : { interface: local.name }),
        });
        if (seen.has(observation.id) || seen.size >= MAX_OBSERVATIONS) continue;
        seen.add(observation.id);
        queue.push(observation);
      }
      wake?.();
    });
  }
  context.log.info({ channels: sockets.length, interfaces: options.interfaces.map((local) => local.name), durationMs: options.durationMs }, 'listening (nothing is sent)');
  const timer = setTimeout(() => {
    done = true;
    wake?.();
  }, options.durationMs);
  const onAbort = (): void => {
    done = true;
    wake?.();
  };
  context.signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const next = queue.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (done) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    clearTimeout(timer);
    context.signal.removeEventListener('abort', onAbort);
    for (const socket of sockets) socket.close();
  }
}
