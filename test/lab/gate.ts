import { labAvailable } from './lab.js';

/**
 * Whether a lab test file runs. Off a machine that can build the lab (not root, no iproute2) it is skipped with a
 * loud line; in CI (CI set) it always runs, so an unavailable lab fails there instead of passing silently.
 */
export function labGate(suite: string): boolean {
  const availability = labAvailable();
  const inCi = Boolean(process.env.CI) && process.env.CI !== 'false';
  const run = availability.ok || inCi;
  if (!run) process.stderr.write(`\n!!! ${suite} LAB TESTS SKIPPED: ${availability.ok ? '' : availability.reason}\n\n`);
  return run;
}
