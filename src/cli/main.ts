#!/usr/bin/env node
import { CamauditError } from '../errors.js';
import type { Command } from './command.js';

// Exit codes (README "Exit codes"): 0 success (also when nothing is found), 1 failure, 2 bad usage,
// 3 --fail-on-covered and a covered device was found, 130 interrupted.
const COMMANDS: Record<string, () => Promise<Command>> = {
  scan: async () => (await import('./commands/scan.js')).scanCommand,
  serve: async () => (await import('./commands/serve.js')).serveCommand,
  export: async () => (await import('./commands/export.js')).exportCommand,
  identify: async () => (await import('./commands/identify.js')).identifyCommand,
  devices: async () => (await import('./commands/devices.js')).devicesCommand,
  device: async () => (await import('./commands/device.js')).deviceCommand,
  scans: async () => (await import('./commands/scans.js')).scansCommand,
  diff: async () => (await import('./commands/diff.js')).diffCommand,
};

const USAGE = `camaudit: find network cameras, tell which are Hikvision or Dahua hardware under any brand.

Usage:
  camaudit scan --cidr RANGE [--cidr RANGE...] [--interface NAME...] [--db FILE] [--json] [--channels LIST]
  camaudit serve [--db FILE] [--host 127.0.0.1] [--port 7370] [--token TOKEN] [--allow-cidr RANGE...] [--scan-every 1h]
  camaudit export --format csv|json|jsonl|xlsx [--db FILE] [--out FILE] [--bom]
  camaudit identify [FILE|-]           offline matcher: observations (JSON Lines) in, identifications out
  camaudit devices [--db FILE] [--json] [--covered] [--vendor NAME]
  camaudit device ID [--status S --reason R] [--site S] [--location L] [--owner O] [--notes N] [--db FILE]
  camaudit scans [--db FILE] [--json]
  camaudit diff [SCAN_A] [SCAN_B] [--db FILE] [--json]

Run "camaudit COMMAND --help" for a command's options. Logs go to stderr (CAMAUDIT_LOG_LEVEL=info|debug).`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    process.stdout.write(`${(await import('../version.js')).VERSION}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`camaudit: unknown command "${name}"\n\n${USAGE}\n`);
    return 2;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  return command.run(rest);
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CamauditError) return error.code === 'CAMAUDIT_ERR_BAD_USAGE' || error.code === 'CAMAUDIT_ERR_BAD_CIDR' ? 2 : 1;
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof CamauditError ? `${error.code}: ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`camaudit: ${message}\n`);
    process.exitCode = exitCodeFor(error);
  },
);
