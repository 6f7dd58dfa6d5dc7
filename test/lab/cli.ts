// Lab housekeeping for humans, the demo and CI: `node --import tsx test/lab/cli.ts <command>`.
//   clean [--all | PREFIX]  remove labs whose owner process died (default), every lab (--all), or one lab
//   up [--profiles a,b] [--profile-file PATH]... [--one-segment]
//                           start a lab (default profiles unless --profiles or --profile-file is given), print its
//                           JSON description on stdout, run until SIGINT/SIGTERM, tear down
//   down PREFIX             remove one lab (same as clean PREFIX)
//   status [--json]         list labs with their owner and namespaces
// Exit codes: 0 success, 1 failure, 2 bad usage.

import { LAB_PREFIX_PATTERN } from './constants.js';
import { startLab, type Lab } from './lab.js';
import { loadProfileFile } from './profile-loader.js';
import { isProcessAlive, listStatePrefixes, readState } from './state.js';
import { cleanLabs, listNamespaces, namespacesOfLab } from './teardown.js';

const USAGE = `usage: cli.ts clean [--all | PREFIX] | up [--profiles a,b] [--profile-file PATH]... [--one-segment] | down PREFIX | status [--json]`;

function usage(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

async function clean(args: string[]): Promise<number> {
  const all = args.includes('--all');
  const prefix = args.find((arg) => !arg.startsWith('--'));
  if (prefix !== undefined && !LAB_PREFIX_PATTERN.test(prefix)) usage(`"${prefix}" is not a lab prefix`);
  if (all && prefix !== undefined) usage('give either --all or a prefix');
  const report = await cleanLabs(prefix !== undefined ? { prefix } : { all });
  for (const removed of report.removed) console.log(`removed ${removed}`);
  for (const kept of report.kept) console.error(`kept ${kept} (owner alive or unknown; --all removes it)`);
  for (const error of report.errors) console.error(`error: ${error}`);
  if (report.removed.length === 0) console.error('no lab to remove');
  return report.errors.length > 0 ? 1 : 0;
}

function describeLab(lab: Lab, startupMs: number): unknown {
  return {
    prefix: lab.prefix,
    scannerNamespace: lab.scannerNamespace,
    startupMs,
    segments: lab.segments,
    devices: lab.devices.map(({ name, namespace, ip, mac, segment, profile }) => ({
      name,
      namespace,
      ip,
      mac,
      segment,
      protocols: Object.keys(profile.protocols),
      expect: profile.expect,
    })),
  };
}

async function up(args: string[]): Promise<number> {
  const profilesIndex = args.indexOf('--profiles');
  const profiles = profilesIndex >= 0 ? args[profilesIndex + 1]?.split(',').filter(Boolean) : undefined;
  if (profilesIndex >= 0 && !profiles?.length) usage('--profiles needs a comma-separated list');
  const profileFiles = args.flatMap((arg, index) => (arg === '--profile-file' ? [args[index + 1] ?? usage('--profile-file needs a path')] : []));
  const extraProfiles = profileFiles.map(loadProfileFile);
  const running: { lab?: Lab } = {};
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.error(`${signal}: tearing the lab down`);
    try {
      await running.lab?.stop();
      process.exit(0);
    } catch (error) {
      console.error((error as Error).message);
      process.exit(1);
    }
  };
  // Installed before startLab so an interrupt during start-up still reaches stop() (startLab's own exit handler
  // covers the window before `running.lab` is set).
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  const startedAt = performance.now();
  const lab = await startLab({
    ...(profiles ? { profiles } : extraProfiles.length > 0 ? { profiles: [] } : {}),
    extraProfiles,
    twoSegmentScanner: !args.includes('--one-segment'),
  });
  running.lab = lab;
  console.log(JSON.stringify(describeLab(lab, Math.round(performance.now() - startedAt)), null, 2));
  console.error(`lab ${lab.prefix} is up; scanner: ip netns exec ${lab.scannerNamespace} <command>; Ctrl-C tears it down`);
  // Stay alive until a signal arrives.
  setInterval(() => undefined, 1 << 30);
  return 0;
}

function status(args: string[]): number {
  const prefixes = new Set(listStatePrefixes());
  for (const name of listNamespaces()) {
    const match = /^(ca[a-z0-9]{1,10})-/.exec(name);
    if (match?.[1]) prefixes.add(match[1]);
  }
  const labs = [...prefixes].sort().map((prefix) => {
    const state = readState(prefix);
    return {
      prefix,
      ownerPid: state?.ownerPid ?? null,
      ownerAlive: state ? isProcessAlive(state.ownerPid, state.ownerStartTime) : false,
      createdAt: state?.createdAt ?? null,
      namespaces: namespacesOfLab(prefix).length,
      devices: state?.devices.length ?? null,
    };
  });
  if (args.includes('--json')) {
    console.log(JSON.stringify(labs, null, 2));
    return 0;
  }
  if (labs.length === 0) console.log('no labs');
  for (const lab of labs) {
    const owner = lab.ownerPid === null ? 'owner unknown' : `owner ${lab.ownerPid} ${lab.ownerAlive ? 'alive' : 'dead'}`;
    console.log(`${lab.prefix}  ${owner}  ${lab.namespaces} namespaces  ${lab.devices ?? '?'} devices  created ${lab.createdAt ?? '?'}`);
  }
  return 0;
}

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  switch (command) {
    case 'clean':
      return clean(args);
    case 'down': {
      const prefix = args[0];
      if (prefix === undefined) usage('down needs a lab prefix');
      return clean([prefix]);
    }
    case 'up':
      return up(args);
    case 'status':
      return status(args);
    default:
      return usage(command === undefined ? 'no command given' : `unknown command "${command}"`);
  }
}

main().then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  },
);
