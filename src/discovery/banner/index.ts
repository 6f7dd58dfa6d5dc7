// The banner channel: every address of the scope × the camera ports, through the shared limiter and the bounded
// probe loop of run.ts. HTTP ports get `GET /`, HTTPS ports the same over TLS (certificate recorded), RTSP ports
// OPTIONS/DESCRIBE. A web port that answered `GET /` below 500 gets one more request, `GET /favicon.ico`, whose
// hashes are public fingerprints (rapid7/recog xml/favicons.xml; Shodan's
// http.favicon.hash in projectdiscovery/nuclei-templates http/cves/2021/CVE-2021-36260.yaml); it is the only extra request a port ever gets.
//
// A reply that is not HTTP (or RTSP) emits nothing: the data model has no field for raw bytes, and a guess would
// put a non-HTTP service into `http.*` where rules would misread it. Its first bytes go to the debug log instead.
// This matters for port 8000, which on Hikvision is the private SDK port (nmap-service-probes, "Hikvision IPCam control port"), not a web server.
import { checkInScope } from '../../net/scope.js';
import type { Logger } from 'pino';
import { REQUEST_LIMITS } from '../../config.js';
import type { HttpSection, Observation, RtspSection } from '../../model.js';
import { expandScope } from '../../net/cidr.js';
import { mapConcurrent } from '../engine/run.js';
import type { DiscoveryModule, ProbeContext, ProbeScope } from '../types.js';
import { deviceRequest, type DeviceResponse } from '../http/request.js';
import { httpExchange, rtspExchange, type ExchangeLimits, type HttpExchangeResult, type RtspExchangeResult } from './exchange.js';
import { faviconHashes, type FaviconHashes } from './favicon.js';

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
  /** Hosts skipped after their first port of each scheme stayed silent. */
  silentHosts: number;
  /** Hosts skipped after holding every first port to the deadline without a reply. */
  heldHosts: number;
  /** Failures by reason: refused, connect-timeout, deadline, not-http, no-reply, … */
  failures: Record<string, number>;
}

function limitsOf(context: ProbeContext): ExchangeLimits {
  const { connectTimeoutMs, exchangeTimeoutMs, maxHeaderBytes, maxBodyBytes } = context.config;
  return { connectTimeoutMs, exchangeTimeoutMs, maxHeaderBytes, maxBodyBytes };
}

