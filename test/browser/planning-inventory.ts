// A planning inventory for the page's tests and screenshots: a real SQLite file written through the inventory's
// own API, from real device strings (test/fixtures/corpus, each line with its public source) identified by the
// real matcher, over a month of scans and status changes at three sites. Only the time is chosen, so that the
// progress chart has a history to show. Nothing here is a row of our own making.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createRejectionLog, rejectionRecord } from '../../src/discovery/engine/rejections.js';
import { parseXmlSafely } from '../../src/discovery/safe-xml.js';
import { openInventory, type Inventory, type InventoryDevice } from '../../src/inventory/index.js';
import { identify, loadKnowledgeBase } from '../../src/match/index.js';
import type { Observation } from '../../src/model.js';
import { createObservation, type ObservationInput } from '../../src/observation.js';

const corpusDirectory = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'corpus');

/** What the hostile device calls itself (its ONVIF GetDeviceInformation Model, which becomes the model). */
export const HOSTILE_NAME = '<img src=x onerror=alert(1)>';

export const SITES = ['hq', 'warehouse', 'store-12'] as const;
const DAY_MS = 24 * 60 * 60 * 1000;
// Of the many MAC-only lines (an OUI and nothing else), this many per corpus file: enough to look like a LAN.
const NEIGHBOUR_LINES_PER_FILE = 6;

/** A corpus line's observations; each gets its address when it is placed at a site. */
interface CorpusCase {
  file: string;
  observations: Omit<ObservationInput, 'ip'>[];
}

function corpusCases(): CorpusCase[] {
  const cases: CorpusCase[] = [];
  for (const file of readdirSync(corpusDirectory).filter((name) => name.endsWith('.jsonl')).sort()) {
    let neighbours = 0;
    for (const text of readFileSync(join(corpusDirectory, file), 'utf8').split('\n')) {
      if (text.trim() === '') continue;
      const parsed = JSON.parse(text) as { observation?: ObservationInput; observations?: ObservationInput[] };
      const observations = parsed.observations ?? (parsed.observation ? [parsed.observation] : []);
      if (observations.length === 0) continue;
      if (observations.every((observation) => observation.source === 'neighbour')) {
        neighbours += 1;
        if (neighbours > NEIGHBOUR_LINES_PER_FILE) continue;
      }
      cases.push({ file, observations });
    }
  }
  return cases;
}

export interface PlanningInventory {
  databasePath: string;
  /** Every device after the last scan. */
  devices: InventoryDevice[];
  hostileId: string;
}

/** Moves one corpus case to its own address at a site (documentation addresses would all collide). */
function placed(entry: CorpusCase, ip: string, site: string, at: Date): Observation[] {
  return entry.observations.map((input) => createObservation({ ...input, ip }, { site, agent: 'agent-1', now: () => at }));
}

/** A UPnP description that declares an entity (the "billion laughs" shape), which the XML reader refuses. */
export const REFUSED_DESCRIPTION = '<?xml version="1.0"?><!DOCTYPE root [<!ENTITY a "aaaaaaaaaa">]><root><device><friendlyName>&a;</friendlyName></device></root>';

async function scan(inventory: Inventory, site: string, groups: Observation[][], refusedFrom?: string): Promise<string> {
  const scanId = await inventory.beginScan({ site, agent: 'agent-1', scope: { cidrs: [`10.20.${SITES.indexOf(site as (typeof SITES)[number]) + 1}.0/24`] }, channels: ['sadp', 'dhip', 'wsdiscovery', 'banner', 'mdns', 'ssdp', 'neighbour'] });
  for (const group of groups) for (const observation of group) await inventory.recordObservation(scanId, observation);
  // The scan's record of refused inputs, made the way a scan makes it: the XML reader's verdict, the rejection log.
  const rejections = createRejectionLog(pino({ level: 'silent' }));
  const parsed = refusedFrom === undefined ? undefined : parseXmlSafely(REFUSED_DESCRIPTION, 64 * 1024);
  if (parsed && !parsed.ok) rejections.record({ channel: 'ssdp', ip: refusedFrom!, port: 49152, reason: parsed.reason });
  await inventory.finishScan(scanId, { status: 'finished', ...rejectionRecord(rejections.summary()) });
  return scanId;
}

