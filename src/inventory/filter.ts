import { CLOUD_STATES, type DeviceStatus } from '../model.js';
import { INVENTORY_LIMITS } from '../config.js';

// The device filter, declared once. The inventory's DeviceFilter type, the API's query schema (`GET /devices`,
// `/export.*`) and the CLI's flags (`camaudit devices`, `camaudit export`) are all derived from this table, so a
// filter added here appears in all three with the same name. The field names are the API's query parameters; the
// CLI spells them in kebab case (`seenSince` → `--seen-since`).

export const DEVICE_STATUSES: readonly DeviceStatus[] = ['found', 'planned', 'replaced', 'removed', 'exempt'];

export const MAX_FILTER_TEXT = INVENTORY_LIMITS.maxFilterChars;

export const DEVICE_FILTER_FIELDS = {
  vendor: { type: 'string', value: 'NAME', maxLength: MAX_FILTER_TEXT, description: 'hardware maker, case-insensitive (e.g. Hikvision)' },
  brand: { type: 'string', value: 'NAME', maxLength: MAX_FILTER_TEXT, description: 'name sold under, case-insensitive (e.g. LTS)' },
  covered: { type: 'boolean', description: 'only devices on the FCC Covered List family' },
  status: { type: 'choice', choices: DEVICE_STATUSES, description: 'replacement status' },
  site: { type: 'string', value: 'NAME', maxLength: MAX_FILTER_TEXT, description: 'site name, exact' },
  seenSince: { type: 'string', value: 'TIME', maxLength: 64, description: 'ISO date or time: last seen at or after it' },
  search: {
    type: 'string',
    value: 'TEXT',
    maxLength: MAX_FILTER_TEXT,
    description: 'case-insensitive text search over address, MAC, vendor, brand, model, serial, site, location, owner, notes',
  },
  alert: { type: 'boolean', description: 'only devices marked replaced or removed that were seen again' },
  via: { type: 'string', value: 'NVR_ID', maxLength: MAX_FILTER_TEXT, description: 'only the cameras behind this NVR (its device id)' },
  cloud: { type: 'choice', choices: CLOUD_STATES, description: 'vendor cloud (P2P) service: enabled, disabled or unknown' },
  advisory: { type: 'string', value: 'ID', maxLength: MAX_FILTER_TEXT, description: '"any": firmware in some advisory\'s range; "none": in none; or one advisory id' },
} as const;

export type DeviceFilterField = (typeof DEVICE_FILTER_FIELDS)[keyof typeof DEVICE_FILTER_FIELDS];

type FilterValue<F> = F extends { type: 'boolean' } ? boolean : F extends { choices: readonly (infer C)[] } ? C : string;

/** Every field optional; an absent field does not filter. */
export type DeviceFilter = { -readonly [K in keyof typeof DEVICE_FILTER_FIELDS]?: FilterValue<(typeof DEVICE_FILTER_FIELDS)[K]> };

/** The filter's own fields out of a wider object (an API query, parsed CLI values), undefined ones left out. */
export function pickDeviceFilter(source: Partial<Record<keyof DeviceFilter, unknown>>): DeviceFilter {
  const filter: Record<string, unknown> = {};
  for (const key of Object.keys(DEVICE_FILTER_FIELDS) as (keyof DeviceFilter)[]) {
    if (source[key] !== undefined) filter[key] = source[key];
  }
  return filter as DeviceFilter;
}
