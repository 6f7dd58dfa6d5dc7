import type { Logger } from 'pino';
import { REPLY_LIMITS, VENDOR_API_LIMITS, type ScanConfig } from './config.js';
import { CamauditError } from './errors.js';
import type { Observation } from './model.js';
import { checkScope, cidrContains } from './net/cidr.js';
import { createScanScope, interfacesInsideRanges } from './net/scope.js';
import { probeBannerTargets } from './discovery/banner/index.js';
import { listLocalInterfaces, type InterfaceSources } from './discovery/engine/interfaces.js';
import { CHANNELS, type ChannelName, followUpTargets, selectModules } from './discovery/index.js';
import { createProbeContext, createRateLimiter, mapConcurrent, rejectionRecord, runModules } from './discovery/engine/run.js';
import { startHostPhase, type HostPhase } from './discovery/engine/host-sweep.js';
import type { LocalInterface, ProbeScope } from './discovery/types.js';
import { buildWsDiscoveryProbe, createWsDiscoveryMessageId, WS_DISCOVERY_PORT } from './discovery/wsdiscovery/probe.js';
import type { Inventory } from './inventory/index.js';
import { credentialsFor } from './credentials-file.js';
import { queryVendorApi, vendorApiOf, webPortOf, type VendorApiTarget } from './discovery/vendor-api/index.js';
import { identify } from './match/index.js';

// The scan orchestrator: the only place that knows the order of stages. Channels themselves know nothing of
// each other or of the inventory.
//   stage 1  every selected channel at once (multicast per interface, unicast sweeps of the ranges, banners); the
//            unicast sweeps in two phases unless host discovery is off: first who is there (engine/liveness.ts),
//            then the full probe set to the live addresses only (engine/host-sweep.ts)
//   stage 2  banner probe of ports the devices told us about (SADP HttpPort, DHIP HttpPort, XAddrs, SRV)
//   stage 3  with credentials the user configured for their range: the web API of each Hikvision or Dahua unit
//            (ISAPI or CGI), which names ONVIF-off units, the cameras behind NVRs and the cloud setting
//   stage 4  the kernel neighbour table, which only holds entries after the stages before made traffic

/** Channels whose replies can name a web port (SADP/DHIP HttpPort, WS-Discovery XAddrs, mDNS SRV): stage 2's input. */
const ANNOUNCING_SOURCES: ReadonlySet<string> = new Set(['sadp', 'dhip', 'wsdiscovery', 'mdns']);

export interface ScanRequest {
  cidrs: string[];
  /** Interface names for multicast; undefined = every up, non-loopback IPv4 interface. */
  interfaceNames?: string[];
  /** False = no multicast at all (unicast over the ranges only). */
  multicast: boolean;
  /**
   * Multicast only on interfaces whose whole attached subnet lies inside `cidrs` (serve: API and scheduled scans
   * may reach only what --allow-cidr allows, and multicast reaches the whole link).
   */
  multicastInsideRangesOnly?: boolean;
  channels: readonly ChannelName[];
  /** False = the full probe set to every address of the ranges (`--no-host-discovery`, like nmap's -Pn). Default true. */
  hostDiscovery?: boolean;
}

export type ScanPhase = 'host-discovery' | 'probing' | 'follow-up';

export interface ScanProgress {
  observations: number;
  addresses: number;
  lastSource?: string;
  /** Where the scan is; with `done` of `total` addresses when the phase knows them (host discovery does). */
  phase?: ScanPhase;
  done?: number;
  total?: number;
}

/** Every local subnet (not only the interfaces chosen for multicast): their addresses are resolved by ARP. */
function attachedSubnets(): LocalInterface[] {
  try {
    return listLocalInterfaces();
  } catch {
    return [];
  }
}

export interface ScanOutcome {
  scanId: string;
  status: 'finished' | 'interrupted' | 'failed';
  observations: number;
  /** Device ids seen in this scan. */
  deviceIds: string[];
  durationMs: number;
}

export interface ScanDependencies {
  config: Readonly<ScanConfig>;
  inventory: Inventory;
  log: Logger;
  signal?: AbortSignal;
  onProgress?: (progress: ScanProgress) => void;
  /** Called once the scan is recorded, before any probe: the API answers POST /scans with this id. */
  onScanStarted?: (scanId: string) => void;
}

