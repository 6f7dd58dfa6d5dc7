// What every importer shares: other tools' output read line by line (so a million-line file streams in flat memory)
// into observations of the shared model, each with the line it came from. Pure: text in, observations out.
import type { Observation, ObservationSource, Transport } from '../model.js';
import { type ObservationInput, adoptObservation } from '../observation.js';

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

// The clock as ISO text, formatted once a millisecond: a lease file's million lines need not format it a million times.
let clockMs = -1;
let clockText = '';

function nowText(): string {
  const ms = Date.now();
  if (ms !== clockMs) {
    clockMs = ms;
    clockText = new Date(ms).toISOString();
  }
  return clockText;
}

/**
 * The input of a table row (a lease, a CSV line): what a DHCP server or an address list says of one address, members
 * in name order. Assigned one by one: an object spread together from optional parts (`{ ...host, ip, ...mac }`)
 * took four times as long to build, hash and store as the whole rest of the line.
 */
export function tableRowInput(source: ObservationSource, ip: string, mac: string | undefined, hostname: string | undefined): ObservationInput {
  const input = {} as ObservationInput;
  if (hostname) input.host = { hostname: cap(hostname) };
  input.ip = ip;
  if (mac) input.mac = mac;
  input.source = source;
  return input;
}

/**
 * The observation for `input` (a literal of the importer's own, adopted rather than copied), seen at `when` (the
 * input's own time) or now, arrived by `transport`. The line-format importers build `input` with its members in
 * name order, so its id is hashed from JSON.stringify's text (adoptObservation checks the order; any input that is
 * not in it, nmap's, takes the general path to the same id).
 */
export function observe(input: ObservationInput, context: ImportContext, when?: Date, transport?: Transport): Observation {
  const at = when && !Number.isNaN(when.getTime()) ? when : undefined;
  const observedAt = at ? at.toISOString() : context.now ? context.now().toISOString() : nowText();
  const observation = adoptObservation(input, { site: context.site, agent: context.agent, scanId: context.scanId, observedAt, plainJsonInCodeUnitOrder: true });
  if (transport !== undefined) observation.transport = transport;
  return observation;
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
