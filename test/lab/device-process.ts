// Starting device runners inside their namespaces and waiting for each one's "ready" line.

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { DEVICE_READY_TIMEOUT_MS, DEVICE_STDERR_TAIL_BYTES } from './constants.js';
import { LabError } from './exec.js';
import type { DeviceProfile } from './profile.js';

export interface DeviceProcess {
  name: string;
  child: ChildProcess;
  /** Resolves on the runner's "ready" line; rejects naming the device when it fails, exits or times out. */
  ready: Promise<void>;
}

export function startDeviceProcess(
  profile: DeviceProfile,
  namespace: string,
  runnerArgv: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number = DEVICE_READY_TIMEOUT_MS,
): DeviceProcess {
  // `ip netns exec` enters the namespace and execs the runner: the PID we get is the runner's own.
  const child = spawn('ip', ['netns', 'exec', namespace, ...runnerArgv, '-'], { stdio: ['pipe', 'pipe', 'pipe'], env });
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-DEVICE_STDERR_TAIL_BYTES);
    if (process.env.CAMAUDIT_LAB_VERBOSE) process.stderr.write(`[${profile.name}] ${chunk.toString('utf8')}`);
  });
  child.stdin?.on('error', () => {
    // The runner exited before reading its profile; the exit handler below reports why.
  });
  child.stdin?.end(JSON.stringify(profile));

  const ready = new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(
      () => settle(new LabError(`device ${profile.name} (namespace ${namespace}) did not report ready within ${timeoutMs} ms; stderr: ${stderrTail.trim() || '(empty)'}`)),
      timeoutMs,
    );
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (process.env.CAMAUDIT_LAB_VERBOSE) process.stderr.write(`[${profile.name}] ${line}\n`);
      let event: unknown;
      try {
        event = JSON.parse(line);
      } catch {
        return;
      }
      if (typeof event !== 'object' || event === null) return;
      const record = event as { event?: unknown; message?: unknown };
      if (record.event === 'ready') settle();
      else if (record.event === 'error') settle(new LabError(`device ${profile.name} (namespace ${namespace}) failed to start: ${String(record.message)}`));
    });
    child.on('error', (error) => settle(new LabError(`device ${profile.name}: could not start the runner: ${error.message}`, { cause: error })));
    child.on('exit', (code, signal) =>
      settle(new LabError(`device ${profile.name} (namespace ${namespace}) exited before ready (code ${String(code)}, signal ${String(signal)}); stderr: ${stderrTail.trim() || '(empty)'}`)),
    );
  });
  return { name: profile.name, child, ready };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
export function stopDeviceProcess(device: DeviceProcess, graceMs: number): Promise<void> {
  const { child } = device;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
