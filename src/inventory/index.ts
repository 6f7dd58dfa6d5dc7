// The inventory's public face: the scan (src/scan.ts), the CLI, the API and the exports import from here only.
export { openInventory, PUSH_RUNNER_PREFIX } from './store.js';
export { groupObservations, type ObservationGroup } from './merge.js';
export { keysOfObservation, type KeyKind, type ObservationKeys } from './keys.js';
export { SCHEMA_VERSION } from './schema.js';
export { DEFAULT_PAGE_LIMIT, DEVICE_SORT_COLUMNS, MAX_PAGE_LIMIT } from './queries.js';
export { checkBatch, MAX_BATCH_OBSERVATIONS, sectionsOf } from './ingest.js';
export { isPostgresUrl, redactUrl } from './postgres.js';
export { ALERT_DEVICE_LIMIT, progressFromHistory, type AlertGroup, type AlertKind, type DeviceBrief, type DeviceFacets, type GroupCounts, type InventoryOverview, type ProgressPoint, type StatusCounts } from './overview.js';
export * from './types.js';
export { DEVICE_FILTER_FIELDS, DEVICE_STATUSES, MAX_FILTER_TEXT, pickDeviceFilter, type DeviceFilter, type DeviceFilterField } from './filter.js';
