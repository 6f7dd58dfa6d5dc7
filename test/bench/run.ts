// `npm run bench` (after `npm run build`): every benchmark scenario, one line each, after a `System:` line.
//   scan-24   full scan of a /24 with 50 emulated devices, every channel (scan24.bench.ts)
//   sweep-16  unicast sweep of a routed /16 (sweep16.bench.ts)
//   match     the matcher alone, and 1,000,000 observations through `camaudit identify` (match.bench.ts)
//   api       the REST API and exports over a 5,000-device inventory (api.bench.ts)
//   fleet     PostgreSQL central store: ingest from 10 agents, reads at 100,000 devices over 1,000 sites (fleet.bench.ts)
//   hosts     host discovery against the code before it, built from git in a temporary worktree (hosts.bench.ts)
//   web       the planning page's first render in headless Chromium at 5,000 and 100,000 devices (web.bench.ts)
// The two network scenarios share one lab (needs root and iproute2, as the lab tests do). Figures are medians of
// several runs; --out FILE also writes them as JSON. A benchmark, not a test: nothing here fails on speed.
// Options: --out FILE  --only scan-24,sweep-16,match,api,fleet,hosts,web  --runs-24 N (5)  --runs-16 N (3)  --rate-16 PPS
//          --baseline REF (hosts: the code to compare with)  --runs-hosts N (3)
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { labAvailable, startLab, type Lab } from '../lab/lab.js';
import { loadLine, systemLine } from './measure.js';
import { run as runScan24, scan24LabOptions } from './scan24.bench.js';
import { run as runSweep16, SWEEP16_DEFAULT_RATE } from './sweep16.bench.js';
import { run as runHosts } from './hosts.bench.js';

const SCENARIOS = ['scan-24', 'sweep-16', 'match', 'api', 'fleet', 'hosts', 'web'] as const;
type Scenario = (typeof SCENARIOS)[number];

const benchDirectory = dirname(fileURLToPath(import.meta.url));
const cliEntry = join(benchDirectory, '..', '..', 'dist', 'src', 'cli', 'main.js');

/** The shape both helper-owned scenario files export. */
interface ScenarioModule {
  run(options: { build?: boolean; print?: (line: string) => void }): Promise<unknown>;
}

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const loud = (line: string): void => print(`!!! ${line}`);

/** Imports test/bench/<file> when it exists: the matcher and API scenarios are written by other hands. */
async function optionalScenario(file: string): Promise<ScenarioModule | undefined> {
  const path = join(benchDirectory, file);
  if (!existsSync(path)) return undefined;
  const module = (await import(pathToFileURL(path).href)) as Partial<ScenarioModule>;
  return typeof module.run === 'function' ? (module as ScenarioModule) : undefined;
}

function positive(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive number`);
  return parsed;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      only: { type: 'string' },
      'runs-24': { type: 'string' },
      'runs-16': { type: 'string' },
      'rate-16': { type: 'string' },
      baseline: { type: 'string' },
      'runs-hosts': { type: 'string' },
    },
  });
  const only = values.only?.split(',').map((name) => name.trim()) ?? [...SCENARIOS];
  for (const name of only) if (!SCENARIOS.includes(name as Scenario)) throw new Error(`unknown scenario "${name}" (known: ${SCENARIOS.join(', ')})`);
  const wanted = (name: Scenario): boolean => only.includes(name);
  if (!existsSync(cliEntry)) throw new Error(`${cliEntry} is missing: run "npm run build" first (npm run bench does)`);

  const startedAt = new Date();
  const system = systemLine();
  print(`System: ${system} | load ${loadLine()}`);
  const figures: Record<string, unknown> = {};
  let failures = 0;
  const attempt = async (name: Scenario, work: () => Promise<unknown>): Promise<void> => {
    try {
      figures[name] = await work();
    } catch (error) {
      failures += 1;
      figures[name] = { error: error instanceof Error ? error.message : String(error) };
      loud(`${name} FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  };

  if (wanted('scan-24') || wanted('sweep-16')) {
    const available = labAvailable();
    if (!available.ok) {
      loud(`scan-24 and sweep-16 NOT AVAILABLE: the lab cannot run here (${available.reason}); run as root on Linux with iproute2`);
    } else {
      let lab: Lab | undefined;
      try {
        lab = await startLab(scan24LabOptions());
        const shared = lab;
        if (wanted('scan-24')) await attempt('scan-24', () => runScan24({ lab: shared, runs: positive(values['runs-24'], 'runs-24', 5), print }));
        if (wanted('sweep-16')) {
          await attempt('sweep-16', () =>
            runSweep16({ lab: shared, runs: positive(values['runs-16'], 'runs-16', 3), rate: positive(values['rate-16'], 'rate-16', SWEEP16_DEFAULT_RATE), print }),
          );
        }
      } finally {
        await lab?.stop();
      }
    }
  }

  if (wanted('hosts')) {
    const available = labAvailable();
    if (!available.ok) loud(`hosts NOT AVAILABLE: the lab cannot run here (${available.reason})`);
    else {
      await attempt('hosts', () =>
        runHosts({ ...(values.baseline !== undefined ? { baseline: values.baseline } : {}), runs: positive(values['runs-hosts'], 'runs-hosts', 3), print }),
      );
    }
  }

  for (const [name, file] of [['match', 'match.bench.ts'], ['api', 'api.bench.ts'], ['fleet', 'fleet.bench.ts'], ['web', 'web.bench.ts']] as const) {
    if (!wanted(name)) continue;
    const module = await optionalScenario(file);
    if (module === undefined) {
      loud(`${name} NOT AVAILABLE: test/bench/${file} is missing or exports no run()`);
      figures[name] = { error: 'not available' };
      failures += 1;
      continue;
    }
    // `npm run bench` has just built dist/; the scenarios need not build again.
    await attempt(name, () => module.run({ build: false, print }));
  }

  if (values.out !== undefined) {
    const report = { startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), system, load: loadLine(), scenarios: figures };
    writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
    print(`figures written to ${values.out}`);
  }
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
