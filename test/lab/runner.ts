// How device processes are started. Under tsx each Node process spends ~0.4 s of CPU loading the TypeScript loader,
// which adds up to seconds for a dozen devices on two cores; so the lab bundles the runner and every responder into
// one plain ES module with esbuild (already installed as tsx's engine) once per lab, and each device starts from
// that. CAMAUDIT_LAB_RUNNER=tsx runs the sources directly instead (slower, handy when debugging a responder).

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError } from './exec.js';

export const DEVICE_DIR = fileURLToPath(new URL('./device/', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(DEVICE_DIR, 'main.ts');

/** Protocols a profile may name: one module per file in device/responders/. */
export function availableResponders(): string[] {
  return readdirSync(join(DEVICE_DIR, 'responders'))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => file.slice(0, -'.ts'.length))
    .sort();
}

export async function prepareRunner(tempDir: string): Promise<string[]> {
  if (process.env.CAMAUDIT_LAB_RUNNER === 'tsx') return [process.execPath, '--import', 'tsx', MAIN];
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (error) {
    throw new LabError(`esbuild is not installed (it comes with tsx); set CAMAUDIT_LAB_RUNNER=tsx to run without it: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const outfile = join(tempDir, 'device-runner.mjs');
  await esbuild.build({
    entryPoints: [MAIN],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'silent',
    // Bundled CommonJS packages call require() for Node built-ins; give the ES module a require to call.
    banner: { js: "import { createRequire as __labCreateRequire } from 'node:module'; const require = __labCreateRequire(import.meta.url);" },
  });
  return [process.execPath, outfile];
}
