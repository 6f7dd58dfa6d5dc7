// GET of a UPnP device description at the LOCATION a device gave, bounded in time
// (config.exchangeTimeoutMs, connect to last byte), header size (config.maxHeaderBytes) and body size
// (config.maxXmlBytes). The caller has already checked that the URL's host is the responding address.
import { request } from 'node:http';
import type { ProbeContext } from '../types.js';

export type FetchContext = Pick<ProbeContext, 'config' | 'limiter' | 'signal'>;

/** The device did not complete the description within our time or size bound (not a plain network failure). */
export class DescriptionBoundExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DescriptionBoundExceeded';
  }
}

export interface FetchedDescription {
  status: number;
  body: Buffer;
}

/** Resolves with status and body; rejects on timeout, abort, an oversized body or a socket error. */
export async function fetchDescription(url: URL, context: FetchContext): Promise<FetchedDescription> {
  const { config } = context;
  await context.limiter.take(url.hostname, context.signal);
  // One absolute deadline from connect to last byte: a device trickling a byte at a time cannot extend it.
  const deadline = AbortSignal.timeout(config.exchangeTimeoutMs);
  const signal = AbortSignal.any([context.signal, deadline]);
  return new Promise((resolve, rejectPromise) => {
    let settled = false;
    const reject = (error: Error): void => {
      if (settled) return;
      settled = true;
      // Whichever event reported it first, a deadline that fired is the reason.
      const timedOut = deadline.aborted && !context.signal.aborted;
      const overflow = (error as NodeJS.ErrnoException).code === 'HPE_HEADER_OVERFLOW';
      rejectPromise(
        timedOut
          ? new DescriptionBoundExceeded(`no complete description within ${config.exchangeTimeoutMs} ms`)
          : overflow
            ? new DescriptionBoundExceeded(`description headers larger than ${config.maxHeaderBytes} bytes`)
            : error,
      );
    };
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
          const error = new DescriptionBoundExceeded(`description declares ${declared} bytes, over the ${config.maxXmlBytes}-byte bound`);
          reject(error);
          outgoing.destroy(error);
          return;
        }
        const chunks: Buffer[] = [];
        let received = 0;
        incoming.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > config.maxXmlBytes) {
            const error = new DescriptionBoundExceeded(`description larger than ${config.maxXmlBytes} bytes`);
            reject(error);
            outgoing.destroy(error);
            return;
          }
          chunks.push(chunk);
        });
        incoming.on('end', () => {
          if (settled) return;
          settled = true;
          resolve({ status: incoming.statusCode ?? 0, body: Buffer.concat(chunks) });
        });
        incoming.on('error', reject);
        // After 'end' this is a no-op (the promise is settled); before it, the device hung up mid-body.
        incoming.on('close', () => reject(new Error('connection closed before the description ended')));
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}
