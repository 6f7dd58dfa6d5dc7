// RTSP control channel as a camera answers it before authentication (test/fixtures/rtsp): OPTIONS → 200 with Public,
// DESCRIBE and the other session methods → 401 with the device's WWW-Authenticate realm, CSeq always echoed.
// Several requests may share one connection, as RTSP clients expect.

import { createServer, type Socket } from 'node:net';
import { parseRtspConfig, type HeaderMap, type RtspResponderConfig } from '../../profile.js';
import { closeAll, listenAll, trackSockets } from '../listen.js';
import { renderTemplate, type ResponderContext, type StartResponder } from '../responder.js';

const MAX_REQUEST_HEAD_BYTES = 8 * 1024;
const MAX_BODY_BYTES = 64 * 1024;
const MAX_REQUESTS_PER_CONNECTION = 64;
const IDLE_TIMEOUT_MS = 30_000;
const DEFAULT_PUBLIC = 'OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN';
const SESSION_METHODS = new Set(['DESCRIBE', 'SETUP', 'PLAY', 'PAUSE', 'TEARDOWN', 'GET_PARAMETER', 'SET_PARAMETER', 'ANNOUNCE', 'RECORD']);

function headerLines(map: HeaderMap | undefined): [string, string][] {
  if (!map) return [];
  return Object.entries(map).flatMap(([name, value]) => (Array.isArray(value) ? value.map((item): [string, string] => [name, item]) : [[name, value]]));
}

export function rtspResponse(config: RtspResponderConfig, method: string | undefined, cseq: string, context: ResponderContext): string {
  let status: string;
  let specific: [string, string][];
  if (method === 'OPTIONS') {
    status = '200 OK';
    specific = headerLines(config.options?.headers);
    if (!specific.some(([name]) => name.toLowerCase() === 'public')) specific.push(['Public', DEFAULT_PUBLIC]);
  } else if (method !== undefined && SESSION_METHODS.has(method)) {
    status = '401 Unauthorized';
    specific = headerLines(config.unauthorized.headers);
  } else if (method !== undefined) {
    status = '405 Method Not Allowed';
    specific = [];
  } else {
    status = '400 Bad Request';
    specific = [];
  }
  const lines = [...headerLines(config.headers), ...specific];
  // CSeq goes first, where real servers put it, unless the profile places it itself with {{cseq}}.
  if (!lines.some(([name]) => name.toLowerCase() === 'cseq')) lines.unshift(['CSeq', '{{cseq}}']);
  const rendered = lines.map(([name, value]) => `${name}: ${renderTemplate(value, context, { cseq })}`);
  return `RTSP/1.0 ${status}\r\n${rendered.map((line) => `${line}\r\n`).join('')}\r\n`;
}

function serveConnection(socket: Socket, config: RtspResponderConfig, context: ResponderContext): void {
  let buffered = Buffer.alloc(0);
  let answered = 0;
  socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
  socket.on('error', (error) => context.log('rtsp connection error', { error: error.message }));
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buffered.length > MAX_REQUEST_HEAD_BYTES) socket.end(rtspResponse(config, undefined, '0', context));
        return;
      }
      const head = buffered.subarray(0, end).toString('latin1');
      const [requestLine = '', ...headerTexts] = head.split('\r\n');
      const contentLength = Number(/^content-length:\s*(\d+)\s*$/im.exec(headerTexts.join('\n'))?.[1] ?? '0');
      if (contentLength > MAX_BODY_BYTES) {
        socket.end(rtspResponse(config, undefined, '0', context));
        return;
      }
      if (buffered.length < end + 4 + contentLength) return;
      buffered = buffered.subarray(end + 4 + contentLength);
      const match = /^([A-Z_]+) \S+ RTSP\/1\.0$/.exec(requestLine);
      const cseq = /^cseq:\s*(\d{1,10})\s*$/im.exec(headerTexts.join('\n'))?.[1] ?? '0';
      const method = match?.[1];
      context.log('rtsp request', { method: method ?? null, cseq, from: socket.remoteAddress });
      const response = rtspResponse(config, method, cseq, context);
      answered += 1;
      if (!match || answered >= MAX_REQUESTS_PER_CONNECTION) {
        socket.end(response);
        return;
      }
      socket.write(response);
    }
  });
}

export const start: StartResponder = async (value, context) => {
  const parsed = parseRtspConfig(value);
  if (!parsed.ok) throw new Error(`rtsp section of ${context.profile.name}: ${parsed.reason}`);
  const config = parsed.value;
  // Render every answer once so a template typo stops the device before "ready".
  for (const method of ['OPTIONS', 'DESCRIBE', 'FOO', undefined]) rtspResponse(config, method, '1', context);
  const servers = config.ports.map(() => createServer((socket) => serveConnection(socket, config, context)));
  const sockets = servers.map(trackSockets);
  await listenAll(servers, config.ports, 'rtsp');
  return { stop: () => closeAll(servers, sockets) };
};
