// Which format a file is in, from its first lines. Pure and cheap: the CLI hands it the first 64 KiB.
import { isWindowsDhcpHeader, csvColumns } from './csv.js';
import { headerRoles } from './switch-table.js';
import type { ImportFormat } from './types.js';

/** How much of the input detection reads. */
export const DETECT_CHARS = 64 * 1024;

export function detectFormat(head: string): ImportFormat | undefined {
  const text = head.replace(/^\uFEFF/, '');
  const lines = text.split('\n').map((line) => line.replace(/\r$/, '')).filter((line) => line.trim() !== '');
  if (lines.length === 0) return undefined;
  const start = text.trimStart();
  if (/^(?:<\?xml[^>]*\?>\s*)?(?:<!DOCTYPE nmaprun>\s*)?(?:<\?xml-stylesheet[^>]*\?>\s*)?(?:<!--[^]*?-->\s*)*<nmaprun[\s>]/.test(start)) return 'nmap-xml';
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
