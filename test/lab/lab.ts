// The emulated LAN: startLab() builds namespaces, bridges and links (topology.ts), starts one runner per device
// (device/main.ts) and resolves when every device said "ready". Everything lives in namespaces the lab creates, and
// a state file under /run/camaudit-lab records each lab so `clean` can remove it after a crash.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEVICE_STOP_GRACE_MS, LAB_PREFIX_PATTERN, SEGMENTS } from './constants.js';
import { startDeviceProcess, stopDeviceProcess, type DeviceProcess } from './device-process.js';
import { ipBatch, LabError, runCommand, runCommandSync, type CommandResult } from './exec.js';
import { checkProfile, loadAllProfiles, loadProfile } from './profile-loader.js';
import type { DeviceProfile } from './profile.js';
import { availableResponders, prepareRunner, REPO_ROOT } from './runner.js';
import { processStartTime, readState, writeState, type LabState } from './state.js';
import { cleanLabs, destroyLab, destroyLabSync, namespacesOfLab } from './teardown.js';
import { buildDeviceLink, buildTopology, planDevice, planTopology, type DevicePlan } from './topology.js';

export type { DeviceProfile } from './profile.js';
export { LabError } from './exec.js';

export interface LabOptions {
  /** Profile names (files test/lab/profiles/<name>.json) to start; default: every profile with "default": true */
  profiles?: string[];
  /** Extra profile objects (e.g. generated for benchmarks or hostile tests). */
  extraProfiles?: DeviceProfile[];
  /** Add a second scanner interface on segment lan2. Default true. */
  twoSegmentScanner?: boolean;
  /** Unique name prefix; default generated (`ca` + 4 random base36 chars). */
  prefix?: string;
}
export interface LabSegment {
  name: 'lan' | 'lan2' | 'routed';
  cidr: string;
  scannerInterface?: string;
  scannerAddress?: string;
  gateway?: string;
}
export interface LabDevice {
  name: string;
  namespace: string;
  ip: string;
  mac: string;
  segment: LabSegment['name'];
  profile: DeviceProfile;
}
export interface Lab {
  prefix: string;
  scannerNamespace: string;
  /** The lab's own temp dir (device runner bundle, responder files such as counter logs); removed by stop(). */
  tempDir: string;
  segments: LabSegment[];
  devices: LabDevice[];
  /** Run a command inside the scanner namespace (argv, no shell); resolves with code/stdout/stderr. */
  runInScanner(
    argv: string[],
    options?: { timeoutMs?: number; env?: Record<string, string>; input?: string },
  ): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Spawn a long-running process in the scanner namespace (e.g. `camaudit serve`). */
  spawnInScanner(argv: string[], options?: { env?: Record<string, string> }): ChildProcess;
  /** Start / stop one extra device later (for scans that see a device appear or vanish, or change IP). */
  addDevice(profile: DeviceProfile): Promise<LabDevice>;
  removeDevice(name: string): Promise<void>;
  stop(): Promise<void>;
}

const RUN_IN_SCANNER_TIMEOUT_MS = 60_000;

let availability: { ok: true } | { ok: false; reason: string } | undefined;

/** Root, the `ip` tool, and a kernel that lets us make a namespace with a bridge and a veth pair. */
export function labAvailable(): { ok: true } | { ok: false; reason: string } {
  if (availability) return availability;
  availability = probeAvailability();
  return availability;
}

