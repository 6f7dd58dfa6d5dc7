import type { FastifyInstance } from 'fastify';
import { DEVICE_STATUSES, type Inventory } from '../../inventory/index.js';
import type { Ipv4Range } from '../../net/cidr.js';
import { errors, nullableString, string } from '../schemas.js';

// What the planning page needs beyond the device and scan routes: the overview (counts, progress, alerts), the
// values the filters take, and what this server allows (whether it may start scans, over which ranges).

const statusCountsSchema = {
  type: 'object',
  properties: Object.fromEntries([['total', { type: 'integer' }], ...DEVICE_STATUSES.map((status) => [status, { type: 'integer' }])]),
} as const;
const groupSchema = { type: 'array', items: { type: 'object', properties: { name: nullableString, counts: statusCountsSchema } } } as const;
const briefSchema = {
  type: 'object',
  properties: {
    id: string,
    site: string,
    ip: string,
    vendor: nullableString,
    brand: nullableString,
    model: nullableString,
    firmware: nullableString,
    status: { type: 'string', enum: DEVICE_STATUSES },
    covered: { type: 'boolean' },
    detail: nullableString,
  },
} as const;

export const overviewSchema = {
  tags: ['devices'],
  summary: 'Covered devices per status (in total, per site, vendor and brand), replacement progress by day, alerts, and filter values',
  response: {
    200: {
      type: 'object',
      properties: {
        devices: { type: 'integer' },
        covered: statusCountsSchema,
        bySite: groupSchema,
        byVendor: groupSchema,
        byBrand: groupSchema,
        progress: { type: 'array', items: { type: 'object', properties: { day: string, ...statusCountsSchema.properties } } },
        alerts: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              kind: { type: 'string', enum: ['seenAgain', 'newCovered', 'advisory', 'cloudP2p'] },
              available: { type: 'boolean' },
              count: { type: 'integer' },
              devices: { type: 'array', items: briefSchema },
            },
          },
        },
        lastScan: {
          type: ['object', 'null'],
          properties: { id: string, site: string, startedAt: string, finishedAt: nullableString, status: string },
        },
      },
    },
    ...errors,
  },
} as const;

export const facetsSchema = {
  tags: ['devices'],
  summary: 'The sites, vendors, brands and advisories present in the inventory (the values its filters take)',
  response: {
    200: {
      type: 'object',
      properties: {
        sites: { type: 'array', items: string },
        vendors: { type: 'array', items: string },
        brands: { type: 'array', items: string },
        advisories: { type: 'array', items: { type: 'object', properties: { id: string, title: nullableString, devices: { type: 'integer' } } } },
      },
    },
    ...errors,
  },
} as const;

export const serverInfoSchema = {
  tags: ['scans'],
  summary: 'What this server allows: whether POST /scans may start a scan, and over which ranges',
  response: {
    200: {
      type: 'object',
      properties: { version: string, scanning: { type: 'boolean' }, allowedCidrs: { type: 'array', items: string }, scanRunning: { type: 'boolean' } },
    },
    ...errors,
  },
} as const;

export interface OverviewRouteOptions {
  inventory: Inventory;
  allowedRanges: readonly Ipv4Range[];
  scanningEnabled: boolean;
  version: string;
}

export function registerOverviewRoutes(app: FastifyInstance, options: OverviewRouteOptions): void {
  const { inventory } = options;
  app.get('/overview', { schema: overviewSchema }, async () => inventory.overview());
  app.get('/facets', { schema: facetsSchema }, async () => inventory.facets());
  app.get('/server', { schema: serverInfoSchema }, async () => ({
    version: options.version,
    scanning: options.scanningEnabled && options.allowedRanges.length > 0,
    allowedCidrs: options.allowedRanges.map((range) => range.cidr),
    scanRunning: await inventory.isScanRunning(),
  }));
}
