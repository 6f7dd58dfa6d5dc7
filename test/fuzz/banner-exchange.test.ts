// A hostile peer on 127.0.0.1 sends random bytes in random pieces (sometimes a plausible head first) and then
// closes or goes silent: the exchange must always resolve, within its deadline, without throwing.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpExchange, rtspExchange } from '../../src/discovery/banner/exchange.js';
import { startServer, type TestServer } from '../fixtures/http/servers.js';

interface Script {
  pieces: Uint8Array[];
  close: boolean;
}

let current: Script = { pieces: [], close: true };
let server: TestServer;

beforeAll(async () => {
  server = await startServer((socket) => {
    const script = current;
    socket.once('data', () => {
      for (const piece of script.pieces) socket.write(piece);
      if (script.close) socket.end();
    });
  });
});
afterAll(async () => {
  await server.close();
});

const limits = { connectTimeoutMs: 200, exchangeTimeoutMs: 150, maxHeaderBytes: 512, maxBodyBytes: 1024 };
const head = fc.constantFrom('', 'HTTP/1.1 200 OK\r\n', 'RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
const script = fc
  .record({ head, pieces: fc.array(fc.uint8Array({ maxLength: 400 }), { maxLength: 8 }), close: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }) })
  .map(({ head: prefix, pieces, close }): Script => ({ pieces: [Buffer.from(prefix), ...pieces], close }));

describe('exchanges against a random peer', () => {
  it('always resolve within the deadline', async () => {
    await fc.assert(
      fc.asyncProperty(script, fc.boolean(), async (scripted, rtsp) => {
        current = scripted;
        const started = performance.now();
        const signal = new AbortController().signal;
        const result = rtsp ? await rtspExchange({ ip: '127.0.0.1', port: server.port }, limits, signal) : await httpExchange({ ip: '127.0.0.1', port: server.port }, false, limits, signal);
        expect(typeof result.ok).toBe('boolean');
        expect(performance.now() - started).toBeLessThan(limits.exchangeTimeoutMs + 150);
      }),
      { numRuns: 25 },
    );
  });
});
