// Listening helpers shared by the TCP responders: listen on every port or fail with the port in the message, and
// close servers without waiting for idle keep-alive clients.

import type { Server, Socket } from 'node:net';

/** Binds the wildcard address inside the device's namespace: the only addresses there are the device's own. */
export async function listenAll(servers: Server[], ports: number[], protocol: string): Promise<void> {
  await Promise.all(
    servers.map(
      (server, index) =>
        new Promise<void>((resolve, reject) => {
          const port = ports[index];
          const onError = (error: Error) => reject(new Error(`${protocol} could not listen on port ${port}: ${error.message}`));
          server.once('error', onError);
          server.listen({ port, host: '0.0.0.0' }, () => {
            server.off('error', onError);
            resolve();
          });
        }),
    ),
  );
}

/** Tracks open sockets so stop() can cut them instead of waiting for clients to hang up. */
export function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return sockets;
}

export async function closeAll(servers: Server[], sockets: Set<Socket>[]): Promise<void> {
  for (const set of sockets) for (const socket of set) socket.destroy();
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
}
