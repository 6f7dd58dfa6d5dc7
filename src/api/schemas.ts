import { DEVICE_FILTER_FIELDS, DEVICE_SORT_COLUMNS, DEVICE_STATUSES, MAX_PAGE_LIMIT, DEFAULT_PAGE_LIMIT, SCAN_STATUSES, type DeviceFilterField } from '../inventory/index.js';
import { API_LIMITS } from '../config.js';

// JSON schemas of every route: what fastify validates (params, querystring, body) and serialises (responses),
// and what @fastify/swagger publishes at /docs/json. Response schemas list every field: fast-json-stringify
// drops anything not listed, which keeps internal columns out of the API.

const MAX_TEXT = API_LIMITS.maxTextChars;
const MAX_NAME = API_LIMITS.maxNameChars;

export const string = { type: 'string' } as const;
export const nullableString = { type: ['string', 'null'] } as const;
const stringArray = { type: 'array', items: string } as const;
const freeObject = { type: 'object', additionalProperties: true } as const;

export const errorSchema = {
  type: 'object',
  properties: { statusCode: { type: 'integer' }, code: string, message: string },
  required: ['statusCode', 'code', 'message'],
} as const;

const evidenceSchema = {
  type: 'object',
  properties: {
    ruleId: string,
    field: string,
    value: string,
    params: { type: 'object', additionalProperties: string },
    confidence: { type: 'number' },
    source: string,
    observationId: string,
  },
} as const;

const identificationSchema = {
  type: 'object',
  properties: {
    vendor: nullableString,
    brand: nullableString,
    model: nullableString,
    firmware: {
      type: ['object', 'null'],
      properties: { raw: string, version: string, buildDate: string },
    },
    serial: nullableString,
    mac: nullableString,
    deviceClass: string,
    covered: { type: 'boolean' },
    coveredReason: nullableString,
    confidence: { type: 'number' },
    evidence: { type: 'array', items: evidenceSchema },
    conflicts: stringArray,
    advisories: {
      type: 'array',
      items: { type: 'object', properties: { id: string, title: string, reason: string, references: stringArray } },
    },
    cloud: {
      type: 'object',
      properties: {
        state: string,
        evidence: { type: 'array', items: { type: 'object', properties: { field: string, value: string, says: string, source: string, observationId: string } } },
      },
    },
  },
} as const;

export const deviceSchema = {
  type: 'object',
  properties: {
    id: string,
    site: string,
    agent: string,
    ip: string,
    mac: nullableString,
    serial: nullableString,
    endpoint: nullableString,
    addresses: stringArray,
    ports: { type: 'array', items: { type: 'integer' } },
    sources: stringArray,
    identification: identificationSchema,
    firstSeen: string,
    lastSeen: string,
    scanIds: stringArray,
    status: { type: 'string', enum: DEVICE_STATUSES },
    statusReason: nullableString,
    location: nullableString,
    owner: nullableString,
    notes: nullableString,
    alert: nullableString,
    alertAt: nullableString,
    movedFrom: nullableString,
    movedAt: nullableString,
    via: {
      type: ['object', 'null'],
      description: 'for a camera behind an NVR: the NVR device id (null until known), its address, and the channel',
      properties: { deviceId: nullableString, ip: string, channel: { type: 'integer' } },
    },
    cloud: { type: 'string', enum: ['enabled', 'disabled', 'unknown'], description: 'vendor cloud (P2P) service, as the device says' },
  },
} as const;

export const scanSchema = {
  type: 'object',
  properties: {
    id: string,
    site: string,
    agent: string,
    scope: freeObject,
    channels: stringArray,
    startedAt: string,
    finishedAt: nullableString,
    status: { type: 'string', enum: SCAN_STATUSES },
    counts: freeObject,
    errors: { type: 'array', items: {} },
  },
} as const;

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: MAX_NAME } },
  required: ['id'],
} as const;

export const MAX_PAGE_OFFSET = API_LIMITS.maxPageOffset;

const pageProperties = {
  limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT },
  // Bounded like limit: a huge number (1e308 passes as an integer) cannot be bound by SQLite and gave a 500.
  offset: { type: 'integer', minimum: 0, maximum: MAX_PAGE_OFFSET, default: 0 },
} as const;

function filterFieldSchema(field: DeviceFilterField) {
  switch (field.type) {
    case 'boolean':
      return { type: 'boolean', description: field.description } as const;
    case 'choice':
      return { type: 'string', enum: field.choices, description: field.description } as const;
    case 'string':
      return { type: 'string', maxLength: field.maxLength, description: field.description } as const;
  }
}

/** The query parameters of the device filter (src/inventory/filter.ts), plus `q`, the older name of `search`. */
export const deviceFilterProperties = {
  ...Object.fromEntries(Object.entries(DEVICE_FILTER_FIELDS).map(([name, field]) => [name, filterFieldSchema(field)])),
  q: { ...filterFieldSchema(DEVICE_FILTER_FIELDS.search), description: 'older name of search, still accepted' },
};

/** Sorting of GET /devices, by the key of an export column. */
export const deviceSortProperties = {
  sort: { type: 'string', enum: Object.keys(DEVICE_SORT_COLUMNS), description: 'column to sort by (default: last seen, newest first)' },
  order: { type: 'string', enum: ['asc', 'desc'], default: 'asc' },
} as const;