function probeAvailability(): { ok: true } | { ok: false; reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: `network namespaces need Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'the lab needs root (network namespaces, veth pairs)' };
  const version = runCommandSync(['ip', '-V']);
  if (version.code !== 0) return { ok: false, reason: `the ip tool (iproute2) is not usable: ${version.stderr.trim()}` };
  // A throw-away namespace named like a lab, so `clean --all` removes it should we die in the middle.
  const probe = `caprobe${process.pid.toString(36)}-lan`;
  const steps: string[][] = [
    ['ip', 'netns', 'add', probe],
    ['ip', '-n', probe, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0'],
    ['ip', '-n', probe, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'],
  ];
  let failure: string | undefined;
  for (const argv of steps) {
    const result = runCommandSync(argv);
    if (result.code !== 0) {
      failure = `${argv.join(' ')} failed: ${result.stderr.trim()}`;
      break;
    }
  }
  runCommandSync(['ip', 'netns', 'del', probe]);
  return failure ? { ok: false, reason: failure } : { ok: true };
}

// Labs of this process, torn down synchronously if the process exits or is interrupted without stop().
const liveLabs = new Set<string>();
let handlersInstalled = false;

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const tearDownAll = () => {
    for (const prefix of liveLabs) destroyLabSync(prefix);
    liveLabs.clear();
  };
  process.on('exit', tearDownAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const handler = () => {
      tearDownAll();
      // Alone on this signal we replaced Node's default of dying: restore it and re-raise. With other listeners
      // (a CLI's own handler), they decide.
      if (process.listenerCount(signal) === 1) {
        process.off(signal, handler);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, handler);
  }
}

function resolveProfiles(options: LabOptions): DeviceProfile[] {
  const named = options.profiles ? options.profiles.map(loadProfile) : loadAllProfiles().filter((profile) => profile.default === true);
  const extra = (options.extraProfiles ?? []).map((profile, index) => checkProfile(profile, `extraProfiles[${index}] (${String(profile?.name)})`));
  return [...named, ...extra];
}

function checkUnique(profiles: DeviceProfile[]): void {
  const responders = new Set(availableResponders());
  for (const key of ['name', 'ip', 'mac'] as const) {
    const seen = new Map<string, string>();
    for (const profile of profiles) {
      const other = seen.get(profile[key]);
      if (other !== undefined) throw new LabError(`profiles ${other} and ${profile.name} have the same ${key} ${profile[key]}`);
      seen.set(profile[key], profile.name);
    }
  }
  if (profiles.filter((profile) => profile.role === 'router').length > 1) throw new LabError('more than one profile has role "router"');
  for (const profile of profiles) {
    for (const protocol of Object.keys(profile.protocols)) {
      if (!responders.has(protocol)) {
        throw new LabError(`profile ${profile.name} has a ${protocol} section but there is no test/lab/device/responders/${protocol}.ts (have: ${[...responders].join(', ')})`);
      }
    }
  }
}

function toLabDevice(plan: DevicePlan): LabDevice {
  return { name: plan.name, namespace: plan.namespace, ip: plan.ip, mac: plan.mac, segment: plan.profile.segment, profile: plan.profile };
}

export async function startLab(options: LabOptions = {}): Promise<Lab> {
  const available = labAvailable();
  if (!available.ok) throw new LabError(`the lab cannot run here: ${available.reason}`);
  const prefix = options.prefix ?? `ca${randomBytes(8).readBigUInt64BE().toString(36).slice(-4).padStart(4, '0')}`;
  if (!LAB_PREFIX_PATTERN.test(prefix)) throw new LabError(`lab prefix "${prefix}" does not match ${String(LAB_PREFIX_PATTERN)}`);
  if (namespacesOfLab(prefix).length > 0 || readState(prefix)) throw new LabError(`a lab with prefix ${prefix} already exists (npm run lab:clean)`);
  // Leftovers of labs whose owner died are removed here, so a crashed run never blocks the next one.
  await cleanLabs().catch(() => undefined);

  const profiles = resolveProfiles(options);
  checkUnique(profiles);
  const twoSegmentScanner = options.twoSegmentScanner ?? true;
  const plan = planTopology(prefix, profiles, twoSegmentScanner);
  const tempDir = join(tmpdir(), `camaudit-lab-${prefix}`);
  mkdirSync(tempDir, { recursive: true });
  const state: LabState = {
    version: 1,
    prefix,
    ownerPid: process.pid,
    ownerStartTime: processStartTime(process.pid),
    createdAt: new Date().toISOString(),
    namespaces: plan.namespaces,
    devices: plan.devices.map((device) => ({ name: device.name, namespace: device.namespace, pid: null })),
    tempDir,
  };
  writeState(state);
  liveLabs.add(prefix);
  installExitHandlers();

  const processes = new Map<string, DeviceProcess>();
  const deviceEnv: NodeJS.ProcessEnv = { ...process.env, CAMAUDIT_LAB_TMP: tempDir, CAMAUDIT_LAB_OWNER_PID: String(process.pid), CAMAUDIT_REPO_ROOT: REPO_ROOT };
  delete deviceEnv.NODE_OPTIONS;
  let runnerArgv: string[];
  try {
    [runnerArgv] = await Promise.all([prepareRunner(tempDir), buildTopology(plan)]);
    for (const device of plan.devices) processes.set(device.name, startDeviceProcess(device.profile, device.namespace, runnerArgv, deviceEnv));
    const results = await Promise.allSettled([...processes.values()].map((device) => device.ready));
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [(result.reason as Error).message] : []));
    if (failures.length > 0) throw new LabError(`lab ${prefix}: ${failures.length} device(s) did not start:\n${failures.join('\n')}`);
  } catch (error) {
    liveLabs.delete(prefix);
    await destroyLab(prefix, 0);
    throw error;
  }
  for (const entry of state.devices) entry.pid = processes.get(entry.name)?.child.pid ?? null;
  writeState(state);

  const devices: LabDevice[] = plan.devices.map(toLabDevice);
  const scannerChildren = new Set<ChildProcess>();
  let nextDeviceIndex = plan.devices.length;
  let stopped: Promise<void> | undefined;

  const segments: LabSegment[] = plan.segments.map((segment) => {
    const described: LabSegment = { name: segment.name, cidr: segment.cidr, gateway: segment.gateway };
    if (segment.scannerInterface && segment.scannerAddress && (segment.name === 'lan' || twoSegmentScanner)) {
      described.scannerInterface = segment.scannerInterface;
      described.scannerAddress = segment.scannerAddress;
    }
    return described;
  });

  const lab: Lab = {
    prefix,
    scannerNamespace: plan.scannerNamespace,
    tempDir,
    segments,
    devices,
    runInScanner(argv, runOptions = {}): Promise<CommandResult> {
      return runCommand(['ip', 'netns', 'exec', plan.scannerNamespace, ...argv], {
        input: runOptions.input,
        timeoutMs: runOptions.timeoutMs ?? RUN_IN_SCANNER_TIMEOUT_MS,
        env: { ...process.env, ...runOptions.env },
      });
    },
    spawnInScanner(argv, spawnOptions = {}) {
      const child = spawn('ip', ['netns', 'exec', plan.scannerNamespace, ...argv], { env: { ...process.env, ...spawnOptions.env }, stdio: 'pipe' });
      scannerChildren.add(child);
      child.on('exit', () => scannerChildren.delete(child));
      return child;
    },
    async addDevice(profile) {
      if (stopped) throw new LabError(`lab ${prefix} is stopped`);
      const checked = checkProfile(profile, `added profile ${String(profile?.name)}`);
      if (checked.role === 'router') throw new LabError('the router is part of the lab and cannot be added later');
      checkUnique([...devices.map((device) => device.profile), checked]);
      const devicePlan = planDevice(prefix, checked, nextDeviceIndex++);
      // Record first: a crash from here on leaves a namespace that clean can still attribute to this lab.
      state.namespaces.push(devicePlan.namespace);
      state.devices.push({ name: devicePlan.name, namespace: devicePlan.namespace, pid: null });
      writeState(state);
      try {
        await ipBatch(null, [`netns add ${devicePlan.namespace}`]);
        await buildDeviceLink(devicePlan);
        const started = startDeviceProcess(checked, devicePlan.namespace, runnerArgv, deviceEnv);
        processes.set(checked.name, started);
        await started.ready;
        const entry = state.devices.find((item) => item.name === checked.name);
        if (entry) entry.pid = started.child.pid ?? null;
        writeState(state);
      } catch (error) {
        await removeDeviceResources(checked.name, devicePlan.namespace).catch(() => undefined);
        throw error;
      }
      const added = toLabDevice(devicePlan);
      devices.push(added);
      return added;
    },
    async removeDevice(name) {
      const device = devices.find((item) => item.name === name);
      if (!device) throw new LabError(`lab ${prefix} has no device ${name}`);
      if (device.profile.role === 'router') throw new LabError('the router is part of the lab and cannot be removed');
      await removeDeviceResources(name, device.namespace);
      devices.splice(devices.indexOf(device), 1);
    },
    stop() {
      stopped ??= (async () => {
        const errors: string[] = [];
        await Promise.allSettled([...processes.values()].map((device) => stopDeviceProcess(device, DEVICE_STOP_GRACE_MS)));
        for (const child of scannerChildren) child.kill('SIGKILL');
        errors.push(...(await destroyLab(prefix, 0)));
        liveLabs.delete(prefix);
        if (existsSync(tempDir)) errors.push(`temp dir ${tempDir} is still present`);
        if (errors.length > 0) throw new LabError(`lab ${prefix} teardown had problems: ${errors.join('; ')}`);
      })();
      return stopped;
    },
  };

  async function removeDeviceResources(name: string, namespace: string): Promise<void> {
    const running = processes.get(name);
    if (running) await stopDeviceProcess(running, DEVICE_STOP_GRACE_MS);
    processes.delete(name);
    const result = await runCommand(['ip', 'netns', 'del', namespace]);
    if (result.code !== 0 && namespacesOfLab(prefix).includes(namespace)) throw new LabError(`ip netns del ${namespace}: ${result.stderr.trim()}`);
    state.namespaces = state.namespaces.filter((item) => item !== namespace);
    state.devices = state.devices.filter((item) => item.name !== name);
    writeState(state);
  }

  return lab;
}

/** The lab's addresses without starting anything: for documentation and for tests that only need the plan. */
export const LAB_SEGMENTS = SEGMENTS;
