// Other tools' output in: one reader per format (each a pure parser in its own file), chosen by name or detected.
import { createCsvImporter } from './csv.js';
import { createDnsmasqImporter } from './dnsmasq.js';
import { createIscDhcpdImporter } from './isc-dhcpd.js';
import { createJsonLinesImporter } from './jsonl.js';
import { createNmapImporter } from './nmap.js';
import { createSwitchTableImporter } from './switch-table.js';
import type { ImportContext, ImportFormat, LineImporter } from './types.js';

export { detectFormat, DETECT_CHARS } from './detect.js';
export { IMPORT_FORMATS, importText, type ImportContext, type ImportFormat, type ImportItem, type LineImporter } from './types.js';

export function createImporter(format: ImportFormat, context: ImportContext): LineImporter {
  switch (format) {
    case 'nmap-xml':
      return createNmapImporter(context);
    case 'switch-mac-table':
      return createSwitchTableImporter(context);
    case 'isc-dhcpd-leases':
      return createIscDhcpdImporter(context);
    case 'dnsmasq-leases':
      return createDnsmasqImporter(context);
    case 'windows-dhcp-csv':
      return createCsvImporter(context, 'windows-dhcp-csv');
    case 'csv':
      return createCsvImporter(context, 'csv');
    case 'jsonl':
      return createJsonLinesImporter(context);
  }
}
