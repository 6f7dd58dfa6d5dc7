import { DEVICE_FILTER_FIELDS, pickDeviceFilter, type DeviceFilter } from '../inventory/index.js';
import type { OptionSpec, OptionValues } from './command.js';

// The device filter's CLI flags, derived from its one declaration (src/inventory/filter.ts): `seenSince` becomes
// `--seen-since`. `--alerts` is the older spelling of `--alert`.

type Kebab<S extends string> = S extends `${infer Head}${infer Tail}` ? `${Head extends Lowercase<Head> ? Head : `-${Lowercase<Head>}`}${Kebab<Tail>}` : S;
type FilterKey = keyof typeof DEVICE_FILTER_FIELDS;
type FilterOptions = { [K in FilterKey as Kebab<K>]: (typeof DEVICE_FILTER_FIELDS)[K] & { aliases?: readonly string[] } };

const kebab = (name: string): string => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

export const DEVICE_FILTER_OPTIONS = Object.fromEntries(
  Object.entries(DEVICE_FILTER_FIELDS).map(([name, field]) => [kebab(name), name === 'alert' ? { ...field, aliases: ['alerts'] } : field]),
) as FilterOptions satisfies Record<string, OptionSpec>;

/** Parsed CLI values → the inventory's filter. */
export function filterOfOptions(values: Partial<OptionValues<FilterOptions>>): DeviceFilter {
  const byField = Object.fromEntries(Object.keys(DEVICE_FILTER_FIELDS).map((name) => [name, (values as Record<string, unknown>)[kebab(name)]]));
  return pickDeviceFilter(byField);
}
