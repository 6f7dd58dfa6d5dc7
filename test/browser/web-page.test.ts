// The planning page in a real headless Chromium (Debian's chromium, driven by playwright-core) against the real
// `camaudit serve` on 127.0.0.1 over a real SQLite inventory (test/browser/planning-inventory.ts: real device
// strings through the real matcher). Also takes the README's screenshots: into a temporary directory, so a test run
// leaves the working tree clean, and into docs/screenshots/ with CAMAUDIT_WRITE_SCREENSHOTS=1 (`npm run screenshots`).
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { strFromU8, unzipSync } from 'fflate';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.js';
import { DEVICE_COLUMNS } from '../../src/export/index.js';
import type { InventoryDevice } from '../../src/inventory/index.js';
import { startServe } from '../bench/api.bench.js';
import { parseCsv } from '../unit/export-helpers.js';
import { launchChromium, type RunningBrowser } from './chromium.js';
import { buildPlanningInventory, HOSTILE_NAME, type PlanningInventory } from './planning-inventory.js';

/** docs/screenshots when asked to refresh the README's; else undefined, and they go to the test's temp directory. */
const README_SCREENSHOTS = process.env['CAMAUDIT_WRITE_SCREENSHOTS'] === '1' ? resolve('docs/screenshots') : undefined;
const VIEWPORT = { width: 1280, height: 900 };
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// At least the 32 characters a token must have.
const TOKEN = 'browser-test-token-0123456789abcdefghijklmnop';

// The root tsconfig has no DOM types: code that runs in the page reaches its globals through this shape.
interface PageElement {
  id: string;
  textContent: string | null;
  labels?: { length: number } | null;
  getAttribute(name: string): string | null;
}
interface PageGlobals {
  document: {
    querySelector(selector: string): PageElement | null;
    querySelectorAll(selector: string): Iterable<PageElement>;
    activeElement: PageElement | null;
    documentElement: { scrollWidth: number };
    cookie: string;
  };
  sessionStorage: { getItem(key: string): string | null };
  localStorage: { length: number };
}

/** Waits until the first element matching `selector` has exactly this text (polled in the page, as a function: the CSP forbids eval). */
async function textIs(page: Page, selector: string, expected: string): Promise<void> {
  await page.waitForFunction(
    ({ selector: wanted, text }) => (globalThis as unknown as PageGlobals).document.querySelector(wanted)?.textContent === text,
    { selector, text: expected },
  );
}

interface Watched {
  page: Page;
  dialogs: string[];
  errors: string[];
  requests: string[];
}

