// The planning page (issue 17): time to first render of the inventory page in headless Chromium (Debian's
// chromium through playwright-core), served by the real `camaudit serve` over inventories of 5,000 and 100,000
// devices written through the real Inventory API and matcher (api.bench.ts's buildInventory). "First render" is
// the page's own clock (performance.now(), from navigation start) when the first table row is in the DOM: the
// HTML, the bundle, GET /devices (filtered, sorted and paged by the server) and the render. Fresh browser context
// per run, so nothing is cached. Also prints the bundle's gzipped size. A benchmark: nothing fails on speed.
// Run: node --import tsx test/bench/web.bench.ts [--devices 5000,100000] [--runs 5]
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildWeb } from '../../scripts/build-web.js';
import { launchChromium, type RunningBrowser } from '../browser/chromium.js';
import { machineLine, withServedInventory } from './api.bench.js';

export const DEFAULT_DEVICE_COUNTS = [5000, 100_000] as const;
const DEFAULT_RUNS = 5;

/** The views timed: the default inventory page, and a filtered view sorted by a column other than last seen. */
const VIEWS = [
  { label: 'inventory page', hash: '#/inventory' },
  { label: 'covered, sorted by model, page 3', hash: '#/inventory?covered=true&sort=model&order=desc&offset=100' },
] as const;

export interface WebFigure {
  devices: number;
  view: string;
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

interface PageClock {
  performance: { now(): number };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function firstRenderMs(running: RunningBrowser, url: string): Promise<number> {
  const context = await running.browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForSelector('table.devices tbody tr', { timeout: 60_000 });
    return await page.evaluate(() => (globalThis as unknown as PageClock).performance.now());
  } finally {
    await context.close();
  }
}

export async function run(options: { devices?: readonly number[]; runs?: number; print?: (line: string) => void } = {}): Promise<WebFigure[]> {
  const print = options.print ?? ((line: string) => console.log(line));
  const runs = options.runs ?? DEFAULT_RUNS;
  const machine = machineLine();
  const bundle = await buildWeb();
  print(`web bundle ${bundle.files.map((file) => `${file.name} ${(file.gzipBytes / 1024).toFixed(1)} kB`).join(', ')}: ${(bundle.gzipTotal / 1024).toFixed(1)} kB gzipped in all (budget 200 kB) | ${machine}`);
  const running = await launchChromium();
  const figures: WebFigure[] = [];
  try {
    for (const devices of options.devices ?? DEFAULT_DEVICE_COUNTS) {
      await withServedInventory(devices, async (port, buildSeconds) => {
        for (const view of VIEWS) {
          const url = `http://127.0.0.1:${port}/${view.hash}`;
          // One untimed load: the server's statements and the browser process warm up.
          await firstRenderMs(running, url);
          const times: number[] = [];
          for (let index = 0; index < runs; index += 1) times.push(await firstRenderMs(running, url));
          const figure: WebFigure = { devices, view: view.label, runs, medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times) };
          figures.push(figure);
          print(
            `web first render, ${view.label}, ${devices.toLocaleString('en-US')} devices: median ${figure.medianMs.toFixed(0)} ms ` +
              `(min ${figure.minMs.toFixed(0)}, max ${figure.maxMs.toFixed(0)}, n=${runs}) | ${machine}`,
          );
        }
        print(`web inventory of ${devices.toLocaleString('en-US')} devices built through the Inventory API in ${buildSeconds.toFixed(0)} s | ${machine}`);
      });
    }
  } finally {
    await running.close();
  }
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { devices: { type: 'string' }, runs: { type: 'string' } } });
  const devices = values.devices?.split(',').map(Number) ?? [...DEFAULT_DEVICE_COUNTS];
  if (devices.some((count) => !Number.isInteger(count) || count < 1)) throw new Error('--devices takes positive integers, comma-separated');
  const runs = values.runs === undefined ? DEFAULT_RUNS : Number(values.runs);
  run({ devices, runs }).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