const pageOf = (items: object) =>
  ({
    type: 'object',
    properties: { items: { type: 'array', items }, total: { type: 'integer' }, limit: { type: 'integer' }, offset: { type: 'integer' } },
  }) as const;

/** The error responses every route may give. */
export const errors = { '4xx': errorSchema, '5xx': errorSchema } as const;

export const listDevicesSchema = {
  tags: ['devices'],
  summary: 'List devices, filtered and paged',
  querystring: { type: 'object', properties: { ...deviceFilterProperties, ...deviceSortProperties, ...pageProperties }, additionalProperties: false },
  response: { 200: pageOf(deviceSchema), ...errors },
} as const;

const historySchema = {
  type: 'object',
  properties: { id: string, deviceId: string, scanId: nullableString, at: string, kind: string, field: nullableString, oldValue: nullableString, newValue: nullableString },
} as const;

export const getDeviceSchema = {
  tags: ['devices'],
  summary: 'One device with its evidence, history, sightings and observations',
  params: idParams,
  response: {
    200: {
      type: 'object',
      properties: {
        device: deviceSchema,
        history: { type: 'array', items: historySchema },
        sightings: { type: 'array', items: { type: 'object', properties: { scanId: string, ip: string, seenAt: string } } },
        observations: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: string,
              scanId: string,
              source: { type: 'string' },
              ip: string,
              port: { type: ['integer', 'null'] },
              mac: nullableString,
              observedAt: string,
            },
          },
        },
      },
    },
    ...errors,
  },
} as const;

const nullableText = { type: ['string', 'null'], maxLength: MAX_TEXT } as const;

export const patchDeviceSchema = {
  tags: ['devices'],
  summary: 'Set site, location, owner, notes or replacement status (exempt needs statusReason)',
  params: idParams,
  body: {
    type: 'object',
    properties: {
      site: { type: 'string', minLength: 1, maxLength: MAX_NAME },
      location: nullableText,
      owner: nullableText,
      notes: nullableText,
      status: { type: 'string', enum: DEVICE_STATUSES },
      statusReason: nullableText,
      clearAlert: { type: 'boolean' },
    },
    additionalProperties: false,
    minProperties: 1,
  },
  response: { 200: deviceSchema, ...errors },
} as const;

export const listScansSchema = {
  tags: ['scans'],
  summary: 'Scan history, newest first',
  querystring: {
    type: 'object',
    properties: { ...pageProperties, status: { type: 'string', enum: SCAN_STATUSES }, site: { type: 'string', maxLength: MAX_NAME } },
    additionalProperties: false,
  },
  response: { 200: pageOf(scanSchema), ...errors },
} as const;

export const getScanSchema = {
  tags: ['scans'],
  summary: 'One scan: scope, channels, times, status and counts',
  params: idParams,
  response: { 200: scanSchema, ...errors },
} as const;

const diffEntry = {
  type: 'object',
  properties: { deviceId: string, ip: string, mac: nullableString, vendor: nullableString, brand: nullableString, model: nullableString, firmware: nullableString },
} as const;

export const scanDiffSchema = {
  tags: ['scans'],
  summary: 'What is new, gone and changed in this scan, against an earlier one (default: the previous finished scan at the site)',
  params: idParams,
  querystring: {
    type: 'object',
    properties: { against: { type: 'string', minLength: 1, maxLength: MAX_NAME, description: 'id of the earlier scan' } },
    additionalProperties: false,
  },
  response: {
    200: {
      type: 'object',
      properties: {
        from: string,
        to: string,
        new: { type: 'array', items: diffEntry },
        gone: { type: 'array', items: diffEntry },
        changed: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              ...diffEntry.properties,
              changes: { type: 'array', items: { type: 'object', properties: { field: string, before: nullableString, after: nullableString } } },
            },
          },
        },
        unchanged: { type: 'integer' },
      },
    },
    ...errors,
  },
} as const;

export const startScanSchema = {
  tags: ['scans'],
  summary: 'Start a scan of ranges inside the ones this server was configured to allow',
  body: {
    type: 'object',
    properties: {
      cidrs: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 64 }, minItems: 1, maxItems: 64 },
      hostDiscovery: {
        type: 'boolean',
        default: true,
        description: 'find live hosts first and send the full probe set to those only; false sends it to every address (camaudit scan --no-host-discovery)',
      },
    },
    required: ['cidrs'],
    additionalProperties: false,
  },
  response: { 202: { type: 'object', properties: { scanId: string, status: string } }, ...errors },
} as const;

export const exportSchema = (format: string, mediaType: string) =>
  ({
    tags: ['export'],
    summary: `Every device matching the filters, as ${format}`,
    querystring: {
      type: 'object',
      properties: {
        ...deviceFilterProperties,
        ...(format === 'CSV' ? { bom: { type: 'boolean', default: false, description: 'prefix a UTF-8 byte order mark (Excel)' } } : {}),
      },
      additionalProperties: false,
    },
    response: {
      200: { description: `${format} file (attachment)`, content: { [mediaType]: { schema: mediaType === 'application/json' ? { type: 'array', items: deviceSchema } : { type: 'string' } } } },
      ...errors,
    },
  }) as const;

export const healthSchema = {
  tags: ['health'],
  summary: 'Liveness: answers without a token',
  security: [],
  response: {
    200: { type: 'object', properties: { status: string, version: string, scanRunning: { type: 'boolean' } } },
    ...errors,
  },
} as const;