function httpObservation(target: BannerTarget, result: HttpExchangeResult, context: ProbeContext, favicon?: FaviconHashes): Observation | undefined {
  const http: HttpSection = { url: result.url, headers: {} };
  if (result.ok) {
    const { status, headers, title, body, bodyTruncated } = result.response;
    http.status = status;
    http.headers = headers;
    if (title !== undefined) http.title = title;
    if (body !== undefined) http.body = body;
    if (bodyTruncated) http.bodyTruncated = true;
    if (favicon) http.favicon = favicon;
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

/** What one port gave: observations, and whether the host stayed silent (no SYN-ACK, no RST) on it. */
interface ProbeOutcome {
  observations: Observation[];
  silent: boolean;
  /** The host accepted the connection and then held it to our deadline without a whole reply. */
  held: boolean;
}

/** Failures that say nothing answered at all: the address may hold no host. */
const SILENT_FAILURES = new Set(['connect-timeout', 'unreachable']);

/** Why an exchange's input was refused or cut, for the scan's record; undefined for ordinary outcomes. */
function refusalOf(result: HttpExchangeResult | RtspExchangeResult, limits: ExchangeLimits): string | undefined {
  const protocol = result.url.startsWith('rtsp') ? 'RTSP' : 'HTTP';
  if (result.ok) {
    const end = result.end;
    if (end === 'deadline') return `${protocol} reply not complete within ${limits.exchangeTimeoutMs} ms (kept what had arrived)`;
    if (end === 'capped') return `${protocol} reply larger than ${limits.maxHeaderBytes + limits.maxBodyBytes} bytes (headers ${limits.maxHeaderBytes}, body ${limits.maxBodyBytes}); cut`;
    return undefined;
  }
  if (result.stage === 'connect') return result.reason === 'deadline' ? `${result.detail} (device held the connection)` : undefined;
  // A reply cut by the deadline is judged by the deadline, not by the few bytes a trickling device got out.
  if (result.end === 'deadline') return `connection accepted but no complete ${protocol} reply within ${limits.exchangeTimeoutMs} ms`;
  if (result.reason === 'not-http' || result.reason === 'not-rtsp') return `reply is not ${protocol}: ${result.detail}`;
  if (result.end === 'capped') return `${protocol} reply head larger than ${limits.maxHeaderBytes} bytes; cut`;
  return undefined;
}

function heldToDeadline(result: HttpExchangeResult | RtspExchangeResult): boolean {
  if (result.ok) return result.end === 'deadline';
  return result.stage === 'connect' ? result.reason === 'deadline' : result.end === 'deadline';
}

/**
 * One bounded `GET /favicon.ico` after a `GET /` that answered below 500 and did not hold us to the deadline;
 * hashes only from a whole 200 with a body. Any failure is only logged: the favicon is a bonus, not a probe.
 */
async function fetchFavicon(target: BannerTarget, result: HttpExchangeResult, context: ProbeContext, signal: AbortSignal, log: Logger): Promise<FaviconHashes | undefined> {
  if (!result.ok || result.response.status >= 500 || result.end === 'deadline' || result.end === 'aborted' || signal.aborted) return undefined;
  const where = { ip: target.ip, port: target.port, scheme: target.scheme };
  let reply: DeviceResponse;
  try {
    reply = await deviceRequest(
      {
        responder: target.ip,
        url: new URL(`${target.scheme}://${target.ip}:${target.port}/favicon.ico`),
        method: 'GET',
        headers: { Accept: 'image/*,*/*;q=0.8' },
        maxBodyBytes: Math.min(context.config.maxBodyBytes, REQUEST_LIMITS.faviconMaxBytes),
        what: 'favicon',
        connectTimeoutMs: context.config.connectTimeoutMs,
      },
      { ...context, signal },
    );
  } catch (error) {
    log.debug({ ...where, err: error }, 'favicon request failed');
    return undefined;
  }
  if (reply.status !== 200 || reply.body.length === 0) {
    log.debug({ ...where, status: reply.status, bytes: reply.body.length }, 'no usable favicon');
    return undefined;
  }
  return faviconHashes(reply.body);
}

async function probeOne(target: BannerTarget, context: ProbeContext, signal: AbortSignal, log: Logger, stats: BannerStats): Promise<ProbeOutcome> {
  const fail = (reason: string, fields: Record<string, unknown>, held = false): ProbeOutcome => {
    stats.failures[reason] = (stats.failures[reason] ?? 0) + 1;
    log.debug({ ip: target.ip, port: target.port, scheme: target.scheme, reason, ...fields }, 'banner probe got nothing');
    return { observations: [], silent: SILENT_FAILURES.has(reason), held };
  };
  try {
    await context.limiter.take(target.ip, signal);
  } catch {
    // The only rejection of take() is the abort of this scan: stop quietly, the scan reports the interruption.
    return fail('aborted', {});
  }
  const limits = limitsOf(context);
  const result = target.scheme === 'rtsp' ? await rtspExchange(target, limits, signal) : await httpExchange(target, target.scheme === 'https', limits, signal);
  const refusal = signal.aborted ? undefined : refusalOf(result, limits);
  if (refusal !== undefined) context.reject({ channel: 'banner', ip: target.ip, port: target.port, reason: refusal });
  const held = heldToDeadline(result);
  if (target.scheme === 'rtsp') {
    const rtsp = result as RtspExchangeResult;
    if (!rtsp.ok) return fail(rtsp.reason, { detail: rtsp.detail, elapsedMs: rtsp.elapsedMs, firstBytesHex: rtsp.stage === 'response' ? rtsp.firstBytesHex : undefined }, held);
    return { observations: [rtspObservation(target, rtsp, context)], silent: false, held };
  }
  const http = result as HttpExchangeResult;
  const favicon = await fetchFavicon(target, http, context, signal, log);
  const observation = httpObservation(target, http, context, favicon);
  const outcome = http.ok
    ? { observations: [], silent: false, held }
    : fail(http.reason, { detail: http.detail, elapsedMs: http.elapsedMs, firstBytesHex: http.stage === 'response' ? http.firstBytesHex : undefined }, held);
  return { observations: observation ? [observation] : [], silent: outcome.silent, held };
}

/**
 * Sweeps group targets by host. A sweep of a /24 is mostly empty addresses, and each costs a full connect timeout
 * per port; so a host's first port of each scheme (80, 443, 554 by default) is tried first, at once, and its other
 * ports only when one of those answered, even with a refusal. A host that drops every packet to those three is
 * skipped, as nmap skips hosts that fail its ping probes; devices found by other channels get their announced
 * ports probed in the scan's follow-up stage whatever this gate decided.
 */
async function probeHost(targets: readonly BannerTarget[], gated: boolean, context: ProbeContext, signal: AbortSignal, log: Logger, stats: BannerStats): Promise<Observation[]> {
  const probeAll = async (wave: readonly BannerTarget[]): Promise<ProbeOutcome[]> =>
    Promise.all(wave.map((target) => probeOne(target, context, signal, log, stats)));
  if (!gated) return (await probeAll(targets)).flatMap((outcome) => outcome.observations);
  const firstPorts = new Set<string>();
  const first: BannerTarget[] = [];
  const rest: BannerTarget[] = [];
  for (const target of targets) {
    if (firstPorts.has(target.scheme)) rest.push(target);
    else {
      firstPorts.add(target.scheme);
      first.push(target);
    }
  }
  const firstOutcomes = await probeAll(first);
  const observations = firstOutcomes.flatMap((outcome) => outcome.observations);
  if (rest.length === 0) return observations;
  if (firstOutcomes.every((outcome) => outcome.silent)) {
    stats.silentHosts += 1;
    stats.targets -= rest.length;
    return observations;
  }
  // A host that accepted every first port and answered none within the deadline would hold the sweep for another
  // full deadline on its other ports: it is not probed further (a scan must not hang on one camera; hreskiv/mikr#68).
  if (firstOutcomes.every((outcome) => outcome.held)) {
    stats.heldHosts += 1;
    stats.targets -= rest.length;
    context.reject({ channel: 'banner', ip: first[0]!.ip, reason: `held every first port (${first.map((target) => target.port).join(', ')}) to the deadline without a reply; its other ports were not probed` });
    return observations;
  }
  return observations.concat((await probeAll(rest)).flatMap((outcome) => outcome.observations));
}

/** Consecutive targets of one address as one batch (bannerTargets yields them address by address). */
async function* byHost(targets: Iterable<BannerTarget> | AsyncIterable<BannerTarget>, stats: BannerStats): AsyncGenerator<BannerTarget[]> {
  let batch: BannerTarget[] = [];
  for await (const target of targets) {
    stats.targets += 1;
    if (batch.length > 0 && batch[0]!.ip !== target.ip) {
      yield batch;
      batch = [];
    }
    batch.push(target);
  }
  if (batch.length > 0) yield batch;
}

/** The targets inside the scan's scope; one outside (a port announced by a reply, an SRV host) is recorded, not probed. */
async function* targetsInScope(targets: Iterable<BannerTarget> | AsyncIterable<BannerTarget>, context: ProbeContext): AsyncGenerator<BannerTarget> {
  for await (const target of targets) {
    const decision = context.scope === undefined ? { inScope: true as const } : checkInScope(context.scope, target.ip);
    if (decision.inScope) yield target;
    else context.reject({ channel: 'banner', ip: target.ip, port: target.port, reason: `not probed: ${decision.reason}` });
  }
}

async function* probeTargets(
  targets: Iterable<BannerTarget> | AsyncIterable<BannerTarget>,
  context: ProbeContext,
  log: Logger,
  gated: boolean,
): AsyncGenerator<Observation, void, undefined> {
  const stats: BannerStats = { targets: 0, observations: 0, silentHosts: 0, heldHosts: 0, failures: {} };
  const startedAt = performance.now();
  try {
    // `concurrency` bounds hosts in flight; each host holds at most one socket per port it is probed on.
    for await (const observations of mapConcurrent(
      byHost(targetsInScope(targets, context), stats),
      context.config.concurrency,
      (batch, signal) => probeHost(batch, gated, context, signal, log, stats),
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
  return probeTargets(targets, context, context.log.child({ channel: 'banner' }), false);
}

export const bannerModule: DiscoveryModule = {
  name: 'banner',
  emits: ['http', 'https', 'rtsp'],
  probe(scope: ProbeScope, context: ProbeContext): AsyncIterable<Observation> {
    if (scope.cidrs.length === 0) return probeTargets([], context, context.log, true);
    const { unicastTargets } = scope;
    if (unicastTargets !== undefined) {
      // After host discovery: only the live addresses, once known.
      const live = async function* (): AsyncGenerator<BannerTarget> {
        yield* bannerTargets(await unicastTargets(), context.config);
      };
      return probeTargets(live(), context, context.log, true);
    }
    const addresses = expandScope(scope.cidrs, context.config.maxScopeAddresses);
    return probeTargets(bannerTargets(addresses, context.config), context, context.log, true);
  },
};
