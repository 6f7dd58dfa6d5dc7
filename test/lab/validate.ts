// A tiny reader for JSON that arrives as `unknown` (profile files, device stdin). It collects every problem with the
// path it was found at, so a bad profile is reported in one go, e.g. `protocols.http.routes[2].status: expected …`.

export class JsonReader {
  readonly problems: string[] = [];

  problem(path: string, message: string): void {
    this.problems.push(`${path || '(root)'}: ${message}`);
  }

  object(value: unknown, path: string): Record<string, unknown> | undefined {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    this.problem(path, `expected an object, got ${describe(value)}`);
    return undefined;
  }

  string(value: unknown, path: string, pattern?: RegExp): string | undefined {
    if (typeof value !== 'string') {
      this.problem(path, `expected a string, got ${describe(value)}`);
      return undefined;
    }
    if (pattern && !pattern.test(value)) {
      this.problem(path, `${JSON.stringify(value)} does not match ${String(pattern)}`);
      return undefined;
    }
    return value;
  }

  optionalString(value: unknown, path: string, pattern?: RegExp): string | undefined {
    return value === undefined ? undefined : this.string(value, path, pattern);
  }

  boolean(value: unknown, path: string): boolean | undefined {
    if (typeof value === 'boolean') return value;
    this.problem(path, `expected true or false, got ${describe(value)}`);
    return undefined;
  }

  integer(value: unknown, path: string, min: number, max: number): number | undefined {
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    this.problem(path, `expected an integer ${min}..${max}, got ${describe(value)}`);
    return undefined;
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T | undefined {
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    this.problem(path, `expected one of ${allowed.join(', ')}, got ${describe(value)}`);
    return undefined;
  }

  array(value: unknown, path: string): unknown[] | undefined {
    if (Array.isArray(value)) return value;
    this.problem(path, `expected an array, got ${describe(value)}`);
    return undefined;
  }

  /** Reports keys the schema does not know, so a typo (`heders`) fails loudly instead of being ignored. */
  noExtraKeys(value: Record<string, unknown>, path: string, known: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) this.problem(path ? `${path}.${key}` : key, 'unknown key');
    }
  }
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
