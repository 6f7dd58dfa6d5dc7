export { buildServer, startServer, DEFAULT_API_HOST, DEFAULT_API_PORT, type ServerOptions, type StartedServer } from './server.js';
export { decideAuth, isLoopbackHost, isLoopbackHostHeader, tokenMatches, MIN_TOKEN_LENGTH, type AuthDecision, type AuthSettings } from './auth.js';
export { HTTP_STATUS } from './errors.js';
export { parseDuration, scheduleScans, MIN_SCHEDULE_MS, type Schedule, type ScheduleOptions } from './scheduler.js';
export type { StartScan } from './routes/scans.js';
