// One lab per test file: the gate, startLab/stop, a work directory and the built CLI run in the scanner namespace,
// so each lab suite states only its devices and its assertions.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { CommandResult } from '../exec.js';
import { labGate } from '../gate.js';
import { startLab, type Lab, type LabDevice, type LabOptions } from '../lab.js';
import { REPO_ROOT } from '../runner.js';

/** The CLI as a user runs it (`npm run build` makes it; `npm test` builds before vitest). */
export const CAMAUDIT_CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

export interface UseLabOptions extends LabOptions {
  /** The suite runs the built CLI: fail before the lab starts when dist/ is missing. */
  cli?: boolean;
  /** Time for startLab (beforeAll). Default 120 s. */
  startTimeoutMs?: number;
  /** Time for stop (afterAll). Default 60 s. */
  stopTimeoutMs?: number;
}

export interface CamauditOptions {
  /** Kill after this long (default: runInScanner's, 60 s). */
  timeoutMs?: number;
  /** Node options before the CLI's path, e.g. `['--import', preload]`. */
  nodeArgs?: string[];
}

/** The started lab, plus what suites kept writing for themselves. Read it inside hooks and tests, not at load. */
export interface LabSuite extends Lab {
  /** The gate: false off a machine that can build the lab (skip line printed), always true in CI. */
  readonly enabled: boolean;
  /** How long startLab took, in ms. */
  readonly startMs: number;
  /** The device of that name; throws when the lab has none. */
  device(name: string): LabDevice;
  /** The scanner's interface on the device's segment (undefined for routed devices). */
  scannerInterfaceOf(device: LabDevice): string | undefined;
  /** Devices whose profile has a `protocol` section, on the given segments (default: all). */
  devicesWith(protocol: string, segments?: readonly LabDevice['segment'][]): LabDevice[];
  /** A path in this suite's work directory (made on first use, removed after the suite). */
  workPath(name: string): string;
  /** Runs `node dist/src/cli/main.js ...args` in the scanner namespace; resolves whatever the exit code. */
  runCamaudit(args: string[], options?: CamauditOptions): Promise<CommandResult>;
  /** The same, but throws on a non-zero exit (with the command and the end of its stderr); resolves with stdout. */
  camaudit(args: string[], options?: CamauditOptions): Promise<string>;
  /** Starts the CLI as a long-running process in the scanner namespace (killed by stop()). */
  spawnCamaudit(args: string[]): ReturnType<Lab['spawnInScanner']>;
}

const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;
/** Characters of a failed command's stderr kept in the error. */
const STDERR_TAIL_CHARS = 4000;

/**
 * Registers the lab of a test file: call it once at the top of the file and gate the describe with `enabled`.
 * beforeAll hooks run in the order they are registered, so a suite's own beforeAll after this one sees the lab.
 *
 * ```ts
 * const lab = useLab('SSDP', { profiles: ['router', 'axis-cam'], twoSegmentScanner: true });
 *
 * describe.runIf(lab.enabled)('ssdp channel in the lab', () => {
 *   it('finds the Axis camera', async () => {
 *     const run = await runChannel(lab, ['ssdp'], { listenWindowMs: LISTEN_WINDOW_MS });
 *     expect(run.observations.map((observation) => observation.ip)).toContain(lab.device('axis-cam').ip);
 *   });
 * });
 * ```
 */
export function useLab(suite: string, options: UseLabOptions = {}): LabSuite {
  const { cli, startTimeoutMs = START_TIMEOUT_MS, stopTimeoutMs = STOP_TIMEOUT_MS, ...labOptions } = options;
  const enabled = labGate(suite);
  let started: Lab | undefined;
  let startMs = -1;
  let workDirectory: string | undefined;

  const current = (): Lab => {
    if (!started) throw new Error(`${suite}: the lab is not running (use it inside tests and hooks registered after useLab)`);
    return started;
  };
  const cliArgv = (args: string[], nodeArgs: string[] = []) => [process.execPath, ...nodeArgs, CAMAUDIT_CLI, ...args];

  beforeAll(async () => {
    if (cli && !existsSync(CAMAUDIT_CLI)) throw new Error(`${CAMAUDIT_CLI} is missing: run "npm run build" first (npm test does)`);
    const begin = performance.now();
    started = await startLab(labOptions);
    startMs = performance.now() - begin;
  }, startTimeoutMs);

  afterAll(async () => {
    try {
      await started?.stop();
    } finally {
      if (workDirectory) rmSync(workDirectory, { recursive: true, force: true });
    }
  }, stopTimeoutMs);

  const suiteLab: LabSuite = {
    enabled,
    get startMs() {
      return startMs;
    },
    get prefix() {
      return current().prefix;
    },
    get scannerNamespace() {
      return current().scannerNamespace;
    },
    get tempDir() {
      return current().tempDir;
    },
    get segments() {
      return current().segments;
    },
    get devices() {
      return current().devices;
    },
    runInScanner: (argv, runOptions) => current().runInScanner(argv, runOptions),
    spawnInScanner: (argv, spawnOptions) => current().spawnInScanner(argv, spawnOptions),
    addDevice: (profile) => current().addDevice(profile),
    removeDevice: (name) => current().removeDevice(name),
    stop: () => current().stop(),

    device(name) {
      const found = current().devices.find((item) => item.name === name);
      if (!found) throw new Error(`no device ${name} in the lab`);
      return found;
    },
    scannerInterfaceOf: (device) => current().segments.find((segment) => segment.name === device.segment)?.scannerInterface,
    devicesWith: (protocol, segments) =>
      current().devices.filter((device) => device.profile.protocols[protocol] !== undefined && (segments === undefined || segments.includes(device.segment))),
    workPath(name) {
      workDirectory ??= mkdtempSync(join(tmpdir(), `camaudit-${suite.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-`));
      return join(workDirectory, name);
    },
    runCamaudit: (args, camauditOptions = {}) => current().runInScanner(cliArgv(args, camauditOptions.nodeArgs), { timeoutMs: camauditOptions.timeoutMs }),
    async camaudit(args, camauditOptions) {
      const result = await suiteLab.runCamaudit(args, camauditOptions);
      if (result.code !== 0) throw new Error(`camaudit ${args.join(' ')} exited ${String(result.code)}: ${result.stderr.slice(-STDERR_TAIL_CHARS)}`);
      return result.stdout;
    },
    spawnCamaudit: (args) => current().spawnInScanner(cliArgv(args)),
  };
  return suiteLab;
}