export function validateScanRequest(request: ScanRequest, config: Readonly<ScanConfig>, interfaceSources?: InterfaceSources): { interfaces: LocalInterface[] } {
  checkScope(request.cidrs, config.maxScopeAddresses);
  for (const channel of request.channels) {
    if (!CHANNELS.includes(channel)) throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', `unknown channel "${channel}" (known: ${CHANNELS.join(', ')})`);
  }
  const candidates = request.multicast ? listLocalInterfaces(request.interfaceNames, interfaceSources) : [];
  const interfaces = request.multicastInsideRangesOnly ? interfacesInsideRanges(candidates, request.cidrs) : candidates;
  if (request.cidrs.length === 0 && interfaces.length === 0) {
    throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', 'nothing to scan: give --cidr ranges or an interface with an IPv4 address');
  }
  return { interfaces };
}

export async function runScan(request: ScanRequest, dependencies: ScanDependencies): Promise<ScanOutcome> {
  const { config, inventory } = dependencies;
  // The scan's own lines say module "scan"; discovery gets the caller's logger and names its own modules, so no line
  // carries two "module" keys.
  const log = dependencies.log.child({ module: 'scan' });
  const { interfaces } = validateScanRequest(request, config);
  const started = performance.now();
  const scope: ProbeScope = { cidrs: request.cidrs, interfaces };
  const scanId = await inventory.beginScan({
    site: config.site,
    agent: config.agent,
    scope: { cidrs: request.cidrs, interfaces: interfaces.map((entry) => entry.name) },
    channels: [...request.channels],
  });
  dependencies.onScanStarted?.(scanId);
  const abort = new AbortController();
  const onAbort = (): void => abort.abort(dependencies.signal?.reason);
  dependencies.signal?.addEventListener('abort', onAbort, { once: true });
  const limiter = createRateLimiter({ globalPerSecond: config.globalRatePerSecond, perHostPerSecond: config.perHostRatePerSecond });
  const context = createProbeContext({ config, log: dependencies.log, scanId, signal: abort.signal, limiter, scope: createScanScope(request.cidrs, interfaces) });
  const seen = new Set<string>();
  let observationCount = 0;
  // Only what stage 2 reads is kept (replies that can announce ports, and anything outside the ranges), so a /16
  // sweep's banner observations do not pile up in memory: they are in the inventory already.
  const stageObservations: Observation[] = [];
  let phase: Pick<ScanProgress, 'phase' | 'done' | 'total'> = {};
  const progress = (lastSource?: string): void =>
    dependencies.onProgress?.({ observations: observationCount, addresses: seen.size, ...(lastSource !== undefined ? { lastSource } : {}), ...phase });

  // Stage 3 input: what answered at each address a login is configured for, inside the ranges (never beyond them).
  const apiCandidates = new Map<string, Observation[]>();
  const mayQueryApi = (ip: string): boolean =>
    credentialsFor(ip, config.credentials) !== undefined && request.cidrs.some((cidr) => cidrContains(cidr, ip));
  const record = async (observation: Observation): Promise<void> => {
    await inventory.recordObservation(scanId, observation);
    if (observation.via === undefined && observation.source !== 'neighbour' && mayQueryApi(observation.ip)) {
      const list = apiCandidates.get(observation.ip) ?? [];
      if (list.length < VENDOR_API_LIMITS.maxObservationsPerCandidate) list.push(observation);
      apiCandidates.set(observation.ip, list);
    }
    observationCount += 1;
    if (observation.via === undefined) seen.add(observation.ip);
    progress(observation.source);
  };
  // Host discovery first, then the full set to live addresses only; the multicast channels run beside both.
  let hostPhase: HostPhase | undefined;
  if (request.hostDiscovery !== false && request.cidrs.length > 0) {
    hostPhase = startHostPhase(request.cidrs, context, {
      attachedSubnets: attachedSubnets(),
      datagram: { port: WS_DISCOVERY_PORT, data: buildWsDiscoveryProbe('dn:NetworkVideoTransmitter', createWsDiscoveryMessageId()) },
      heard: () => seen,
      onProgress: (name, done, total) => {
        phase = { phase: name, done, total };
        progress();
      },
    });
    scope.unicastTargets = hostPhase.liveHosts;
  }
  const swept = (ip: string): boolean => (hostPhase ? hostPhase.probes(ip) : request.cidrs.some((cidr) => cidrContains(cidr, ip)));
  const announcesPorts = (observation: Observation): boolean => ANNOUNCING_SOURCES.has(observation.source) || !swept(observation.ip);

  const readNeighbours = async (): Promise<void> => {
    if (!request.channels.includes('neighbour')) return;
    for await (const observation of runModules(selectModules(['neighbour'], 'after'), scope, context)) {
      // Only addresses this scan touched: the table also holds the host's unrelated neighbours.
      if (seen.has(observation.ip)) await record(observation);
    }
  };

  let status: ScanOutcome['status'] = 'finished';
  try {
    const stageOne = selectModules(request.channels, 'sweep');
    for await (const observation of runModules(stageOne, scope, context)) {
      await record(observation);
      if (announcesPorts(observation)) stageObservations.push(observation);
    }
    // The kernel may drop neighbour entries of a large sweep before the end (gc_thresh), so read it now and again last.
    await readNeighbours();
    // An address of the ranges that phase 2 did not probe (a multicast reply that came after host discovery) is
    // treated as one outside the ranges: its default ports are probed now.
    const { targets: extra, capped } = followUpTargets(stageObservations, config, request.cidrs, swept);
    for (const { ip, announced } of capped) {
      context.reject({ channel: 'banner', ip, reason: `announced ${announced} web ports; only the first ${REPLY_LIMITS.maxAnnouncedPortsPerAddress} were probed` });
    }
    if (extra.length > 0 && request.channels.includes('banner')) {
      log.info({ targets: extra.length }, 'probing ports the devices announced');
      phase = { phase: 'follow-up' };
      for await (const observation of probeBannerTargets(extra, context)) await record(observation);
    }
    const apiTargets = [...apiCandidates].flatMap(([ip, observations]): VendorApiTarget[] => {
      const api = vendorApiOf(identify(observations).vendor);
      return api === undefined ? [] : [{ ip, port: webPortOf(observations), api }];
    });
    if (apiTargets.length > 0 && request.channels.includes('banner')) {
      log.info({ targets: apiTargets.length }, 'reading the web API of Hikvision and Dahua units with the configured credentials');
      for await (const observations of mapConcurrent(apiTargets, config.concurrency, (target) => queryVendorApi(target, context), abort.signal)) {
        for (const observation of observations) await record(observation);
      }
    }
    await readNeighbours();
    if (abort.signal.aborted) status = 'interrupted';
  } catch (error) {
    status = abort.signal.aborted ? 'interrupted' : 'failed';
    log.error({ err: error, scanId }, 'scan failed');
    if (status === 'failed') {
      await inventory.finishScan(scanId, { status, ...withSweepCounts(rejectionRecord(context.rejections()), hostPhase, limiter.granted) });
      throw error;
    }
  } finally {
    dependencies.signal?.removeEventListener('abort', onAbort);
  }
  const finished = await inventory.finishScan(scanId, { status, ...withSweepCounts(rejectionRecord(context.rejections()), hostPhase, limiter.granted) });
  const durationMs = Math.round(performance.now() - started);
  // probes = packets and connection attempts, all channels together (what the rate limit counted).
  log.info({ scanId, status, probes: limiter.granted, observations: observationCount, devices: finished.deviceIds.length, durationMs }, 'scan finished');
  return {
    scanId,
    status,
    observations: observationCount,
    deviceIds: finished.deviceIds,
    durationMs,
  };
}

/**
 * The scan record's counts plus what the sweep did: `hostDiscovery` (addresses, alive and why, probes of phase 1)
 * or false when it was off, and `probes` by phase (the full set includes multicast and follow-ups).
 */
function withSweepCounts<T extends { counts: Record<string, unknown> }>(base: T, hostPhase: HostPhase | undefined, granted: number): T {
  const hosts = hostPhase?.record();
  const hostDiscoveryProbes = hosts?.probes ?? 0;
  return {
    ...base,
    counts: {
      ...base.counts,
      hostDiscovery: hosts ?? false,
      aliveAddresses: hosts?.alive ?? null,
      probes: { hostDiscovery: hostDiscoveryProbes, fullSet: granted - hostDiscoveryProbes, total: granted },
    },
  };
}
