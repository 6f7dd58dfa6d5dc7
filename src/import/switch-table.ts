// Switch MAC address tables as the common switch families print them. One row: a MAC, the VLAN and the port the
// switch learnt it on. Columns are found from the header line, whose names differ by family:
//   Cisco IOS / IOS-XE `show mac address-table`:   Vlan  Mac Address  Type  Ports
//   Cisco NX-OS `show mac address-table`:          VLAN  MAC Address  Type  age  Secure  NTFY  Ports   (rows start with a flag: * + G)
//   HPE ProCurve / Aruba-OS `show mac-address`:    MAC Address  Port  VLAN
//   HPE Comware / H3C `display mac-address`:       MAC ADDR  VLAN ID  STATE  PORT INDEX  AGING TIME(s)
//   Huawei VRP `display mac-address`:              MAC Address  VLAN/VSI/SI  PE-VLAN  CE-VLAN  Port  Type  LSP/LSR-ID
//   Juniper `show ethernet-switching table`:       Vlan name  MAC address  MAC flags  Age  Logical interface  NH Index  RTR ID  (ELS)
//                                                  VLAN  MAC address  Type  Age  Interfaces  (older, non-ELS)
// The README lists each with the public document it was taken from; samples are in test/fixtures/import.
import type { SwitchPortSection } from '../model.js';
import { type ImportContext, type ImportItem, type LineImporter, NONE, cap, observe } from './types.js';
import { isGroupMac, macToken } from './mac.js';

type Role = 'vlan' | 'mac' | 'port' | 'other';

// Multi-word column names, read as one column each (longest first, so "mac address" wins over "mac").
const PHRASES: readonly [RegExp, Role][] = [
  [/^mac\s+(?:address|addr)\b/i, 'mac'],
  [/^vlan\s+(?:id|name)\b/i, 'vlan'],
  [/^port\s+index\b/i, 'port'],
  [/^logical\s+interface\b/i, 'port'],
  [/^destination\s+(?:port|address)\b/i, 'port'],
  [/^aging\s+time\(s\)/i, 'other'],
  [/^mac\s+flags\b/i, 'other'],
  [/^nh\s+index\b/i, 'other'],
  [/^rtr\s+id\b/i, 'other'],
  [/^left\s+time\(s\)/i, 'other'],
];

function roleOfWord(word: string): Role {
  const lower = word.toLowerCase();
  if (lower === 'mac') return 'mac';
  if (lower === 'vlan' || lower.startsWith('vlan/') || lower === 'vid') return 'vlan';
  if (/^(?:ports?|interfaces?|logical|port\/.*|ports\/.*)$/.test(lower)) return 'port';
  return 'other';
}

/** The roles of a header line's columns, in order; undefined when the line is not a MAC table header. */
export function headerRoles(line: string): Role[] | undefined {
  if (!/\bmac\b/i.test(line) || !/\b(?:vlan|ports?|interfaces?)\b/i.test(line)) return undefined;
  const roles: Role[] = [];
  let rest = line.trim();
  while (rest.length > 0) {
    const phrase = PHRASES.find(([pattern]) => pattern.test(rest));
    const match = phrase ? phrase[0].exec(rest)! : /^\S+/.exec(rest)!;
    roles.push(phrase ? phrase[1] : roleOfWord(match[0]));
    rest = rest.slice(match[0].length).trimStart();
  }
  const macAt = roles.indexOf('mac');
  return macAt >= 0 && roles.length >= 2 ? roles : undefined;
}

// A CLI prompt in front of the command: "SW-FLOOR2#show mac address-table", "<HPE>display mac-address",
// "user@ex4300> show ethernet-switching table", "ProCurve Switch 2824# show mac-address".
const PROMPT = /^\s*(?:[\w.-]+@)?<?([\w.-]+(?: [\w.-]+)*?)(?:\(config[^)]*\))?[#>\]]\s*(?:show|display)\s+(?:mac|ethernet-switching)/i;

export function createSwitchTableImporter(context: ImportContext): LineImporter {
  let roles: Role[] | undefined;
  let switchName = context.switchName;
  return {
    format: 'switch-mac-table',
    line(text, number): ImportItem[] {
      const prompt = PROMPT.exec(text);
      if (prompt) {
        switchName = prompt[1];
        return NONE;
      }
      const tokens = text.trim().split(/\s+/);
      let macAt = -1;
      let mac: string | undefined;
      for (let index = 0; index < tokens.length && index < 4; index += 1) {
        mac = macToken(tokens[index]!);
        if (mac) {
          macAt = index;
          break;
        }
      }
      if (!mac) {
        roles = headerRoles(text) ?? roles;
        return NONE;
      }
      // A group address is the switch's flooding entry (Cisco's 0100.0ccc.cccc to the CPU), not a device.
      if (isGroupMac(mac)) return NONE;
      let vlan: string | undefined;
      let port: string | undefined;
      if (roles) {
        // Columns after the MAC are one token each; the VLAN before the MAC is the token just before it (NX-OS and
        // Catalyst 6500 rows start with a flag column the header has no name for).
        const headerMac = roles.indexOf('mac');
        roles.forEach((role, column) => {
          const token = column < headerMac ? (column === headerMac - 1 ? tokens[macAt - 1] : undefined) : tokens[macAt + (column - headerMac)];
          if (token === undefined || token === '-') return;
          if (role === 'vlan' && vlan === undefined) vlan = token;
          else if (role === 'port' && port === undefined) port = token;
        });
      }
      // Members in name order, as observe() takes them.
      const switchPort: SwitchPortSection = {};
      if (port) switchPort.port = cap(port);
      if (switchName) switchPort.switch = cap(switchName);
      if (vlan) switchPort.vlan = cap(vlan);
      return [{ ok: true, line: number, observation: observe({ ip: '', mac, source: 'switch', switchPort }, context, undefined, 'table') }];
    },
    end: () => NONE,
  };
}
