import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The directory holding package.json: works from src/ (tsx) and from dist/src/ (compiled). */
export function packageRoot(): string {
  if (cached) return cached;
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error('camaudit: package.json not found above ' + fileURLToPath(import.meta.url));
    directory = parent;
  }
  cached = directory;
  return directory;
}
