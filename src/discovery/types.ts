import type { ScanScope } from '../net/scope.js';
import type { Logger } from 'pino';
import type { ScanConfig } from '../config.js';
import type { Observation, ProtocolName } from '../model.js';
import type { ObservationInput } from '../observation.js';

/** A local IPv4 interface a multicast channel probes on its own. */
export interface LocalInterface {
  name: string;
  address: string;
  /** Prefix length of the interface's subnet. */
  prefixLength: number;
}

/** What one scan covers. */
export interface ProbeScope {
  /** Ranges to probe by unicast (banner, WS-Discovery, SADP, DHIP). Empty = multicast only. */
  cidrs: string[];
  /** Interfaces to send multicast on, each on its own socket. Empty = no multicast. */
  interfaces: LocalInterface[];
  /**
   * With host discovery: the addresses of `cidrs` that showed life, resolved once that phase is done. The unicast
   * sweeps then go to these only (multicast does not wait for them); without it, to every address of `cidrs`.
   */
  unicastTargets?: () => Promise<readonly string[]>;
}

/** Shared by every channel of one scan, so limits hold for all of them together. */
export interface RateLimiter {
  /** Resolves when one more packet (or connection attempt) to `host` may be sent. Rejects when `signal` aborts. */
  take(host: string, signal: AbortSignal): Promise<void>;
}

/** Network input a channel refused or cut short (malformed, hostile, oversized, too slow), with why. */
export interface RejectedInput {
  /** Channel name (sadp, ssdp, banner, onvif, …). */
  channel: string;
  /** The address the input came from. */
  ip: string;
  port?: number;
  /** Plain text for people: what was refused and why. */
  reason: string;
}

export interface ProbeContext {
  config: Readonly<ScanConfig>;
  log: Logger;
  limiter: RateLimiter;
  signal: AbortSignal;
  /** Turns a module's raw finding into an observation with site, agent, scan id, time and stable id. */
  observe(input: ObservationInput): Observation;
  /** Records an input the channel refused: logged, counted, and kept (bounded) for the scan's record. */
  reject(input: RejectedInput): void;
  /**
   * Where this scan may send anything (src/net/scope.ts). Checked once for every datagram a UDP session takes as a
   * reply (engine/accept.ts), every device request (http/request.ts) and every banner target. Absent only in unit
   * tests that build a context by hand.
   */
  scope?: ScanScope;
}

/** One module per protocol in src/discovery/<protocol>/, all with this shape. */
export interface DiscoveryModule {
  /** Channel name, used in --channels and logs. */
  readonly name: string;
  /** Source protocols this module emits. */
  readonly emits: readonly ProtocolName[];
  probe(scope: ProbeScope, context: ProbeContext): AsyncIterable<Observation>;
}
