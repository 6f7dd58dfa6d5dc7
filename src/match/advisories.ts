// Flags firmware that lies in the published affected range of a known, actively exploited flaw. This is a
// version comparison only: camaudit never sends an exploit request to find out.
import type { Advisory, FirmwareVersion } from '../model.js';
import { compareVersions, parseFirmware } from './firmware.js';
import type { AdvisoryInfo, AdvisoryRange } from './types.js';

/** -1, 0, 1 comparing versions, then build dates when both are known. */
function compareFirmware(device: FirmwareVersion, bound: FirmwareVersion): number | undefined {
  if (!device.version || !bound.version) return undefined;
  const byVersion = compareVersions(device.version, bound.version);
  if (byVersion !== 0 || !device.buildDate || !bound.buildDate) return byVersion;
  return device.buildDate < bound.buildDate ? -1 : device.buildDate > bound.buildDate ? 1 : 0;
}

function inRange(range: AdvisoryRange, firmware: FirmwareVersion): boolean {
  let checked = false;
  if (range.from) {
    const comparison = compareFirmware(firmware, range.fromVersion ?? parseFirmware(range.from));
    if (comparison === undefined || comparison < 0) return false;
    checked = true;
  }
  if (range.to) {
    const comparison = compareFirmware(firmware, range.toVersion ?? parseFirmware(range.to));
    if (comparison === undefined || comparison > 0) return false;
    checked = true;
  }
  if (range.buildFrom || range.buildBefore) {
    if (!firmware.buildDate) return false;
    if (range.buildFrom && firmware.buildDate < range.buildFrom) return false;
    if (range.buildBefore && firmware.buildDate >= range.buildBefore) return false;
    checked = true;
  }
  return checked;
}

function describeRange(range: AdvisoryRange): string {
  const parts: string[] = [];
  if (range.from || range.to) parts.push(`${range.from ?? 'any'} to ${range.to ?? 'any'}`);
  if (range.buildFrom) parts.push(`built from ${range.buildFrom}`);
  if (range.buildBefore) parts.push(`built before ${range.buildBefore}`);
  return parts.join(', ');
}

export function findAdvisories(advisories: readonly AdvisoryInfo[], vendor: string | null, model: string | null, firmware: FirmwareVersion | null): Advisory[] {
  if (!vendor || !model || !firmware) return [];
  const found: Advisory[] = [];
  for (const advisory of advisories) {
    if (advisory.vendor !== vendor) continue;
    const range = advisory.ranges.find((candidate) => candidate.modelRegex.test(model) && inRange(candidate, firmware));
    if (!range) continue;
    const qualifier = range.probable ? ` (probable: ${range.note ?? 'rule of thumb from the advisory'})` : range.note ? ` (${range.note})` : '';
    found.push({
      id: advisory.id,
      title: advisory.title,
      reason: `in affected range: firmware ${firmware.raw} on ${model} is within ${describeRange(range)} for ${range.series}${qualifier}${advisory.kev ? '; listed in CISA KEV' : ''}`,
      references: advisory.references,
    });
  }
  return found;
}
