// Reads the values a rule field addresses out of an Observation, without copying the observation.
import type { Observation } from '../model.js';
import { BODY_VALUE_CAP, VALUE_CAP } from './weights.js';

export interface FieldAccessor {
  field: string;
  root: string;
  segments: readonly string[];
  cap: number;
}

export function createFieldAccessor(field: string): FieldAccessor {
  const segments = field.split('.');
  return { field, root: segments[0] ?? '', segments, cap: field === 'http.body' ? BODY_VALUE_CAP : VALUE_CAP };
}

function scalarText(value: unknown, cap: number): string | undefined {
  if (typeof value === 'string') return value.length > cap ? value.slice(0, cap) : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

const NONE: readonly string[] = Object.freeze([]);

/** The values at the accessor's path: one for a scalar, one per element for an array, none when absent. */
export function fieldValues(observation: Observation, accessor: FieldAccessor): readonly string[] {
  let current: unknown = observation;
  for (const segment of accessor.segments) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return NONE;
    current = (current as Record<string, unknown>)[segment];
    if (current === undefined) return NONE;
  }
  if (Array.isArray(current)) {
    const values: string[] = [];
    for (const item of current) {
      const text = scalarText(item, accessor.cap);
      if (text !== undefined) values.push(text);
    }
    return values;
  }
  const text = scalarText(current, accessor.cap);
  return text === undefined ? NONE : [text];
}
