// MAC vendor look-ups against the IEEE registry shipped in oui-data, so every emulated device carries a MAC whose OUI
// really belongs to the maker it imitates (the fingerprint rules read OUIs; a made-up prefix would test nothing).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

let registry: Record<string, string> | undefined;

function loadRegistry(): Record<string, string> {
  if (registry) return registry;
  const path = createRequire(import.meta.url).resolve('oui-data');
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`oui-data at ${path} is not a JSON object`);
  registry = parsed as Record<string, string>;
  return registry;
}

/** Organisation name (first line of the IEEE entry) for a MAC's 24-bit OUI, or undefined when unassigned. */
export function ouiOrganisation(mac: string): string | undefined {
  const oui = mac.replace(/[^0-9a-fA-F]/g, '').slice(0, 6).toUpperCase();
  const entry = loadRegistry()[oui];
  return typeof entry === 'string' ? entry.split('\n')[0] : undefined;
}
