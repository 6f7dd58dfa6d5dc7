// Joins a multicast group inside a device namespace and counts what arrives:
//   node multicast-listener.mjs GROUP PORT INTERFACE_ADDRESS DURATION_MS
// prints "listening" once joined, then after DURATION_MS one JSON line {"received":N} and exits.
import { createSocket } from 'node:dgram';
import { setTimeout } from 'node:timers';

const [group, portText, interfaceAddress, durationText] = process.argv.slice(2);
const socket = createSocket({ type: 'udp4', reuseAddr: true });
let received = 0;
socket.on('message', () => {
  received += 1;
});
socket.bind(Number(portText), () => {
  socket.addMembership(group, interfaceAddress);
  process.stdout.write('listening\n');
  setTimeout(() => {
    process.stdout.write(`${JSON.stringify({ received })}\n`);
    socket.close();
  }, Number(durationText));
});
