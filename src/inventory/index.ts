// The inventory's public face: the lead's orchestrator, the CLI, the API and the exports import from here only.
export { openInventory } from './store.js';
export { groupObservations, type ObservationGroup } from './merge.js';
export { keysOfObservation, type KeyKind, type ObservationKeys } from './keys.js';
export { SCHEMA_VERSION } from './schema.js';
export { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from './queries.js';
export * from './types.js';
