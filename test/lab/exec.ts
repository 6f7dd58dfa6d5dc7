// Running the lab's commands (ip, sysctl) with argv arrays, never a shell, and clear errors that include stderr.

import { spawn, spawnSync } from 'node:child_process';
import { COMMAND_TIMEOUT_MS } from './constants.js';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class LabError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LabError';
  }
}

export function runCommand(
  argv: string[],
  options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  const [command, ...args] = argv;
  if (!command) return Promise.reject(new LabError('empty command'));
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? COMMAND_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new LabError(`could not run ${command}: ${error.message}`, { cause: error }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });
    child.stdin.on('error', () => {
      // The command may exit before reading its input; its exit code and stderr say why, so nothing to add here.
    });
    child.stdin.end(options.input ?? '');
  });
}

export async function runChecked(argv: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const result = await runCommand(argv, options);
  if (result.code !== 0) {
    const inputNote = options.input ? `\ninput:\n${options.input}` : '';
    throw new LabError(`${argv.join(' ')} failed (exit ${String(result.code)}): ${result.stderr.trim()}${inputNote}`);
  }
  return result.stdout;
}

export function runCommandSync(argv: string[], input?: string): CommandResult {
  const [command, ...args] = argv;
  if (!command) return { code: null, stdout: '', stderr: 'empty command' };
  const result = spawnSync(command, args, { input: input ?? '', encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS });
  return { code: result.status, stdout: result.stdout ?? '', stderr: result.error ? result.error.message : (result.stderr ?? '') };
}

/** Runs `ip` commands, one per line, inside a namespace (or the root namespace for `netns add/del` only). */
export async function ipBatch(namespace: string | null, lines: string[]): Promise<void> {
  if (lines.length === 0) return;
  const argv = namespace ? ['ip', '-n', namespace, '-batch', '-'] : ['ip', '-batch', '-'];
  await runChecked(argv, { input: `${lines.join('\n')}\n` });
}
