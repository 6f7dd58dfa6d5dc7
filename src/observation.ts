import { createHash } from 'node:crypto';
import type { Observation, ObservationSections, Transport } from './model.js';

export interface ObservationContext {
  site: string;
  agent: string;
  scanId?: string;
  /** Injected for tests; defaults to the wall clock. */
  now?: () => Date;
}

export interface ObservationInput extends ObservationSections {
  transport?: Transport;
  interface?: string;
}

/** Canonical JSON: object keys sorted, so the same fields always hash the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * The id of an observation is a hash of what was seen (site, source, ip, port, mac and protocol fields),
 * not of when: two agents or two scans that see the same thing produce the same id, which lets a
 * central store deduplicate without coordination.
 */
export function observationId(site: string, sections: ObservationSections): string {
  return createHash('sha256').update(site).update('\0').update(canonicalJson(sections)).digest('hex').slice(0, 32);
}

export function createObservation(input: ObservationInput, context: ObservationContext): Observation {
  const { transport, interface: interfaceName, ...sections } = input;
  const observation: Observation = {
    ...sections,
    id: observationId(context.site, sections),
    site: context.site,
    agent: context.agent,
    observedAt: (context.now?.() ?? new Date()).toISOString(),
  };
  if (context.scanId !== undefined) observation.scanId = context.scanId;
  if (transport !== undefined) observation.transport = transport;
  if (interfaceName !== undefined) observation.interface = interfaceName;
  return observation;
}

/** Normalise a MAC in any common form (aa-bb-…, AABB.CCDD.EEFF, aa:bb:…) to lower-case colon form, or undefined. */
export function normaliseMac(raw: string | undefined | null): string | undefined {
  if (!raw) return undefined;
  const hex = raw.toLowerCase().replace(/[^0-9a-f]/g, '');
  if (hex.length !== 12) return undefined;
  return hex.match(/../g)!.join(':');
}
