// What every importer shares: other tools' output read line by line (so a million-line file streams in flat memory)
// into observations of the shared model, each with the line it came from. Pure: text in, observations out.
import type { Observation } from '../model.js';
import { type ObservationInput, createObservation } from '../observation.js';

export const IMPORT_FORMATS = ['nmap-xml', 'switch-mac-table', 'isc-dhcpd-leases', 'dnsmasq-leases', 'windows-dhcp-csv', 'csv', 'jsonl'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export interface ImportContext {
  site: string;
  agent: string;
  scanId?: string;
  /** Injected for tests; defaults to the wall clock. Used when the input says nothing of when it was seen. */
  now?: () => Date;
  /** The switch a MAC address table came from, when the table itself does not name it (its prompt usually does). */
  switchName?: string;
}

export type ImportItem = { ok: true; line: number; observation: Observation } | { ok: false; line: number; reason: string };

/** A streaming reader of one format: fed every line in order, then told the input has ended. */
export interface LineImporter {
  readonly format: ImportFormat;
  line(text: string, number: number): ImportItem[];
  end(): ImportItem[];
}

export const NONE: ImportItem[] = [];

/** Longest value kept from another tool's text: names, banners and titles are short; anything longer is cut. */
export const VALUE_CAP = 1024;

export function cap(value: string): string {
  return value.length > VALUE_CAP ? value.slice(0, VALUE_CAP) : value;
}

/** The observation for `input`, seen at `when` (the input's own time) or now. */
export function observe(input: ObservationInput, context: ImportContext, when?: Date): Observation {
  const at = when && !Number.isNaN(when.getTime()) ? when : undefined;
  return createObservation(input, { site: context.site, agent: context.agent, ...(context.scanId ? { scanId: context.scanId } : {}), ...(at ? { now: () => at } : context.now ? { now: context.now } : {}) });
}

/** Every item of a whole text, for tests and small inputs: the same reader the CLI streams through. */
export function importText(importer: LineImporter, text: string): ImportItem[] {
  const items: ImportItem[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (index === lines.length - 1 && line === '') return;
    items.push(...importer.line(line.endsWith('\r') ? line.slice(0, -1) : line, index + 1));
  });
  items.push(...importer.end());
  return items;
}
