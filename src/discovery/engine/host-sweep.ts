// The unicast sweep in two phases:
//   phase 1  host discovery (liveness.ts): one or two cheap probes per address of the ranges;
//   phase 2  the full probe set (every selected channel) to the live addresses only, plus any address of the
//            ranges that a multicast reply showed alive.
// Each channel still runs one session: its multicast rounds and listen window start at once, and its unicast sweep
// waits for `ProbeScope.unicastTargets`, which this phase resolves. With host discovery off (`--no-host-discovery`,
// like nmap's -Pn) the scan gives no unicastTargets and every channel sweeps every address, as before.
import { cidrContains, expandScope } from '../../net/cidr.js';
import type { LocalInterface, ProbeContext } from '../types.js';
import { discoverLiveHosts, type HostDiscoveryStats } from './liveness.js';

export interface HostPhaseOptions {
  attachedSubnets: readonly LocalInterface[];
  datagram: { port: number; data: Buffer };
  /** Addresses a reply came from so far (multicast): alive whatever phase 1 found. */
  heard: () => Iterable<string>;
  onProgress?: (phase: 'host-discovery' | 'probing', done: number, total: number) => void;
}

/** What the scan record keeps of the first phase. */
export interface HostPhaseRecord extends HostDiscoveryStats {
  /** Live addresses only a multicast reply showed. */
  aliveByMulticast: number;
}

export interface HostPhase {
  /** The addresses phase 2 probes; the same promise for every channel. */
  liveHosts(): Promise<readonly string[]>;
  /** Undefined until phase 1 has finished. */
  record(): HostPhaseRecord | undefined;
  /** True for an address phase 2 probes (so it needs no follow-up as an address outside the sweep). */
  probes(ip: string): boolean;
}

/** Starts phase 1 over `cidrs` at once; channels read its outcome through `liveHosts`. */
export function startHostPhase(cidrs: readonly string[], context: Pick<ProbeContext, 'config' | 'log' | 'limiter' | 'signal'>, options: HostPhaseOptions): HostPhase {
  let record: HostPhaseRecord | undefined;
  let probed = new Set<string>();
  const run = async (): Promise<readonly string[]> => {
    let alive: Set<string>;
    let stats: HostDiscoveryStats;
    try {
      ({ alive, stats } = await discoverLiveHosts(cidrs, context, {
        attachedSubnets: options.attachedSubnets,
        datagram: options.datagram,
        onProgress: (done, total) => options.onProgress?.('host-discovery', done, total),
      }));
    } catch (error) {
      if (context.signal.aborted) throw error;
      // Better the slow full sweep than a scan that misses devices: phase 2 then covers every address.
      context.log.error({ err: error }, 'host discovery failed; sending the full probe set to every address');
      const every = [...expandScope(cidrs, context.config.maxScopeAddresses)];
      probed = new Set(every);
      return every;
    }
    let aliveByMulticast = 0;
    for (const ip of options.heard()) {
      if (alive.has(ip) || !cidrs.some((cidr) => cidrContains(cidr, ip))) continue;
      alive.add(ip);
      aliveByMulticast += 1;
    }
    probed = alive;
    record = { ...stats, alive: alive.size, aliveByMulticast };
    options.onProgress?.('probing', 0, alive.size);
    return [...alive];
  };
  const outcome = run();
  // Unobserved until the first channel asks; an abort is each channel's to report, not an unhandled rejection.
  outcome.catch(() => undefined);
  return { liveHosts: () => outcome, record: () => record, probes: (ip) => probed.has(ip) };
}
