import { resolveScanConfig } from '../../config.js';
import { resolveCredentials } from '../../credentials-file.js';
import { ScanJobs } from '../../api/scan-jobs.js';
import { readApiToken } from '../../api/token.js';
import { CHANNELS } from '../../discovery/index.js';
import { CamauditError } from '../../errors.js';
import { createRootLogger } from '../../log.js';
import { DEFAULT_API_HOST, DEFAULT_API_PORT, parseDuration, scheduleScans, startServer, type StartScan } from '../../api/index.js';
import { runScan } from '../../scan.js';
import { defineCommand } from '../command.js';
import { DB_OPTION, openDefaultInventory } from '../inventory.js';

export const serveCommand = defineCommand({
  name: 'serve',
  summary: 'Serves the inventory over REST (OpenAPI page at /docs).',
  details: `Binds ${DEFAULT_API_HOST} unless told otherwise; bound to any other address it refuses to start without a token,
and then requires "Authorization: Bearer TOKEN" on every route but /health.`,
  options: {
    host: { type: 'string', value: 'ADDRESS', env: 'CAMAUDIT_HOST', default: DEFAULT_API_HOST, description: 'address to bind' },
    port: { type: 'number', value: 'N', env: 'CAMAUDIT_PORT', default: DEFAULT_API_PORT, description: 'port' },
    'token-file': { type: 'string', value: 'FILE', env: 'CAMAUDIT_API_TOKEN_FILE', description: 'file holding the API token (32 characters or more); preferred to --token, which ps shows every user' },
    token: { type: 'string', value: 'TOKEN', env: 'CAMAUDIT_API_TOKEN', description: 'API token' },
    'allow-readable-secrets': { type: 'boolean', description: 'accept a token or credentials file that group or others may read' },
    'allow-cidr': { type: 'string', value: 'RANGE', multiple: true, description: 'range POST /scans and scheduled scans may cover; none: the API cannot scan' },
    'scan-every': { type: 'string', value: 'DURATION', description: 'scan the allowed ranges on a schedule (e.g. 30m, 6h; 1m to 366d); one scan at a time' },
    'no-multicast': { type: 'boolean', description: 'scheduled and API scans probe the ranges by unicast only' },
    'no-host-discovery': { type: 'boolean', description: 'scheduled scans send the full probe set to every address (API scans choose per request)' },
    credentials: { type: 'string', value: 'FILE', env: 'CAMAUDIT_CREDENTIALS_FILE', description: 'ONVIF logins per range for those scans (see camaudit scan --help)' },
    db: DB_OPTION,
  },
  async run({ values }) {
    const port = values.port;
    const token = readApiToken({ flag: values.token, file: values['token-file'], allowReadable: values['allow-readable-secrets'] === true, env: {} });
    const log = createRootLogger(process.env.CAMAUDIT_LOG_LEVEL ?? 'info');
    const serveLog = log.child({ module: 'serve' });
    const config = resolveScanConfig({ credentials: resolveCredentials(values.credentials, log, values['allow-readable-secrets'] === true) });
    const allowedCidrs = values['allow-cidr'];
    const everyMs = values['scan-every'] !== undefined ? parseDuration(values['scan-every']) : undefined;
    if (everyMs !== undefined && allowedCidrs.length === 0) {
      throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', '--scan-every needs at least one --allow-cidr');
    }
    const inventory = await openDefaultInventory(values.db, log);
    const interrupted = await inventory.markInterruptedScans();
    if (interrupted.length > 0) serveLog.warn({ scanIds: interrupted }, 'scans left running by an earlier process are marked interrupted');

    const jobs = new ScanJobs();
    const scan = (cidrs: string[], hostDiscovery: boolean, onScanStarted?: (scanId: string) => void): Promise<unknown> => {
      if (jobs.stopping) return Promise.reject(new CamauditError('CAMAUDIT_ERR_SCANNING_DISABLED', 'the server is stopping'));
      return jobs.track(
        runScan(
          { cidrs, multicast: !values['no-multicast'], multicastInsideRangesOnly: true, channels: CHANNELS, hostDiscovery },
          { config, inventory, log, signal: jobs.signal, ...(onScanStarted ? { onScanStarted } : {}) },
        ),
      );
    };
    const startScan: StartScan = (cidrs, options) =>
      new Promise<string>((resolveStarted, rejectStarted) => {
        scan(cidrs, options.hostDiscovery, resolveStarted).catch((error: unknown) => {
          // Rejecting after the id was handed out is a no-op; the scan's own record says it failed.
          rejectStarted(error);
          serveLog.error({ err: error }, 'API scan failed');
        });
      });

    let server;
    try {
      server = await startServer({ inventory, log, host: values.host, port, allowedCidrs, startScan, ...(token !== undefined ? { token } : {}) });
    } catch (error) {
      await inventory.close();
      throw error;
    }
    process.stderr.write(`camaudit: serving ${inventory.path} on ${server.url} (docs at ${server.url}/docs)\n`);
    const schedule = everyMs !== undefined ? scheduleScans({ everyMs, run: () => scan(allowedCidrs, values['no-host-discovery'] !== true), log, isBusy: () => inventory.isScanRunning(), runAtStart: true }) : undefined;

    await new Promise<void>((resolveStop) => {
      const stop = (): void => resolveStop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    // Scans first (aborted, then awaited: each records itself interrupted), then the server, then the database.
    process.stderr.write('camaudit: stopping: running scans are interrupted\n');
    const scansStopped = jobs.stop();
    await schedule?.stop();
    await scansStopped;
    await server.app.close();
    await inventory.close();
    return 0;
  },
});
