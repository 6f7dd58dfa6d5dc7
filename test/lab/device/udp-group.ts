// A UDP responder socket as discovery firmware opens one: bound to the protocol's port on every address of the
// device, joined to the protocol's multicast group on the device's interface, so both multicast probes and
// unicast probes (from a scanner behind the router) arrive. Shared by the SADP, DHIP and WS-Discovery responders.

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { ResponderContext } from './responder.js';

/** Probes larger than this are not discovery probes; the responder ignores them. */
export const MAX_PROBE_BYTES = 16 * 1024;

export interface UdpGroupResponder {
  socket: Socket;
  stop(): Promise<void>;
}

/**
 * Listens on `port` joined to `group`; `answer` returns the reply for a datagram or undefined to stay silent.
 * `replyTo` picks the destination: the sender (most firmware) or the group itself (some SADP firmware).
 */
export async function listenUdpGroup(
  options: { protocol: string; port: number; group: string; replyTo?: 'sender' | 'group' },
  context: ResponderContext,
  answer: (data: Buffer, remote: RemoteInfo) => Buffer | undefined,
): Promise<UdpGroupResponder> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(new Error(`${options.protocol} could not bind UDP ${options.port}: ${error.message}`));
    socket.once('error', onError);
    socket.bind({ port: options.port, address: '0.0.0.0' }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
  socket.addMembership(options.group, context.ip);
  socket.setMulticastInterface(context.ip);
  socket.on('error', (error) => context.log(`${options.protocol} socket error`, { error: error.message }));
  socket.on('message', (data, remote) => {
    if (data.length > MAX_PROBE_BYTES) return;
    let reply: Buffer | undefined;
    try {
      reply = answer(data, remote);
    } catch (error) {
      context.log(`${options.protocol} answer failed`, { error: (error as Error).message });
      return;
    }
    if (reply === undefined) return;
    const toGroup = options.replyTo === 'group';
    const address = toGroup ? options.group : remote.address;
    const port = toGroup ? options.port : remote.port;
    context.log(`${options.protocol} reply`, { to: address, port, bytes: reply.length });
    socket.send(reply, port, address, (error) => {
      if (error) context.log(`${options.protocol} send failed`, { error: error.message });
    });
  });
  return {
    socket,
    stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
