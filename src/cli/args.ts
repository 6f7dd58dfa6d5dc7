import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CamauditError } from '../errors.js';

export type ParsedArgs = ReturnType<typeof parseArgs<ParseArgsConfig & { allowPositionals: true; strict: true }>>;

/** parseArgs with our error code: unknown flags are bad usage (exit 2), not a crash. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', error instanceof Error ? error.message : String(error));
  }
}

/** `--listen-window 3000` style numeric flags: a number or bad usage. */
export function numberFlag(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', `--${name} needs a non-negative number, got "${raw}"`);
  return value;
}
