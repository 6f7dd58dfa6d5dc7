// Which format a file is in, from its first lines. Pure and cheap: the CLI hands it the first 64 KiB.
import { isWindowsDhcpHeader, csvColumns } from './csv.js';
import { headerRoles } from './switch-table.js';
import type { ImportFormat } from './types.js';

/** How much of the input detection reads. */
export const DETECT_CHARS = 64 * 1024;

/** Index of the first non-whitespace character at or after `index`. */
function skipSpace(text: string, index: number): number {
  while (index < text.length && /\s/.test(text[index]!)) index += 1;
  return index;
}

/** After a `<?xml…?>`-style instruction starting with `opening` at `index`: the index past it and its whitespace. */
function skipInstruction(text: string, index: number, opening: string): number {
  if (!text.startsWith(opening, index)) return index;
  const close = text.indexOf('>', index + opening.length);
  return close > 0 && text[close - 1] === '?' ? skipSpace(text, close + 1) : index;
}

/**
 * Whether `text` opens an nmap XML document: an optional XML declaration, `<!DOCTYPE nmaprun>` and stylesheet, any
 * comments, then `<nmaprun`. A scan rather than one regex: a lazy comment body between `\s*` runs backtracks
 * polynomially on a head of many comments.
 */
function opensNmapRun(text: string): boolean {
  let index = skipInstruction(text, 0, '<?xml');
  if (text.startsWith('<!DOCTYPE nmaprun>', index)) index = skipSpace(text, index + '<!DOCTYPE nmaprun>'.length);
  index = skipInstruction(text, index, '<?xml-stylesheet');
  const opensAt = (at: number): boolean => text.startsWith('<nmaprun', at) && at + 8 < text.length && /[\s>]/.test(text[at + 8]!);
  if (opensAt(index)) return true;
  if (!text.startsWith('<!--', index)) return false;
  // Comments in a row read as one that ends at some `-->` followed by `<nmaprun`, as the regex this replaces did.
  for (let end = text.indexOf('-->', index + 4); end !== -1; end = text.indexOf('-->', end + 1)) {
    if (opensAt(skipSpace(text, end + 3))) return true;
  }
  return false;
}

export function detectFormat(head: string): ImportFormat | undefined {
  const text = head.replace(/^\uFEFF/, '');
  const lines = text.split('\n').map((line) => line.replace(/\r$/, '')).filter((line) => line.trim() !== '');
  if (lines.length === 0) return undefined;
  const start = text.trimStart();
  if (opensNmapRun(start)) return 'nmap-xml';
  if (start.startsWith('{')) return 'jsonl';
  // dhcpd.leases(5): comments, then `lease`, `server-duid`, `failover`, `host` or `authoring-byte-order` statements.
  const statements = lines.filter((line) => !line.trimStart().startsWith('#'));
  if (statements.some((line) => /^lease\s+\S+\s*\{/.test(line.trim())) && statements.every((line) => !/^\d{9,}\s/.test(line))) return 'isc-dhcpd-leases';
  if (statements.length > 0 && statements.every((line) => /^(?:\d+\s+\S+\s+\S+\s+\S+(?:\s+\S+)?|duid\s+\S+)\s*$/.test(line.trim()))) return 'dnsmasq-leases';
  if (lines.some((line) => headerRoles(line) !== undefined)) return 'switch-mac-table';
  const header = statements.find((line) => !line.startsWith('#TYPE'));
  if (header && isWindowsDhcpHeader(header)) return 'windows-dhcp-csv';
  if (header && csvColumns(header)) return 'csv';
  return undefined;
}
