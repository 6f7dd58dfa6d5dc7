// Reads the values a rule field addresses out of an Observation, without copying the observation.
import type { Observation } from '../model.js';
import { BODY_VALUE_CAP, VALUE_CAP } from './weights.js';

export interface FieldAccessor {
  field: string;
  root: string;
  /** The path below the root section (`headers`, `server` for `http.headers.server`). */
  segments: readonly string[];
  cap: number;
}

export function createFieldAccessor(field: string): FieldAccessor {
  const [root = '', ...segments] = field.split('.');
  return { field, root, segments, cap: field === 'http.body' ? BODY_VALUE_CAP : VALUE_CAP };
}

function scalarText(value: unknown, cap: number): string | undefined {
  if (typeof value === 'string') return value.length > cap ? value.slice(0, cap) : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * The value at the accessor's path inside its root section: a string for a scalar, a list for an array (one
 * value per element), undefined when absent. A scalar is returned bare so the common case allocates nothing.
 */
export function sectionValue(section: unknown, accessor: FieldAccessor): string | readonly string[] | undefined {
  let current = section;
  for (const segment of accessor.segments) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
    if (current === undefined) return undefined;
  }
  if (!Array.isArray(current)) return scalarText(current, accessor.cap);
  const values: string[] = [];
  for (const item of current) {
    const text = scalarText(item, accessor.cap);
    if (text !== undefined) values.push(text);
  }
  return values;
}

/** The values at the accessor's path: one for a scalar, one per element for an array, none when absent. */
export function fieldValues(observation: Observation, accessor: FieldAccessor): readonly string[] {
  const value = sectionValue((observation as unknown as Record<string, unknown>)[accessor.root], accessor);
  if (value === undefined) return NONE;
  return typeof value === 'string' ? [value] : value;
}
