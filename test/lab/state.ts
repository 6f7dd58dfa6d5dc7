// The record of a running lab, /run/camaudit-lab/<prefix>.json, written before the first namespace exists so that a
// lab whose owner crashed mid-build can still be found and removed. The owner is a PID plus its start time, so a
// recycled PID is not mistaken for a live owner.

import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_PREFIX_PATTERN, LAB_STATE_DIR } from './constants.js';

export interface LabStateDevice {
  name: string;
  namespace: string;
  pid: number | null;
}

export interface LabState {
  version: 1;
  prefix: string;
  ownerPid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot), null when unreadable. */
  ownerStartTime: string | null;
  createdAt: string;
  namespaces: string[];
  devices: LabStateDevice[];
  tempDir: string;
}

export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

export function isProcessAlive(pid: number, startTime: string | null): boolean {
  const current = processStartTime(pid);
  if (current === null) return false;
  return startTime === null || current === startTime;
}

export function statePath(prefix: string): string {
  return join(LAB_STATE_DIR, `${prefix}.json`);
}

export function writeState(state: LabState): void {
  mkdirSync(LAB_STATE_DIR, { recursive: true });
  // Write then rename, so a reader (clean in another process) never sees half a file.
  const path = statePath(state.prefix);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, path);
}

export function removeState(prefix: string): void {
  rmSync(statePath(prefix), { force: true });
}

function parseState(value: unknown): LabState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const state = value as Partial<LabState>;
  if (state.version !== 1 || typeof state.prefix !== 'string' || !LAB_PREFIX_PATTERN.test(state.prefix)) return undefined;
  if (typeof state.ownerPid !== 'number' || !Array.isArray(state.namespaces) || !Array.isArray(state.devices)) return undefined;
  if (typeof state.tempDir !== 'string') return undefined;
  return state as LabState;
}

export function readState(prefix: string): LabState | undefined {
  try {
    return parseState(JSON.parse(readFileSync(statePath(prefix), 'utf8')));
  } catch {
    return undefined;
  }
}

/** Prefixes with a state file, including unreadable ones (they are cleaned by namespace name). */
export function listStatePrefixes(): string[] {
  try {
    return readdirSync(LAB_STATE_DIR)
      .filter((file) => file.endsWith('.json'))
      .map((file) => file.slice(0, -'.json'.length))
      .filter((prefix) => LAB_PREFIX_PATTERN.test(prefix));
  } catch {
    return [];
  }
}
