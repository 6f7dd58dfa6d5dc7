// The banner channel: every address of the scope × the camera ports, through the shared limiter and the bounded
// probe loop of run.ts. HTTP ports get `GET /`, HTTPS ports the same over TLS (certificate recorded), RTSP ports
// OPTIONS/DESCRIBE.
//
// A reply that is not HTTP (or RTSP) emits nothing: the data model has no field for raw bytes, and a guess would
// put a non-HTTP service into `http.*` where rules would misread it. Its first bytes go to the debug log instead.
// This matters for port 8000, which on Hikvision is the private SDK port (protocols.md §0), not a web server.
import type { Logger } from 'pino';
import type { HttpSection, Observation, RtspSection } from '../../model.js';
import { expandScope } from '../../net/cidr.js';
import { mapConcurrent } from '../run.js';
import type { DiscoveryModule, ProbeContext, ProbeScope } from '../types.js';
import { httpExchange, rtspExchange, type ExchangeLimits, type HttpExchangeResult, type RtspExchangeResult } from './exchange.js';

export type BannerScheme = 'http' | 'https' | 'rtsp';

/** One port of one address to probe. Stage 2 of a scan builds these from ports devices announced (SADP HttpPort…). */
export interface BannerTarget {
  ip: string;
  port: number;
  scheme: BannerScheme;
}

export interface BannerPorts {
  httpPorts: readonly number[];
  httpsPorts: readonly number[];
  rtspPorts: readonly number[];
}

/** Every address × every configured port, address by address, produced lazily. */
export function* bannerTargets(addresses: Iterable<string>, ports: BannerPorts): Generator<BannerTarget, void, undefined> {
  for (const ip of addresses) {
    for (const port of ports.httpPorts) yield { ip, port, scheme: 'http' };
    for (const port of ports.httpsPorts) yield { ip, port, scheme: 'https' };
    for (const port of ports.rtspPorts) yield { ip, port, scheme: 'rtsp' };
  }
}

/** Outcome counts of one banner run, logged at the end as its summary. */
export interface BannerStats {
  targets: number;
  observations: number;
  /** Failures by reason: refused, connect-timeout, deadline, not-http, no-reply, … */
  failures: Record<string, number>;
}

function limitsOf(context: ProbeContext): ExchangeLimits {
  const { connectTimeoutMs, exchangeTimeoutMs, maxHeaderBytes, maxBodyBytes } = context.config;
  return { connectTimeoutMs, exchangeTimeoutMs, maxHeaderBytes, maxBodyBytes };
}

function httpObservation(target: BannerTarget, result: HttpExchangeResult, context: ProbeContext): Observation | undefined {
  const http: HttpSection = { url: result.url, headers: {} };
  if (result.ok) {
    const { status, headers, title, body, bodyTruncated } = result.response;
    http.status = status;
    http.headers = headers;
    if (title !== undefined) http.title = title;
    if (body !== undefined) http.body = body;
    if (bodyTruncated) http.bodyTruncated = true;
  } else if (!result.tls) {
    return undefined;
  }
  // An HTTPS port whose HTTP part failed still told us its certificate: that alone can name the maker.
  return context.observe({
    source: target.scheme,
    ip: target.ip,
    port: target.port,
    transport: 'tcp',
    http,
    ...(result.tls ? { tls: result.tls } : {}),
  });
}

/**
 * One RTSP observation per port. Headers of OPTIONS, completed by those of DESCRIBE that OPTIONS lacks (typically
 * the WWW-Authenticate realm of a 401, and Server); the status is the OPTIONS status.
 */
function rtspObservation(target: BannerTarget, result: Extract<RtspExchangeResult, { ok: true }>, context: ProbeContext): Observation {
  const rtsp: RtspSection = { status: result.options.status, headers: { ...(result.describe?.headers ?? {}), ...result.options.headers } };
  return context.observe({ source: 'rtsp', ip: target.ip, port: target.port, transport: 'tcp', rtsp });
}

async function probeOne(target: BannerTarget, context: ProbeContext, signal: AbortSignal, log: Logger, stats: BannerStats): Promise<Observation[]> {
  const fail = (reason: string, fields: Record<string, unknown>): Observation[] => {
    stats.failures[reason] = (stats.failures[reason] ?? 0) + 1;
    log.debug({ ip: target.ip, port: target.port, scheme: target.scheme, reason, ...fields }, 'banner probe got nothing');
    return [];
  };
  try {
    await context.limiter.take(target.ip, signal);
  } catch {
    // The only rejection of take() is the abort of this scan: stop quietly, the scan reports the interruption.
    return fail('aborted', {});
  }
  const limits = limitsOf(context);
  if (target.scheme === 'rtsp') {
    const result = await rtspExchange(target, limits, signal);
    if (!result.ok) return fail(result.reason, { detail: result.detail, elapsedMs: result.elapsedMs, firstBytesHex: result.stage === 'response' ? result.firstBytesHex : undefined });
    return [rtspObservation(target, result, context)];
  }
  const result = await httpExchange(target, target.scheme === 'https', limits, signal);
  const observation = httpObservation(target, result, context);
  if (!result.ok) {
    fail(result.reason, { detail: result.detail, elapsedMs: result.elapsedMs, firstBytesHex: result.stage === 'response' ? result.firstBytesHex : undefined });
  }
  return observation ? [observation] : [];
}

async function* probeTargets(
  targets: Iterable<BannerTarget> | AsyncIterable<BannerTarget>,
  context: ProbeContext,
  log: Logger,
): AsyncGenerator<Observation, void, undefined> {
  const stats: BannerStats = { targets: 0, observations: 0, failures: {} };
  const startedAt = performance.now();
  const counted = async function* (): AsyncGenerator<BannerTarget> {
    for await (const target of targets) {
      stats.targets += 1;
      yield target;
    }
  };
  try {
    for await (const observations of mapConcurrent(
      counted(),
      context.config.concurrency,
      (target, signal) => probeOne(target, context, signal, log, stats),
      context.signal,
    )) {
      for (const observation of observations) {
        stats.observations += 1;
        yield observation;
      }
    }
  } finally {
    log.info({ ...stats, durationMs: Math.round(performance.now() - startedAt) }, 'banner probe finished');
  }
}

/** Probes given targets (ports devices announced, or a user's extra ports) with the same bounds as the sweep. */
export function probeBannerTargets(
  targets: Iterable<BannerTarget> | AsyncIterable<BannerTarget>,
  context: ProbeContext,
): AsyncGenerator<Observation, void, undefined> {
  return probeTargets(targets, context, context.log.child({ channel: 'banner' }));
}

export const bannerModule: DiscoveryModule = {
  name: 'banner',
  emits: ['http', 'https', 'rtsp'],
  probe(scope: ProbeScope, context: ProbeContext): AsyncIterable<Observation> {
    if (scope.cidrs.length === 0) return probeTargets([], context, context.log);
    const addresses = expandScope(scope.cidrs, context.config.maxScopeAddresses);
    return probeTargets(bannerTargets(addresses, context.config), context, context.log);
  },
};