describe('the planning page in Chromium', () => {
  let directory: string;
  let facts: PlanningInventory;
  let server: ChildProcess;
  let base: string;
  let running: RunningBrowser;
  let screenshots: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    await buildWeb();
    directory = mkdtempSync(join(tmpdir(), 'camaudit-web-'));
    screenshots = README_SCREENSHOTS ?? join(directory, 'screenshots');
    mkdirSync(screenshots, { recursive: true });
    facts = await buildPlanningInventory(join(directory, 'inventory.sqlite'));
    const started = await startServe(join(directory, 'inventory.sqlite'));
    server = started.child;
    base = `http://127.0.0.1:${started.port}`;
    running = await launchChromium();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await running?.close();
    server?.kill('SIGTERM');
    if (server && server.exitCode === null) await Promise.race([once(server, 'exit'), sleep(3000)]);
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  /** Takes a full-page screenshot and checks the file is a PNG of the page: the viewport's width, at least its height. */
  async function screenshot(page: Page, name: string): Promise<void> {
    const path = join(screenshots, name);
    await page.screenshot({ path, fullPage: true });
    const png = readFileSync(path);
    expect(png.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)).toBe(true);
    // IHDR, the first chunk: width and height as big-endian 32-bit integers after the chunk's length and type.
    expect(png.readUInt32BE(16)).toBe(VIEWPORT.width);
    expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(VIEWPORT.height);
  }

  async function open(path: string, options: { width?: number; height?: number } = {}): Promise<Watched> {
    const context = await running.browser.newContext({ viewport: { width: options.width ?? VIEWPORT.width, height: options.height ?? VIEWPORT.height }, acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    const watched: Watched = { page, dialogs: [], errors: [], requests: [] };
    page.on('dialog', (dialog) => {
      watched.dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => watched.errors.push(error.message));
    page.on('request', (request) => watched.requests.push(request.url()));
    await page.goto(`${base}/${path}`);
    return watched;
  }

  const covered = (): InventoryDevice[] => facts.devices.filter((device) => device.identification.covered);

  it('filters the inventory to covered devices, and the filter survives a reload', async () => {
    const { page, errors } = await open('#/inventory');
    await page.waitForSelector('table.devices tbody tr');
    await expect(page.locator('.pager .range').textContent()).resolves.toContain(`of ${facts.devices.length}`);
    await page.getByLabel('Covered').selectOption('true');
    await page.waitForURL(/covered=true/);
    await textIs(page, '.pager .range', `1–${Math.min(50, covered().length)} of ${covered().length}`);
    const cells = await page.locator('table.devices td.col-covered').allTextContents();
    expect(cells.length).toBeGreaterThan(0);
    expect(new Set(cells)).toEqual(new Set(['yes']));
    await page.reload();
    await page.waitForSelector('table.devices tbody tr');
    await expect(page.getByLabel('Covered').inputValue()).resolves.toBe('true');
    await expect(page.locator('.pager .range').textContent()).resolves.toContain(`of ${covered().length}`);
    // The table has the export's columns, in its order.
    const headers = (await page.locator('table.devices thead th').allTextContents()).map((header) => header.replace(/[▲▼]/g, '').trim());
    expect(headers).toEqual(DEVICE_COLUMNS.map((column) => column.header));
    expect(errors).toEqual([]);
  });

  it('sorts on the server: the first row by model, descending', async () => {
    const { page } = await open('#/inventory?covered=true');
    await page.waitForSelector('table.devices tbody tr');
    await page.getByRole('button', { name: 'Model' }).click();
    await page.waitForURL(/sort=model/);
    await page.getByRole('button', { name: 'Model' }).click();
    await page.waitForURL(/order=desc/);
    const models = covered()
      .map((device) => device.identification.model)
      .filter((model): model is string => model !== null)
      .sort();
    await textIs(page, 'table.devices tbody tr td.col-model', models[models.length - 1]!);
  });

  it('opens a device and shows the verdict, its evidence per channel and its advisories', async () => {
    const device = covered().find((entry) => entry.site === 'hq' && entry.identification.advisories.length > 0 && entry.identification.evidence.length >= 3)!;
    expect(device).toBeDefined();
    const { page, errors } = await open(`#/inventory?site=hq&search=${encodeURIComponent(device.ip)}`);
    await page.getByRole('link', { name: device.ip, exact: true }).click();
    await page.waitForURL(/#\/device\//);
    await page.waitForSelector('table.evidence tbody tr');
    const rows = await page.locator('table.evidence tbody tr').count();
    expect(rows).toBe(device.identification.evidence.length);
    const first = device.identification.evidence[0]!;
    await expect(page.locator('table.evidence').textContent()).resolves.toContain(first.ruleId);
    await expect(page.locator('table.evidence').textContent()).resolves.toContain(first.value);
    await expect(page.locator('.reason').textContent()).resolves.toBe(device.identification.coveredReason);
    await expect(page.locator('.advisories').textContent()).resolves.toContain(device.identification.advisories[0]!.id);
    await screenshot(page, 'device.png');
    expect(errors).toEqual([]);
  });

  it('marks a device planned through the form, and the overview counts it', async () => {
    const { page, errors } = await open('#/');
    const plannedBefore = Number(await page.locator('[data-count="planned"]').textContent());
    const device = covered().find((entry) => entry.status === 'found' && entry.site === 'store-12')!;
    await page.goto(`${base}/#/device/${device.id}`);
    await page.getByLabel('Status').selectOption('planned');
    await page.getByLabel('Owner').fill('Procurement, PO 4471');
    await page.getByRole('button', { name: 'Save' }).click();
    await textIs(page, '.saved', 'Saved.');
    await page.getByRole('link', { name: 'Overview' }).click();
    await textIs(page, '[data-count="planned"]', String(plannedBefore + 1));
    // The history says who changed what: the device page lists the status change.
    await page.goto(`${base}/#/device/${device.id}`);
    await expect(page.locator('table.history').textContent()).resolves.toContain('planned');
    await page.goto(`${base}/#/`);
    await page.waitForSelector('.chart svg path');
    await screenshot(page, 'overview.png');
    expect(errors).toEqual([]);
  });

  it('downloads the CSV of the filtered view', async () => {
    const { page } = await open('#/inventory?covered=true&vendor=Dahua');
    await page.waitForSelector('table.devices tbody tr');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('camaudit-devices.csv');
    const rows = parseCsv(readFileSync(await download.path(), 'utf8'));
    const header = rows[0]!;
    expect(header).toEqual(DEVICE_COLUMNS.map((column) => column.header));
    const data = rows.slice(1).filter((row) => row.length > 1);
    const expected = covered().filter((device) => device.identification.vendor === 'Dahua');
    expect(data.length).toBe(expected.length);
    expect(new Set(data.map((row) => row[header.indexOf('Vendor')]))).toEqual(new Set(['Dahua']));
    expect(new Set(data.map((row) => row[header.indexOf('Covered')]))).toEqual(new Set(['yes']));
    const [workbook] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download XLSX' }).click()]);
    expect(workbook.suggestedFilename()).toBe('camaudit-devices.xlsx');
    const devicesSheet = strFromU8(unzipSync(new Uint8Array(readFileSync(await workbook.path())))['xl/worksheets/sheet2.xml']!);
    expect(devicesSheet.match(/<row /g)).toHaveLength(expected.length + 1);
  });

  it(`shows a device named ${HOSTILE_NAME} as text, and no script runs`, async () => {
    const { page, dialogs, errors } = await open(`#/inventory?search=${encodeURIComponent('10.20.1.250')}`);
    await page.waitForSelector('table.devices tbody tr');
    await expect(page.locator('table.devices td.col-model').first().textContent()).resolves.toBe(HOSTILE_NAME);
    expect(await page.locator('table.devices img').count()).toBe(0);
    await page.getByRole('link', { name: '10.20.1.250', exact: true }).click();
    await page.waitForSelector('.device-name');
    await expect(page.locator('.device-name').textContent()).resolves.toContain(HOSTILE_NAME);
    await expect(page.locator('table.evidence').textContent()).resolves.toContain(HOSTILE_NAME);
    await page.goto(`${base}/#/`);
    await page.waitForSelector('[data-alert="newCovered"]');
    await expect(page.locator('[data-alert="newCovered"]').textContent()).resolves.toContain(HOSTILE_NAME);
    expect(await page.locator('main img').count()).toBe(0);
    // Give an injected handler time to fire, had there been one.
    await sleep(300);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('shows the alerts: seen again after being replaced, new covered devices, firmware in an advisory range', async () => {
    const { page } = await open('#/');
    await page.waitForSelector('[data-alert]');
    const count = async (kind: string): Promise<string | null> => page.locator(`[data-alert="${kind}"] .alert-count`).textContent();
    await expect(count('seenAgain')).resolves.toBe(String(facts.devices.filter((device) => device.alert !== null).length));
    await expect(count('advisory')).resolves.toBe(String(facts.devices.filter((device) => device.identification.advisories.length > 0).length));
    expect(Number(await count('newCovered'))).toBeGreaterThan(0);
    const cloudOn = facts.devices.filter((device) => device.cloud === 'enabled');
    expect(cloudOn.length).toBeGreaterThan(0);
    await expect(count('cloudP2p')).resolves.toBe(String(cloudOn.length));
    await expect(page.locator('[data-alert="cloudP2p"]').textContent()).resolves.toContain('sadp.HCPlatformEnable: true');
    // The inventory's Cloud P2P filter (where the alert links when it lists only the first devices) shows those.
    const filtered = await open('#/inventory?cloud=enabled');
    await filtered.page.waitForSelector('.pager .range');
    await expect(filtered.page.locator('.pager .range').textContent()).resolves.toContain(`of ${cloudOn.length}`);
    await expect(filtered.page.getByLabel('Cloud P2P').inputValue()).resolves.toBe('enabled');
  });

  it('lists the scans, shows one scan’s record and the difference between two', async () => {
    const { page } = await open('#/scans');
    await page.waitForSelector('.scan-list tbody tr');
    expect(await page.locator('.scan-list tbody tr').count()).toBe(4);
    await page.getByText('may not start scans', { exact: false }).waitFor();
    // Newest first: the second hq scan, then the first scans of the three sites; compare hq's two.
    const hqRows = page.locator('.scan-list tbody tr', { hasText: 'hq' });
    await hqRows.nth(1).getByLabel(/Compare from/).check();
    await hqRows.nth(0).getByLabel(/Compare to/).check();
    await page.getByRole('button', { name: 'Compare the two scans' }).click();
    await page.waitForURL(/#\/diff/);
    await page.locator('caption', { hasText: 'New:' }).waitFor();
    await expect(page.locator('main').textContent()).resolves.toMatch(/New: [1-9]/);
    await page.goto(`${base}/#/scans`);
    await hqRows.nth(0).getByRole('link').click();
    await page.waitForURL(/#\/scans\/./);
    await page.waitForSelector('table.refused');
    await expect(page.locator('main').textContent()).resolves.toContain('10.20.1.0/24');
    // The record lists the input the XML reader refused, with its reason.
    await expect(page.locator('table.refused').textContent()).resolves.toMatch(/ssdp10\.20\.1\.251.*DOCTYPE or ENTITY/);
  });

  it('sends a strict Content-Security-Policy and loads nothing from elsewhere', async () => {
    const response = await fetch(`${base}/`);
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain('unsafe-inline');
    const html = await response.text();
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=/);
    const { page, requests } = await open('#/');
    await page.waitForSelector('[data-count="covered"]');
    await page.goto(`${base}/#/inventory`);
    await page.waitForSelector('table.devices tbody tr');
    expect(requests.length).toBeGreaterThan(0);
    for (const url of requests) expect(url.startsWith(`${base}/`) || url.startsWith('blob:')).toBe(true);
  });

  it('is keyboard-usable with labelled controls, and fits a phone', async () => {
    const { page } = await open('#/inventory', { width: 390, height: 844 });
    await page.waitForSelector('table.devices tbody tr');
    const unlabelled = await page.evaluate(() =>
      [...(globalThis as unknown as PageGlobals).document.querySelectorAll('main select, main input, main textarea, main button')].filter(
        (element) => !(element.labels?.length || element.getAttribute('aria-label') || (element.textContent ?? '').trim()),
      ).length,
    );
    expect(unlabelled).toBe(0);
    // Only the table scrolls sideways; the page itself fits the phone's width.
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // The first Tab reaches the skip link, Enter moves focus to the content.
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.textContent)).resolves.toBe('Skip to content');
    await page.keyboard.press('Enter');
    await expect(page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.id)).resolves.toBe('main');
  });

  it('asks once for the token when the API wants one, and keeps it for the tab only', async () => {
    const tokenServer = await startServe(facts.databasePath, ['--token', TOKEN]);
    try {
      const tokenBase = `http://127.0.0.1:${tokenServer.port}`;
      const context = await running.browser.newContext({ viewport: VIEWPORT });
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(`${tokenBase}/#/inventory?covered=true`);
      await page.getByLabel('API token', { exact: true }).fill(`${TOKEN}-wrong`);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByText('The server refused that token.').waitFor();
      await page.getByLabel('API token', { exact: true }).fill(TOKEN);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForSelector('table.devices tbody tr');
      await page.reload();
      await page.waitForSelector('table.devices tbody tr');
      await expect(page.getByLabel('API token', { exact: true }).count()).resolves.toBe(0);
      await expect(page.evaluate(() => [(globalThis as unknown as PageGlobals).sessionStorage.getItem('camaudit.token'), (globalThis as unknown as PageGlobals).localStorage.length, (globalThis as unknown as PageGlobals).document.cookie])).resolves.toEqual([TOKEN, 0, '']);
      // The token goes in a header, so a download works too.
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
      expect(parseCsv(readFileSync(await download.path(), 'utf8')).length).toBeGreaterThan(1);
      // Another browser session (a new context) has to ask again.
      const other = await running.browser.newContext();
      contexts.push(other);
      const second = await other.newPage();
      await second.goto(`${tokenBase}/`);
      await second.getByLabel('API token', { exact: true }).waitFor();
    } finally {
      tokenServer.child.kill('SIGTERM');
      if (tokenServer.child.exitCode === null) await Promise.race([once(tokenServer.child, 'exit'), sleep(3000)]);
    }
  });
});
