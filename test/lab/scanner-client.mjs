// A tiny raw client the lab tests run inside the scanner namespace (plain JS: no loader needed there).
//   node scanner-client.mjs tcp HOST PORT [HEADS] < request bytes → prints the raw response; with HEADS it stops as
//                                             soon as that many header blocks arrived (persistent RTSP connections)
//   node scanner-client.mjs tls HOST PORT   < request bytes   → prints {"subject":…,"issuer":…,"response":"…"}
//   node scanner-client.mjs mcast-send GROUP PORT COUNT SOURCE_ADDRESS → sends COUNT datagrams to the group
// Exit codes: 0 answered, 2 usage, 3 socket error, 4 no connection in time.
// It reads until the server closes or stays quiet for IDLE_MS, so it works for one-shot HTTP and persistent RTSP.
import { Buffer } from 'node:buffer';
import { createSocket } from 'node:dgram';
import { connect as connectTcp } from 'node:net';
import { clearTimeout, setTimeout } from 'node:timers';
import { connect as connectTls } from 'node:tls';

const IDLE_MS = 400;
const CONNECT_TIMEOUT_MS = 3_000;
const LIMIT_MS = 10_000;
const [mode, host, portText, countText, sourceAddress] = process.argv.slice(2);
const port = Number(portText);

function readStdin() {
  return new Promise((resolve) => {
    const chunks = [];
    process.stdin.on('data', (chunk) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

async function exchange(secure) {
  const request = await readStdin();
  const chunks = [];
  const socket = secure ? connectTls({ host, port, rejectUnauthorized: false }) : connectTcp({ host, port });
  let idle;
  let connected = false;
  const connectTimer = setTimeout(() => {
    process.stderr.write(`no connection to ${host}:${port} within ${CONNECT_TIMEOUT_MS} ms\n`);
    process.exit(4);
  }, CONNECT_TIMEOUT_MS);
  const finish = () => {
    clearTimeout(idle);
    clearTimeout(limit);
    if (!connected) return;
    const response = Buffer.concat(chunks).toString('latin1');
    if (secure) {
      const certificate = socket.getPeerCertificate();
      process.stdout.write(JSON.stringify({ subject: certificate.subject, issuer: certificate.issuer, response }));
    } else {
      process.stdout.write(response);
    }
    socket.destroy();
  };
  const limit = setTimeout(finish, LIMIT_MS);
  socket.once(secure ? 'secureConnect' : 'connect', () => {
    connected = true;
    clearTimeout(connectTimer);
    socket.write(request);
  });
  socket.on('data', (chunk) => {
    chunks.push(chunk);
    const heads = Number(countText);
    if (heads > 0 && Buffer.concat(chunks).toString('latin1').split('\r\n\r\n').length - 1 >= heads) {
      finish();
      return;
    }
    clearTimeout(idle);
    idle = setTimeout(finish, IDLE_MS);
  });
  socket.on('end', finish);
  socket.on('error', (error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(3);
  });
}

function multicastSend() {
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  socket.bind(0, sourceAddress, () => {
    socket.setMulticastInterface(sourceAddress);
    // A TTL above 1, so a packet that stays on its segment does so because the router does not route multicast.
    socket.setMulticastTTL(8);
    let left = Number(countText);
    const sendOne = () => {
      socket.send(`camaudit-lab multicast ${left}`, port, host, () => {
        left -= 1;
        if (left > 0) setTimeout(sendOne, 50);
        else socket.close();
      });
    };
    sendOne();
  });
}

if (mode === 'tcp') await exchange(false);
else if (mode === 'tls') await exchange(true);
else if (mode === 'mcast-send') multicastSend();
else {
  process.stderr.write('usage: scanner-client.mjs tcp|tls HOST PORT | mcast-send GROUP PORT COUNT SOURCE\n');
  process.exit(2);
}
