// Runs discovery channels with a real ProbeContext and prints what they observe, for lab tests that run it
// inside the scanner namespace:
//   lab.runInScanner([process.execPath, '--import', 'tsx', 'test/lab/drivers/run-channel.ts', JSON.stringify(request)])
// request: { channels: ['sadp'], cidrs?: ['10.231.20.0/24'], interfaces?: ['eth0', 'eth1'] | 'all' | 'none',
//            config?: Partial<ScanConfig> (listenWindowMs, credentials, …), logLevel?: 'warn' }
// stdout: one JSON line per observation {"event":"observation","observation":{…}}, then
//         {"event":"done","channels":[…],"durationMs":…,"observations":…,"interfaces":[{name,address,prefixLength}…]}.
// A channel is the module exported by src/discovery/<channel>/index.ts whose `name` is the channel, so a new
// channel needs no change here. Logs (pino) go to stderr.
//
// Safety: it refuses to run anywhere but a lab scanner namespace (`ip netns identify` = ca…-scan): from the host's
// own namespace a probe would leave the machine.

import { execFileSync } from 'node:child_process';
import { pino } from 'pino';
import { resolveScanConfig } from '../../../src/config.js';
import { listLocalInterfaces } from '../../../src/discovery/engine/interfaces.js';
import { createProbeContext, runModules } from '../../../src/discovery/engine/run.js';
import type { DiscoveryModule, LocalInterface } from '../../../src/discovery/types.js';
import type { ChannelRequest } from './run-channel-client.js';

function write(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** The lab namespace this process runs in (`ca…-scan`), or undefined anywhere else (the host included). */
function labScannerNamespace(): string | undefined {
  try {
    const name = execFileSync('ip', ['netns', 'identify', String(process.pid)], { encoding: 'utf8' }).trim();
    return /^ca[a-z0-9]{1,10}-scan$/.test(name) ? name : undefined;
  } catch {
    // No iproute2 or no named namespace: not the lab, so not a place to send from.
    return undefined;
  }
}

function isDiscoveryModule(value: unknown, channel: string): value is DiscoveryModule {
  return typeof value === 'object' && value !== null && (value as { name?: unknown }).name === channel && typeof (value as { probe?: unknown }).probe === 'function';
}

async function loadChannel(channel: string): Promise<DiscoveryModule> {
  if (!/^[a-z]{2,16}$/.test(channel)) throw new Error(`"${channel}" is not a channel name`);
  const exports = (await import(`../../../src/discovery/${channel}/index.ts`)) as Record<string, unknown>;
  const module = Object.values(exports).find((value) => isDiscoveryModule(value, channel));
  if (!module) throw new Error(`src/discovery/${channel}/index.ts exports no DiscoveryModule named "${channel}"`);
  return module;
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '{}') as ChannelRequest;
  if (!Array.isArray(request.channels) || request.channels.length === 0) throw new Error('usage: run-channel.ts \'{"channels":["sadp"],…}\'');
  if (labScannerNamespace() === undefined) throw new Error('refusing to probe outside a lab scanner namespace (ca…-scan); run me with lab.runInScanner');
  const modules = await Promise.all(request.channels.map(loadChannel));
  const selection = request.interfaces ?? 'all';
  const interfaces: LocalInterface[] = selection === 'none' ? [] : listLocalInterfaces(selection === 'all' ? undefined : selection);
  const config = resolveScanConfig({ site: 'lab', agent: 'lab-scanner', ...request.config });
  const log = pino({ level: request.logLevel ?? 'warn' }, pino.destination(2));
  const context = createProbeContext({ config, log, signal: new AbortController().signal });
  const started = performance.now();
  let count = 0;
  for await (const observation of runModules(modules, { cidrs: request.cidrs ?? [], interfaces }, context)) {
    count += 1;
    write({ event: 'observation', atMs: Math.round(performance.now() - started), observation });
  }
  write({ event: 'done', channels: request.channels, durationMs: Math.round(performance.now() - started), observations: count, interfaces });
}

main().catch((error: unknown) => {
  write({ event: 'error', message: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
});
