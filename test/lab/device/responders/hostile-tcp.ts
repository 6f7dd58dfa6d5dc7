// Hostile TCP services for the issue-6 lab (never used by the default profiles): a port that accepts and never
// answers, one that trickles a byte at a time forever, one that sends a body without end, and one that answers
// every request with fixed bytes (malformed replies, XXE and entity bombs for ONVIF and UPnP descriptions, hostile
// names). What a scanner must survive, not what any real firmware is documented to do: each profile says so.
//
// Profile section:
//   "hostile-tcp": { "listeners": [
//     { "port": 80,    "mode": "silent" },
//     { "port": 8899,  "mode": "trickle", "intervalMs": 1000, "prefix": "HTTP/1.1 200 OK\r\nX-Slow: " },
//     { "port": 49152, "mode": "endless", "head": "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n\r\n", "chunk": "<a>" },
//     { "port": 554,   "mode": "raw", "text": "RTSP/1.0 200 OK\r\n…" }          // or "base64": "…"
//   ] }
// `prefix`, `head`, `chunk` and `text` are templates (responder.ts). A connection lasts at most MAX_CONNECTION_MS.

import { createServer, type Server, type Socket } from 'node:net';
import { JsonReader } from '../../validate.js';
import { closeAll, listenAll, trackSockets } from '../listen.js';
import { renderTemplate, type ResponderContext, type StartResponder } from '../responder.js';

const MODES = ['silent', 'trickle', 'endless', 'raw'] as const;
/** However hostile, a lab connection ends after this, so a forgotten client cannot pin a device forever. */
const MAX_CONNECTION_MS = 300_000;
/** Bytes read of a request head before a mode that waits for it answers anyway. */
const MAX_REQUEST_HEAD_BYTES = 16 * 1024;
const DEFAULT_TRICKLE_PREFIX = 'HTTP/1.1 200 OK\r\nX-Trickle: ';
const DEFAULT_ENDLESS_HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n';
const DEFAULT_ENDLESS_CHUNK = '<p>more</p>\n';
/** Bytes queued per write of an endless body: the loop waits for 'drain' so the device's memory stays flat. */
const ENDLESS_WRITE_BYTES = 64 * 1024;

export interface HostileTcpListener {
  port: number;
  mode: (typeof MODES)[number];
  intervalMs: number;
  prefix: string;
  head: string;
  chunk: string;
  text?: string;
  base64?: string;
}

export function parseHostileTcpConfig(value: unknown): { ok: true; value: HostileTcpListener[] } | { ok: false; reason: string } {
  const r = new JsonReader();
  const root = r.object(value, 'hostile-tcp');
  if (!root) return { ok: false, reason: r.problems.join('; ') };
  r.noExtraKeys(root, 'hostile-tcp', ['listeners', '$comment']);
  const listeners: HostileTcpListener[] = [];
  for (const [index, entry] of (r.array(root.listeners, 'hostile-tcp.listeners') ?? []).entries()) {
    const path = `hostile-tcp.listeners[${index}]`;
    const object = r.object(entry, path);
    if (!object) continue;
    r.noExtraKeys(object, path, ['port', 'mode', 'intervalMs', 'prefix', 'head', 'chunk', 'text', 'base64', '$comment']);
    const port = r.integer(object.port, `${path}.port`, 1, 65_535);
    const mode = r.oneOf(object.mode, `${path}.mode`, MODES);
    const intervalMs = object.intervalMs === undefined ? 1000 : r.integer(object.intervalMs, `${path}.intervalMs`, 10, 60_000);
    const text = r.optionalString(object.text, `${path}.text`);
    const base64 = r.optionalString(object.base64, `${path}.base64`, /^[A-Za-z0-9+/=\s]*$/);
    if (mode === 'raw' && (text === undefined) === (base64 === undefined)) r.problem(path, 'raw mode needs exactly one of text and base64');
    const listener: HostileTcpListener = {
      port: port ?? 0,
      mode: mode ?? 'silent',
      intervalMs: intervalMs ?? 1000,
      prefix: r.optionalString(object.prefix, `${path}.prefix`) ?? DEFAULT_TRICKLE_PREFIX,
      head: r.optionalString(object.head, `${path}.head`) ?? DEFAULT_ENDLESS_HEAD,
      chunk: r.optionalString(object.chunk, `${path}.chunk`) ?? DEFAULT_ENDLESS_CHUNK,
    };
    if (listener.chunk === '') r.problem(`${path}.chunk`, 'must not be empty');
    if (text !== undefined) listener.text = text;
    if (base64 !== undefined) listener.base64 = base64;
    listeners.push(listener);
  }
  if (listeners.length === 0) r.problem('hostile-tcp.listeners', 'needs at least one listener');
  if (r.problems.length > 0) return { ok: false, reason: r.problems.join('; ') };
  return { ok: true, value: listeners };
}