/** Writes the inventory at `path`; `today` is the day of the latest scan. */
export async function buildPlanningInventory(path: string, today = new Date()): Promise<PlanningInventory> {
  const knowledgeBase = loadKnowledgeBase();
  let clock = today.getTime() - 30 * DAY_MS;
  const inventory = await openInventory(path, { identify: (observations) => identify(observations, knowledgeBase), log: pino({ level: 'silent' }), now: () => new Date(clock) });
  try {
    const cases = corpusCases();
    // The first scan of each site sees all but the last few cases of hq, which the second hq scan finds new.
    const held = cases.slice(-4);
    const placedCases = cases.slice(0, -4).map((entry, index) => {
      const site = SITES[index % SITES.length]!;
      return { entry, site, ip: `10.20.${SITES.indexOf(site) + 1}.${10 + Math.floor(index / SITES.length)}` };
    });
    const firstScan = new Date(clock);
    for (const site of SITES) await scan(inventory, site, placedCases.filter((item) => item.site === site).map((item) => placed(item.entry, item.ip, site, firstScan)));

    const covered = (site: string): Promise<InventoryDevice[]> => inventory.listAllDevices({ site, covered: true });
    const at = (daysAgo: number): void => {
      clock = today.getTime() - daysAgo * DAY_MS;
    };
    at(25);
    for (const device of [...(await covered('warehouse')).slice(0, 5), ...(await covered('store-12')).slice(0, 3)]) await inventory.updateDevice(device.id, { status: 'planned', owner: 'Facilities' });
    at(18);
    for (const device of (await covered('warehouse')).slice(0, 3)) await inventory.updateDevice(device.id, { status: 'replaced', notes: 'Swapped for an Axis M3085-V' });
    await inventory.updateDevice((await covered('store-12'))[0]!.id, { status: 'removed' });
    await inventory.updateDevice((await covered('store-12'))[4]!.id, { status: 'exempt', statusReason: 'Evidence locker camera, replaced with the building in 2027' });
    // One hq camera is marked replaced: the next hq scan sees it again, which is an alert.
    const backAgain = (await covered('hq'))[0]!;
    await inventory.updateDevice(backAgain.id, { status: 'replaced' });
    at(10);
    for (const device of (await covered('hq')).filter((device) => device.status === 'found').slice(0, 4)) await inventory.updateDevice(device.id, { status: 'planned', owner: 'IT' });

    at(2);
    const secondScan = new Date(clock);
    const hq = placedCases.filter((item) => item.site === 'hq').map((item) => placed(item.entry, item.ip, 'hq', secondScan));
    const newOnes = held.map((entry, index) => placed(entry, `10.20.1.${200 + index}`, 'hq', secondScan));
    const hostile = placed(
      {
        file: 'hostile',
        observations: [
          { source: 'onvif', port: 80, onvif: { deviceInformation: { Manufacturer: 'HIKVISION', Model: HOSTILE_NAME, FirmwareVersion: 'V5.4.5 build 170124', SerialNumber: 'DS-2CD2142FWD-I20170124AAWR123456789' } } },
          { source: 'neighbour', mac: 'c0:56:e3:12:34:56', neighbour: { state: 'REACHABLE' } },
        ],
      },
      '10.20.1.250',
      'hq',
      secondScan,
    );
    // A camera whose Hik-Connect (P2P) is on, as its SADP reply says (HCPlatformEnable, the field of the SADP
    // ProbeMatch in cameronnewman/hikvision-tooling internal/sadp): the cloud alert's device.
    const cloudOn = placed(
      {
        file: 'cloud',
        observations: [
          { source: 'sadp', mac: 'c0:56:e3:65:43:21', sadp: { DeviceType: '138', DeviceDescription: 'DS-2CD2043G2-I', DeviceSN: 'DS-2CD2043G2-I20220112AAWRJ12345678', MAC: 'c0-56-e3-65-43-21', SoftwareVersion: 'V5.7.3build 220112', SupportHCPlatform: 'true', HCPlatformEnable: 'true' } },
        ],
      },
      '10.20.1.249',
      'hq',
      secondScan,
    );
    await scan(inventory, 'hq', [...hq, ...newOnes, hostile, cloudOn], '10.20.1.251');
    const devices = await inventory.listAllDevices();
    const hostileDevice = devices.find((device) => device.identification.model === HOSTILE_NAME);
    if (!hostileDevice) throw new Error('the matcher did not take the hostile ONVIF model as the model');
    return { databasePath: path, devices, hostileId: hostileDevice.id };
  } finally {
    await inventory.close();
  }
}
