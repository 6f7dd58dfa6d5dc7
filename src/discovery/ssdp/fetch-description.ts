// GET of a UPnP device description at the LOCATION a device gave, bounded in time
// (config.exchangeTimeoutMs, connect to last byte), header size (config.maxHeaderBytes) and body size
// (config.maxXmlBytes). The caller has already checked that the URL's host is the responding address.
import { request } from 'node:http';
import type { ProbeContext } from '../types.js';

export type FetchContext = Pick<ProbeContext, 'config' | 'limiter' | 'signal'>;

export interface FetchedDescription {
  status: number;
  body: Buffer;
}

/** Resolves with status and body; rejects on timeout, abort, an oversized body or a socket error. */
export async function fetchDescription(url: URL, context: FetchContext): Promise<FetchedDescription> {
  const { config } = context;
  await context.limiter.take(url.hostname, context.signal);
  const signal = AbortSignal.any([context.signal, AbortSignal.timeout(config.exchangeTimeoutMs)]);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port === '' ? 80 : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        agent: false,
        maxHeaderSize: config.maxHeaderBytes,
        signal,
        headers: { accept: 'text/xml, application/xml', connection: 'close' },
      },
      (incoming) => {
        const declared = Number(incoming.headers['content-length']);
        if (Number.isFinite(declared) && declared > config.maxXmlBytes) {
          outgoing.destroy(new Error(`description declares ${declared} bytes, over the ${config.maxXmlBytes}-byte bound`));
          return;
        }
        const chunks: Buffer[] = [];
        let received = 0;
        incoming.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > config.maxXmlBytes) {
            outgoing.destroy(new Error(`description larger than ${config.maxXmlBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, body: Buffer.concat(chunks) }));
        incoming.on('error', reject);
        // After 'end' this is a no-op (the promise is settled); before it, the device hung up mid-body.
        incoming.on('close', () => reject(new Error('connection closed before the description ended')));
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}
