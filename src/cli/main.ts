#!/usr/bin/env node
import { CamauditError } from '../errors.js';
import { COMMANDS, overviewHelp } from './commands/index.js';
import { terminalSafe } from './text.js';

// Exit codes (README "Exit codes"): 0 success (also when nothing is found), 1 failure, 2 bad usage,
// 3 --fail-on-covered and a covered device was found, 130 interrupted.

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${await overviewHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    process.stdout.write(`${(await import('../version.js')).VERSION}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`camaudit: unknown command "${name}"\n\n${await overviewHelp()}\n`);
    return 2;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.help()}\n`);
    return 0;
  }
  return command.run(rest);
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CamauditError) return error.code === 'CAMAUDIT_ERR_BAD_USAGE' || error.code === 'CAMAUDIT_ERR_BAD_CIDR' ? 2 : 1;
  return 1;
}

function isBrokenPipe(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === 'EPIPE';
}

// `camaudit devices --json | head`: the reader went away. That ends the command quietly, as it does for cat.
process.stdout.on('error', (error) => {
  if (!isBrokenPipe(error)) throw error;
  process.exit(process.exitCode ?? 0);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (isBrokenPipe(error)) return;
    // A CamauditError's message can quote a device's or a file's text: escaped like everything a terminal shows.
    const message = error instanceof CamauditError ? `${error.code}: ${terminalSafe(error.message, 2000)}` : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`camaudit: ${message}\n`);
    process.exitCode = exitCodeFor(error);
  },
);
