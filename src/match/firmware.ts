// Firmware version strings → { version, buildDate }. The build date is the most useful key for advisories:
// Hikvision writes it as YYMMDD after "build", Dahua as YYYY-MM-DD after "build:".
import type { FirmwareVersion } from '../model.js';

const HIKVISION_STYLE = /^V?(\d+(?:\.\d+){1,3})\s*(?:,\s*)?build\s*(?::\s*)?(\d{6})(?!\d)/i;
const DATED_BUILD = /^V?(\d+(?:\.\d+)+)(?:\.[A-Z])?\s*,\s*build\s*(?::\s*)?(\d{4})-(\d{2})-(\d{2})/i;
const FILE_NAME_STYLE = /(?:^|_)V?(\d+\.\d+\.\d+)_(\d{6})$/i;
const EIGHT_DIGIT_DATE = /^V?(\d+(?:\.\d+)+)_(\d{8})(?:_|$)/i;
const PLAIN = /^[Vv]?(\d+(?:\.\d+)+)/;

function isoDate(year: number, month: number, day: number): string | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31 || year < 1990 || year > 2099) return undefined;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** YYMMDD as firmware writes it: years 90-99 are the 1990s, the rest this century. */
export function dateFromYymmdd(digits: string): string | undefined {
  const yy = Number(digits.slice(0, 2));
  return isoDate(yy >= 90 ? 1900 + yy : 2000 + yy, Number(digits.slice(2, 4)), Number(digits.slice(4, 6)));
}

// Tried in order; each gives the version and, from the rest of the match, the build date.
const DATED_FORMATS: readonly [RegExp, (match: RegExpExecArray) => string | undefined][] = [
  [HIKVISION_STYLE, (match) => dateFromYymmdd(match[2]!)],
  [DATED_BUILD, (match) => isoDate(Number(match[2]), Number(match[3]), Number(match[4]))],
  [FILE_NAME_STYLE, (match) => dateFromYymmdd(match[2]!)],
  [EIGHT_DIGIT_DATE, (match) => isoDate(Number(match[2]!.slice(0, 4)), Number(match[2]!.slice(4, 6)), Number(match[2]!.slice(6, 8)))],
];

export function parseFirmware(raw: string): FirmwareVersion {
  const text = raw.trim();
  const result: FirmwareVersion = { raw: text };
  for (const [pattern, buildDateOf] of DATED_FORMATS) {
    const match = pattern.exec(text);
    if (!match) continue;
    result.version = match[1]!;
    const buildDate = buildDateOf(match);
    if (buildDate) result.buildDate = buildDate;
    return result;
  }
  const plain = PLAIN.exec(text);
  if (plain) result.version = plain[1]!;
  return result;
}

/** Numeric comparison of dotted versions: 5.5.10 > 5.5.9; missing parts count as 0. */
export function compareVersions(left: string, right: string): number {
  const a = left.split('.').map(Number);
  const b = right.split('.').map(Number);
  for (let index = 0; index < Math.max(a.length, b.length); index += 1) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}
