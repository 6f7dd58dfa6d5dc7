// One bounded HTTP GET to a device's web API: an absolute deadline (config.exchangeTimeoutMs) from connect to last
// byte, headers bounded by config.maxHeaderBytes and the body by config.maxXmlBytes; a reply over a bound is an
// error, never a truncated document. Kept narrow so it can be swapped for the engine's shared request helper.
import { request } from 'node:http';
import type { ProbeContext } from '../types.js';

export interface DeviceReply {
  status: number;
  body: Buffer;
  /** The WWW-Authenticate value of a refusal (several headers comma-joined by Node). */
  wwwAuthenticate?: string;
}

export type ApiContext = Pick<ProbeContext, 'config' | 'log' | 'limiter' | 'signal'> & Partial<Pick<ProbeContext, 'reject'>>;

/** A device that held an exchange past our time or size bound: no further call is made to it this scan. */
export class DeviceBoundExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceBoundExceeded';
  }
}

export function httpGet(url: URL, context: ApiContext, authorization?: string): Promise<DeviceReply> {
  const { config } = context;
  const deadline = AbortSignal.timeout(config.exchangeTimeoutMs);
  const signal = AbortSignal.any([context.signal, deadline]);
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      outgoing.destroy();
      reject(deadline.aborted && !context.signal.aborted ? new DeviceBoundExceeded(`no complete reply within ${config.exchangeTimeoutMs} ms`) : error);
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
        headers: { connection: 'close', ...(authorization === undefined ? {} : { authorization }) },
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        let received = 0;
        incoming.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > config.maxXmlBytes) fail(new DeviceBoundExceeded(`reply larger than ${config.maxXmlBytes} bytes`));
          else chunks.push(chunk);
        });
        incoming.on('end', () => {
          if (settled) return;
          settled = true;
          const wwwAuthenticate = incoming.headers['www-authenticate'];
          resolve({ status: incoming.statusCode ?? 0, body: Buffer.concat(chunks), ...(wwwAuthenticate === undefined ? {} : { wwwAuthenticate }) });
        });
        incoming.on('error', fail);
        incoming.on('close', () => fail(new Error('response ended early')));
      },
    );
    outgoing.on('error', (error) => {
      const code = (error as NodeJS.ErrnoException).code;
      fail(code === 'HPE_HEADER_OVERFLOW' ? new DeviceBoundExceeded(`reply headers larger than ${config.maxHeaderBytes} bytes`) : error);
    });
    outgoing.on('close', () => fail(new Error('connection closed without a response')));
    outgoing.end();
  });
}
