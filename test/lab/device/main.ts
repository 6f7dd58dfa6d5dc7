// One emulated device: `ip netns exec <ns> node --import tsx test/lab/device/main.ts <profile.json | ->`.
// Starts one responder per key of profile.protocols (module ./responders/<protocol>.ts, loaded by name so a new
// protocol is added without editing this file), prints one JSON line {"event":"ready"} on stdout when every
// responder listens, and stops them all on SIGTERM or SIGINT. Stdout carries only JSON lines (events and logs).

import { readFileSync } from 'node:fs';
import { parseProfile, PROTOCOL_KEY_PATTERN, type DeviceProfile } from '../profile.js';
import type { ResponderContext, RunningResponder, StartResponder } from './responder.js';

const MAX_PROFILE_BYTES = 1024 * 1024;
const STOP_TIMEOUT_MS = 3_000;
const OWNER_CHECK_INTERVAL_MS = 2_000;

function emit(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
}

function fail(message: string, exitCode: number): never {
  emit('error', { message });
  process.stderr.write(`device: ${message}\n`);
  process.exit(exitCode);
}

function readProfileText(argument: string | undefined): string {
  if (argument === undefined) fail('usage: main.ts <profile.json | ->', 2);
  const text = readFileSync(argument === '-' ? 0 : argument, 'utf8');
  if (Buffer.byteLength(text) > MAX_PROFILE_BYTES) fail(`profile is larger than ${MAX_PROFILE_BYTES} bytes`, 2);
  return text;
}

function loadProfile(argument: string | undefined): DeviceProfile {
  let value: unknown;
  try {
    value = JSON.parse(readProfileText(argument));
  } catch (error) {
    fail(`profile is not JSON: ${(error as Error).message}`, 2);
  }
  const parsed = parseProfile(value);
  if (!parsed.ok) fail(`profile is not valid: ${parsed.reason}`, 2);
  return parsed.value;
}

async function loadResponder(protocol: string): Promise<StartResponder> {
  if (!PROTOCOL_KEY_PATTERN.test(protocol)) throw new Error(`"${protocol}" is not a protocol name`);
  let module: { start?: unknown };
  try {
    module = (await import(`./responders/${protocol}.ts`)) as { start?: unknown };
  } catch (error) {
    throw new Error(`no responder for protocol "${protocol}" (test/lab/device/responders/${protocol}.ts): ${(error as Error).message}`, { cause: error });
  }
  if (typeof module.start !== 'function') throw new Error(`responders/${protocol}.ts does not export start()`);
  return module.start as StartResponder;
}

async function main(): Promise<void> {
  const profile = loadProfile(process.argv[2]);
  const context = (protocol: string): ResponderContext => ({
    profile,
    ip: profile.ip,
    mac: profile.mac,
    log: (message, fields = {}) => emit('log', { device: profile.name, protocol, message, ...fields }),
  });
  const running: RunningResponder[] = [];
  let stopping = false;
  const stopAll = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => process.exit(exitCode), STOP_TIMEOUT_MS);
    await Promise.allSettled(running.map((responder) => responder.stop()));
    clearTimeout(timer);
    process.exit(exitCode);
  };
  process.on('SIGTERM', () => void stopAll(0));
  process.on('SIGINT', () => void stopAll(0));

  const protocols = Object.keys(profile.protocols);
  const results = await Promise.allSettled(
    protocols.map(async (protocol) => {
      const start = await loadResponder(protocol);
      const responder = await start(profile.protocols[protocol], context(protocol));
      running.push(responder);
    }),
  );
  const failures = results.flatMap((result, index) => (result.status === 'rejected' ? [`${protocols[index]}: ${(result.reason as Error).message}`] : []));
  if (failures.length > 0) {
    emit('error', { device: profile.name, message: failures.join('; ') });
    process.stderr.write(`device ${profile.name}: ${failures.join('; ')}\n`);
    await stopAll(1);
    return;
  }

  // A lab whose owner died without cleaning up leaves devices behind; they notice and leave on their own.
  const ownerPid = Number(process.env.CAMAUDIT_LAB_OWNER_PID);
  if (Number.isInteger(ownerPid) && ownerPid > 0) {
    setInterval(() => {
      try {
        process.kill(ownerPid, 0);
      } catch {
        void stopAll(0);
      }
    }, OWNER_CHECK_INTERVAL_MS).unref();
  }
  emit('ready', { device: profile.name, ip: profile.ip, protocols });
  // Keep the process alive even when no responder holds a handle (a profile without protocols).
  setInterval(() => undefined, 1 << 30);
}

main().catch((error: unknown) => fail(`device failed: ${(error as Error).stack ?? String(error)}`, 1));
