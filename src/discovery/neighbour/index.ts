// The neighbour channel: MAC addresses from the kernel's ARP table. It sends nothing; entries exist only for
// addresses we (or others) recently exchanged packets with, so the scan runs it after the other channels.
//
// It reads /proc/net/arp rather than running `ip -json neigh`: no subprocess, present in every network namespace,
// IPv4 only like our scopes. It lacks the NUD state (REACHABLE, STALE…), which we do not want in an observation
// anyway: the state changes from one read to the next and would change the observation's id with it.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Observation } from '../../model.js';
import { cidrContains, parseCidr } from '../../net/cidr.js';
import { checkInScope } from '../../net/scope.js';
import type { DiscoveryModule, ProbeContext, ProbeScope } from '../types.js';
import { incompleteInIpNeighJson, parseProcNetArp, type NeighbourEntry } from './parse.js';

export const PROC_NET_ARP = '/proc/net/arp';

/** The kernel's complete IPv4 neighbour entries. Rejects when the table cannot be read (not Linux). */
export async function readNeighbourTable(path: string = PROC_NET_ARP): Promise<NeighbourEntry[]> {
  return parseProcNetArp(await readFile(path, 'utf8'));
}

/** Bounds of the one `ip` run host discovery makes: a table of gc_thresh3 (1024) entries is ~60 KiB of JSON. */
const IP_NEIGH_TIMEOUT_MS = 2000;
const IP_NEIGH_MAX_BYTES = 8 * 1024 * 1024;

/**
 * The addresses whose ARP resolution is in progress (NUD INCOMPLETE), which only netlink tells (/proc/net/arp shows
 * INCOMPLETE and FAILED alike), through iproute2's `ip`. Undefined when `ip` is missing or its output unreadable.
 */
export function readResolutionsInProgress(): Promise<string[] | undefined> {
  return new Promise((resolve) => {
    execFile('ip', ['-4', '-json', 'neigh', 'show', 'nud', 'incomplete'], { timeout: IP_NEIGH_TIMEOUT_MS, maxBuffer: IP_NEIGH_MAX_BYTES }, (error, stdout) => {
      const result = error === null ? incompleteInIpNeighJson(stdout) : undefined;
      resolve(result?.ok === true ? result.value : undefined);
    });
  });
}

export function createNeighbourModule(path: string = PROC_NET_ARP): DiscoveryModule {
  return {
    name: 'neighbour',
    emits: ['neighbour'],
    async *probe(scope: ProbeScope, context: ProbeContext): AsyncGenerator<Observation, void, undefined> {
      let entries: NeighbourEntry[];
      try {
        entries = await readNeighbourTable(path);
      } catch (error) {
        context.log.warn({ err: error, path }, 'neighbour table not readable; no MAC addresses from it');
        return;
      }
      // The table also holds the host's unrelated neighbours (its router…): keep only addresses in scope.
      const ranges = scope.cidrs.map((cidr) => parseCidr(cidr));
      const inScope = entries.filter((entry) =>
        context.scope !== undefined ? checkInScope(context.scope, entry.ip).inScope : ranges.length === 0 || ranges.some((range) => cidrContains(range, entry.ip)),
      );
      context.log.debug({ entries: entries.length, inScope: inScope.length }, 'neighbour table read');
      for (const entry of inScope) {
        if (context.signal.aborted) return;
        yield context.observe({
          source: 'neighbour',
          ip: entry.ip,
          mac: entry.mac,
          transport: 'table',
          ...(entry.interface !== undefined ? { interface: entry.interface } : {}),
          neighbour: {
            ...(entry.interface !== undefined ? { interface: entry.interface } : {}),
            ...(entry.state !== undefined ? { state: entry.state } : {}),
          },
        });
      }
    },
  };
}

export const neighbourModule: DiscoveryModule = createNeighbourModule();
