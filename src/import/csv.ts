// CSV with a header line naming its columns (RFC 4180 quoting; comma, semicolon or tab separated):
//   plain CSV:           ip, mac, hostname (and common spellings: "IP Address", "MAC Address", "Host Name", …)
//   Windows DHCP server: PowerShell `Get-DhcpServerv4Lease | Export-Csv` (IPAddress, ClientId, HostName, after a
//                        "#TYPE …" line) and the DHCP console's "Export List" (Client IP Address, Name, Unique ID)
import { isIP } from 'node:net';
import { type ImportContext, type ImportFormat, type ImportItem, type LineImporter, NONE, cap, observe, tableRowInput } from './types.js';
import { macValue } from './mac.js';

type Column = 'ip' | 'mac' | 'hostname';

const ALIASES: Record<Column, readonly string[]> = {
  ip: ['ip', 'ipaddress', 'ipv4address', 'address', 'clientipaddress', 'ipaddr', 'host_ip'],
  mac: ['mac', 'macaddress', 'clientid', 'uniqueid', 'hardwareaddress', 'physicaladdress', 'hwaddress', 'macaddr'],
  hostname: ['hostname', 'host', 'name', 'dnsname', 'clientname', 'devicename'],
};

/** Longest record read, in lines: a quoted field may hold line breaks, but not thousands of them. */
const MAX_RECORD_LINES = 16;

const compact = (name: string): string => name.trim().toLowerCase().replace(/[\s_.-]+/g, '');

/** The fields of one record; undefined when a quoted field is still open at the end of `text`. */
export function splitCsvRecord(text: string, separator: string): string[] | undefined {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"' && field.trim() === '') {
      field = '';
      quoted = true;
    } else if (char === separator) {
      fields.push(field.trim());
      field = '';
    } else field += char;
  }
  if (quoted) return undefined;
  fields.push(field.trim());
  return fields;
}

function separatorOf(header: string): string {
  const counts = [',', ';', '\t'].map((separator) => [separator, header.split(separator).length] as const);
  return counts.sort((a, b) => b[1] - a[1])[0]![0];
}

/** Which column holds ip, mac and hostname, from a header line; undefined when it names no ip and no mac column. */
export function csvColumns(header: string): { separator: string; columns: Partial<Record<Column, number>> } | undefined {
  const separator = separatorOf(header);
  const names = splitCsvRecord(header, separator)?.map(compact);
  if (!names) return undefined;
  const columns: Partial<Record<Column, number>> = {};
  for (const column of ['ip', 'mac', 'hostname'] as const) {
    const index = names.findIndex((name) => ALIASES[column].includes(name));
    if (index >= 0) columns[column] = index;
  }
  return columns.ip !== undefined || columns.mac !== undefined ? { separator, columns } : undefined;
}

/** True when a header is a Windows DHCP server's lease export (PowerShell or the DHCP console). */
export function isWindowsDhcpHeader(header: string): boolean {
  const names = (splitCsvRecord(header, separatorOf(header)) ?? []).map(compact);
  return (names.includes('ipaddress') && names.includes('clientid') && names.includes('scopeid')) || (names.includes('clientipaddress') && names.includes('uniqueid'));
}

export function createCsvImporter(context: ImportContext, format: Extract<ImportFormat, 'csv' | 'windows-dhcp-csv'> = 'csv'): LineImporter {
  let layout: ReturnType<typeof csvColumns>;
  let pending = '';
  let pendingLines = 0;
  let pendingStart = 0;
  const source = format === 'windows-dhcp-csv' ? 'dhcp' : 'csv';
  return {
    format,
    line(text, number): ImportItem[] {
      if (pendingLines === 0) {
        if (text.trim() === '' || text.startsWith('#TYPE') || (!layout && text.startsWith('#'))) return NONE;
        pendingStart = number;
      }
      const record = pendingLines > 0 ? `${pending}\n${text}` : text;
      if (!layout) {
        layout = csvColumns(record);
        return layout ? NONE : [{ ok: false, line: number, reason: 'the first line must be a header naming an ip or mac column' }];
      }
      const fields = splitCsvRecord(record, layout.separator);
      if (!fields) {
        pendingLines += 1;
        pending = record;
        if (pendingLines < MAX_RECORD_LINES) return NONE;
        pending = '';
        pendingLines = 0;
        return [{ ok: false, line: pendingStart, reason: `a quoted field is not closed within ${MAX_RECORD_LINES} lines` }];
      }
      pending = '';
      pendingLines = 0;
      const { columns } = layout;
      const ipText = columns.ip !== undefined ? (fields[columns.ip] ?? '') : '';
      const macText = columns.mac !== undefined ? (fields[columns.mac] ?? '') : '';
      const hostname = columns.hostname !== undefined ? fields[columns.hostname] : undefined;
      if (ipText !== '' && isIP(ipText) === 0) return [{ ok: false, line: pendingStart, reason: `"${cap(ipText).slice(0, 80)}" is not an IP address` }];
      const mac = macText !== '' ? macValue(macText) : undefined;
      // A DHCP client id that is not a MAC (a DUID, a name) is not an error: the address still counts.
      if (macText !== '' && !mac && format === 'csv') return [{ ok: false, line: pendingStart, reason: `"${cap(macText).slice(0, 80)}" is not a MAC address` }];
      if (ipText === '' && !mac) return [{ ok: false, line: pendingStart, reason: 'neither an IP address nor a MAC address' }];
      return [{ ok: true, line: pendingStart, observation: observe(tableRowInput(source, ipText, mac, hostname), context, undefined, 'table') }];
    },
    end(): ImportItem[] {
      return pendingLines > 0 ? [{ ok: false, line: pendingStart, reason: 'a quoted field is not closed at the end of the input' }] : NONE;
    },
  };
}
