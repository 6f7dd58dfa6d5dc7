import { DEVICE_STATUSES, MAX_BATCH_OBSERVATIONS, SCAN_STATUSES } from '../inventory/index.js';
import { errorSchema } from './schemas.js';

// Schemas of the fleet routes (issue 18): POST /ingest, where agents push, and GET /sites.

const MAX_NAME = 200;
const string = { type: 'string' } as const;
const nullableString = { type: ['string', 'null'] } as const;
const name = { type: 'string', minLength: 1, maxLength: MAX_NAME } as const;

export const ingestSchema = {
  tags: ['fleet'],
  summary: "Store a batch of one scan's observations from an agent (idempotent by observation id); the last batch carries `finish`",
  body: {
    type: 'object',
    required: ['site', 'agent', 'scan', 'observations'],
    additionalProperties: false,
    properties: {
      site: name,
      agent: name,
      agentVersion: { type: 'string', maxLength: 50 },
      scanEverySeconds: { type: 'integer', minimum: 1 },
      scan: {
        type: 'object',
        required: ['id', 'startedAt'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', minLength: 1, maxLength: 100 },
          startedAt: { type: 'string', maxLength: 40 },
          scope: { type: 'object', additionalProperties: true },
          channels: { type: 'array', items: string, maxItems: 50 },
        },
      },
      observations: { type: 'array', maxItems: MAX_BATCH_OBSERVATIONS, items: { type: 'object', additionalProperties: true } },
      finish: {
        type: 'object',
        required: ['status'],
        additionalProperties: false,
        properties: {
          status: { type: 'string', enum: SCAN_STATUSES.filter((status) => status !== 'running') },
          counts: { type: 'object', additionalProperties: true },
          errors: { type: 'array', maxItems: 1000 },
        },
      },
    },
  },
  response: {
    200: {
      type: 'object',
      properties: { scanId: string, stored: { type: 'integer' }, duplicates: { type: 'integer' }, scanStatus: { type: 'string', enum: SCAN_STATUSES } },
    },
    400: errorSchema,
    401: errorSchema,
    403: errorSchema,
  },
} as const;

const siteSchema = {
  type: 'object',
  properties: {
    site: string,
    devices: { type: 'integer' },
    covered: { type: 'integer' },
    byStatus: { type: 'object', properties: Object.fromEntries(DEVICE_STATUSES.map((status) => [status, { type: 'integer' }])) },
    agent: nullableString,
    agentVersion: nullableString,
    lastPushAt: nullableString,
    scanEverySeconds: { type: ['integer', 'null'] },
    overdue: { type: 'boolean' },
  },
} as const;

export const listSitesSchema = {
  tags: ['fleet'],
  summary: "Each site's devices, covered devices and counts by status, its agent's last push and version, and whether it is overdue",
  querystring: { type: 'object', additionalProperties: false, properties: { site: { type: 'string', maxLength: MAX_NAME } } },
  response: { 200: { type: 'object', properties: { items: { type: 'array', items: siteSchema } } }, 400: errorSchema, 401: errorSchema, 403: errorSchema },
} as const;
