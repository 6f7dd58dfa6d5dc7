// ISC dhcpd's lease database (dhcpd.leases(5)): `lease ADDRESS { … }` declarations, each with `hardware ethernet MAC;`,
// `client-hostname "NAME";`, `starts`/`ends`/`cltt` times (`W YYYY/MM/DD HH:MM:SS`, UTC) and a binding state. The file
// is a log: a lease renewed three times is written three times. Each declaration becomes one observation; the
// repeats of one lease hash to the same observation id, and the inventory keeps one.
import { isIP } from 'node:net';
import { type ImportContext, type ImportItem, type LineImporter, NONE, cap, observe, tableRowInput } from './types.js';
import { macValue } from './mac.js';

/** Longest lease declaration read, in lines: a real one has about a dozen. */
const MAX_DECLARATION_LINES = 200;

interface Lease {
  line: number;
  ip: string;
  lines: number;
  mac?: string;
  hostname?: string;
  when?: Date;
}

/** `starts 0 2019/10/20 09:58:13;` and the like: UTC, weekday first (dhcpd.leases(5) "DATES"). */
function leaseTime(value: string): Date | undefined {
  const match = /^\d\s+(\d{4})\/(\d{1,2})\/(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})$/.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as [number, number, number, number, number, number, number];
  const when = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return Number.isNaN(when.getTime()) ? undefined : when;
}

/** A quoted string of the lease file, octal escapes and \" decoded. */
function unquote(value: string): string {
  const inner = value.startsWith('"') && value.endsWith('"') && value.length >= 2 ? value.slice(1, -1) : value;
  return inner.replace(/\\([0-7]{3}|.)/g, (_, escaped: string) => (escaped.length === 3 ? String.fromCharCode(Number.parseInt(escaped, 8)) : escaped));
}

export function createIscDhcpdImporter(context: ImportContext): LineImporter {
  let lease: Lease | undefined;
  const finish = (): ImportItem[] => {
    const done = lease;
    lease = undefined;
    if (!done) return NONE;
    return [{ ok: true, line: done.line, observation: observe(tableRowInput('dhcp', done.ip, done.mac, done.hostname), context, done.when, 'table') }];
  };
  return {
    format: 'isc-dhcpd-leases',
    line(text, number): ImportItem[] {
      const statement = text.trim();
      const start = /^lease\s+(\S+)\s*\{/.exec(statement);
      if (start) {
        const unfinished = lease ? [{ ok: false as const, line: lease.line, reason: 'lease declaration without its closing }' }] : NONE;
        lease = undefined;
        if (isIP(start[1]!) === 0) return [...unfinished, { ok: false, line: number, reason: `lease address "${cap(start[1]!).slice(0, 80)}" is not an IP address` }];
        lease = { line: number, ip: start[1]!, lines: 0 };
        return unfinished;
      }
      if (!lease) return NONE;
      if (statement.startsWith('}')) return finish();
      lease.lines += 1;
      if (lease.lines > MAX_DECLARATION_LINES) {
        const line = lease.line;
        lease = undefined;
        return [{ ok: false, line, reason: `lease declaration longer than ${MAX_DECLARATION_LINES} lines` }];
      }
      const hardware = /^hardware\s+ethernet\s+([0-9a-fA-F:]+)\s*;/.exec(statement);
      if (hardware) lease.mac = macValue(hardware[1]!) ?? lease.mac;
      const hostname = /^client-hostname\s+("(?:[^"\\]|\\.)*")\s*;/.exec(statement);
      if (hostname) lease.hostname = unquote(hostname[1]!);
      // The last time the client was heard from (cltt) says when it was seen; starts is the next best.
      // One \s then [^;]+ (which takes any further spaces): the same statements as \s+[^;]+, without the overlap.
      const time = /^(cltt|starts)\s([^;]+);/.exec(statement);
      if (time && (time[1] === 'cltt' || lease.when === undefined)) lease.when = leaseTime(time[2]!.trim()) ?? lease.when;
      return NONE;
    },
    end(): ImportItem[] {
      if (!lease) return NONE;
      const line = lease.line;
      lease = undefined;
      return [{ ok: false, line, reason: 'lease declaration without its closing }' }];
    },
  };
}
