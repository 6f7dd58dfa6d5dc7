// Removing labs: stop every process inside the lab's namespaces, delete the namespaces (their veths and bridges go
// with them: nothing of the lab lives in the root namespace), remove the temp dir and the state file. Each step runs
// even when an earlier one failed; the errors are returned, not thrown, so teardown always gets as far as it can.

import { readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { DEVICE_STOP_GRACE_MS, LAB_NAMESPACE_PATTERN, LAB_PREFIX_PATTERN, NETNS_DIR } from './constants.js';
import { runCommand, runCommandSync } from './exec.js';
import { isProcessAlive, listStatePrefixes, readState, removeState, type LabState } from './state.js';

export function listNamespaces(): string[] {
  try {
    return readdirSync(NETNS_DIR);
  } catch {
    return [];
  }
}

export function namespacesOfLab(prefix: string): string[] {
  return listNamespaces().filter((name) => name.startsWith(`${prefix}-`) && LAB_NAMESPACE_PATTERN.test(name));
}

/** PIDs of every process whose network namespace is one of `namespaces` (compares nsfs inode numbers in /proc). */
export function pidsInNamespaces(namespaces: string[]): number[] {
  const inodes = new Set<number>();
  for (const name of namespaces) {
    try {
      inodes.add(statSync(`${NETNS_DIR}/${name}`).ino);
    } catch {
      // Already deleted: nothing can be found by it, and deleting again is harmless.
    }
  }
  if (inodes.size === 0) return [];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const match = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/ns/net`));
      if (match && inodes.has(Number(match[1]))) pids.push(Number(entry));
    } catch {
      // The process exited while we looked, or is a kernel thread without a readable ns link.
    }
  }
  return pids;
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Gone already.
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function deleteNamespaceLines(namespaces: string[]): string {
  return namespaces.map((name) => `netns del ${name}`).join('\n') + '\n';
}

function removeFiles(prefix: string, state: LabState | undefined, errors: string[]): void {
  try {
    if (state?.tempDir && state.tempDir.includes(prefix)) rmSync(state.tempDir, { recursive: true, force: true });
  } catch (error) {
    errors.push(`temp dir ${state?.tempDir}: ${(error as Error).message}`);
  }
  try {
    removeState(prefix);
  } catch (error) {
    errors.push(`state file: ${(error as Error).message}`);
  }
}

/** Tears one lab down: SIGTERM, a grace period, SIGKILL, then namespaces and files. */
export async function destroyLab(prefix: string, graceMs: number = DEVICE_STOP_GRACE_MS): Promise<string[]> {
  const errors: string[] = [];
  const state = readState(prefix);
  const namespaces = [...new Set([...(state?.namespaces ?? []), ...namespacesOfLab(prefix)])].filter((name) => listNamespaces().includes(name));
  let pids = pidsInNamespaces(namespaces);
  signalAll(pids, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.length > 0 && Date.now() < deadline) {
    await sleep(50);
    pids = pidsInNamespaces(namespaces);
  }
  signalAll(pids, 'SIGKILL');
  if (namespaces.length > 0) {
    // -force: keep deleting the rest when one fails.
    const result = await runCommand(['ip', '-force', '-batch', '-'], { input: deleteNamespaceLines(namespaces) });
    if (result.code !== 0) errors.push(`ip netns del: ${result.stderr.trim()}`);
  }
  const left = namespacesOfLab(prefix);
  if (left.length > 0) errors.push(`namespaces still present: ${left.join(', ')}`);
  removeFiles(prefix, state, errors);
  return errors;
}

/** The same without waiting: for process 'exit' handlers, where only synchronous work runs. */
export function destroyLabSync(prefix: string): string[] {
  const errors: string[] = [];
  const state = readState(prefix);
  const namespaces = [...new Set([...(state?.namespaces ?? []), ...namespacesOfLab(prefix)])].filter((name) => listNamespaces().includes(name));
  signalAll(pidsInNamespaces(namespaces), 'SIGKILL');
  if (namespaces.length > 0) {
    const result = runCommandSync(['ip', '-force', '-batch', '-'], deleteNamespaceLines(namespaces));
    if (result.code !== 0) errors.push(`ip netns del: ${result.stderr.trim()}`);
  }
  removeFiles(prefix, state, errors);
  return errors;
}

export interface CleanReport {
  removed: string[];
  kept: string[];
  errors: string[];
}

/**
 * `all: false` removes only labs whose owner process is gone (parallel test runs never remove each other's labs);
 * `all: true` removes every lab-shaped namespace and state file; `prefix` removes that one lab.
 */
export async function cleanLabs(options: { all?: boolean; prefix?: string } = {}): Promise<CleanReport> {
  const report: CleanReport = { removed: [], kept: [], errors: [] };
  const prefixes = new Set<string>(listStatePrefixes());
  for (const name of listNamespaces()) {
    const match = LAB_NAMESPACE_PATTERN.exec(name);
    if (match?.[1]) prefixes.add(match[1]);
  }
  for (const prefix of [...prefixes].sort()) {
    if (!LAB_PREFIX_PATTERN.test(prefix)) continue;
    if (options.prefix !== undefined && prefix !== options.prefix) continue;
    if (!options.all && options.prefix === undefined) {
      const state = readState(prefix);
      // Namespaces without a readable state file belong to no known owner: only --all or an explicit prefix removes them.
      if (!state || isProcessAlive(state.ownerPid, state.ownerStartTime)) {
        report.kept.push(prefix);
        continue;
      }
    }
    const errors = await destroyLab(prefix);
    report.errors.push(...errors.map((error) => `${prefix}: ${error}`));
    report.removed.push(prefix);
  }
  return report;
}