/** Calls `then` once the peer sent a request head (or enough bytes that it never will). */
function afterRequestHead(socket: Socket, then: () => void): void {
  let received = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    received = Buffer.concat([received, chunk]);
    if (received.includes('\r\n\r\n') || received.length > MAX_REQUEST_HEAD_BYTES) {
      socket.off('data', onData);
      // Keep reading (and dropping) whatever follows, such as a SOAP body, so the peer's writes never block.
      socket.on('data', () => undefined);
      then();
    }
  };
  socket.on('data', onData);
}

function serve(listener: HostileTcpListener, context: ResponderContext, socket: Socket): void {
  socket.setTimeout(MAX_CONNECTION_MS, () => socket.destroy());
  socket.on('error', (error) => context.log('hostile-tcp connection error', { port: listener.port, error: error.message }));
  const timers: NodeJS.Timeout[] = [];
  socket.once('close', () => timers.forEach((timer) => clearInterval(timer)));
  context.log('hostile-tcp connection', { port: listener.port, mode: listener.mode, from: socket.remoteAddress });
  switch (listener.mode) {
    case 'silent':
      // Read and drop everything, answer nothing: the connection stays open until the peer gives up.
      socket.on('data', () => undefined);
      return;
    case 'trickle':
      afterRequestHead(socket, () => {
        const bytes = Buffer.from(renderTemplate(listener.prefix, context), 'latin1');
        let position = 0;
        // The prefix a byte at a time, then 'a' forever: the head never ends, and bytes keep arriving.
        timers.push(
          setInterval(() => {
            if (socket.destroyed) return;
            socket.write(position < bytes.length ? bytes.subarray(position, position + 1) : 'a');
            position += 1;
          }, listener.intervalMs),
        );
      });
      return;
    case 'endless':
      afterRequestHead(socket, () => {
        const chunk = Buffer.from(renderTemplate(listener.chunk, context), 'utf8');
        const block = Buffer.concat(Array.from({ length: Math.max(1, Math.ceil(ENDLESS_WRITE_BYTES / chunk.length)) }, () => chunk));
        socket.write(Buffer.from(renderTemplate(listener.head, context), 'latin1'));
        const pump = (): void => {
          while (!socket.destroyed && socket.write(block));
          if (!socket.destroyed) socket.once('drain', pump);
        };
        pump();
      });
      return;
    case 'raw':
      afterRequestHead(socket, () => {
        const reply = listener.base64 !== undefined ? Buffer.from(listener.base64, 'base64') : Buffer.from(renderTemplate(listener.text ?? '', context), 'utf8');
        socket.end(reply);
      });
      return;
  }
}

export const start: StartResponder = async (value, context) => {
  const parsed = parseHostileTcpConfig(value);
  if (!parsed.ok) throw new Error(`hostile-tcp section of ${context.profile.name}: ${parsed.reason}`);
  const listeners = parsed.value;
  for (const listener of listeners) {
    // A template typo fails at start, not mid-scan.
    for (const text of [listener.prefix, listener.head, listener.chunk, listener.text ?? '']) renderTemplate(text, context);
  }
  const servers: Server[] = listeners.map((listener) => createServer((socket) => serve(listener, context, socket)));
  const sockets = servers.map(trackSockets);
  await listenAll(
    servers,
    listeners.map((listener) => listener.port),
    'hostile-tcp',
  );
  return { stop: () => closeAll(servers, sockets) };
};
