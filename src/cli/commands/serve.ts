import { resolveScanConfig } from '../../config.js';
import { resolveCredentials } from '../../credentials-file.js';
import { CHANNELS } from '../../discovery/index.js';
import { CamauditError } from '../../errors.js';
import { createRootLogger } from '../../log.js';
import { DEFAULT_API_HOST, DEFAULT_API_PORT, parseDuration, scheduleScans, startServer, type StartScan } from '../../api/index.js';
import { runScan } from '../../scan.js';
import { numberFlag, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { defaultDatabasePath, openDefaultInventory } from '../inventory.js';

const USAGE = `camaudit serve [options]

Serves the inventory over REST (OpenAPI page at /docs). Binds ${DEFAULT_API_HOST} unless told otherwise; bound to
any other address it refuses to start without a token, and then requires "Authorization: Bearer TOKEN" on every
route but /health.

Options:
  --db FILE            inventory file (default ${defaultDatabasePath()})
  --host ADDRESS       address to bind (default ${DEFAULT_API_HOST})
  --port N             port (default ${DEFAULT_API_PORT})
  --token TOKEN        API token (or CAMAUDIT_API_TOKEN)
  --allow-cidr RANGE   range POST /scans and scheduled scans may cover (repeatable); none = the API cannot scan
  --scan-every DURATION  scan the allowed ranges on a schedule (e.g. 30m, 6h); one scan at a time
  --no-multicast       scheduled and API scans probe the ranges by unicast only
  --credentials FILE   ONVIF logins per range for those scans (see camaudit scan --help; or CAMAUDIT_CREDENTIALS_FILE)`;

export const serveCommand: Command = {
  usage: USAGE,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      db: { type: 'string' },
      host: { type: 'string', default: process.env.CAMAUDIT_HOST ?? DEFAULT_API_HOST },
      port: { type: 'string', default: process.env.CAMAUDIT_PORT ?? String(DEFAULT_API_PORT) },
      token: { type: 'string' },
      'allow-cidr': { type: 'string', multiple: true, default: [] },
      'scan-every': { type: 'string' },
      'no-multicast': { type: 'boolean', default: false },
      credentials: { type: 'string' },
    });
    const port = numberFlag('port', values.port) ?? DEFAULT_API_PORT;
    const token = values.token ?? process.env.CAMAUDIT_API_TOKEN ?? undefined;
    const log = createRootLogger(process.env.CAMAUDIT_LOG_LEVEL ?? 'info');
    const config = resolveScanConfig({ credentials: resolveCredentials(values.credentials, log) });
    const allowedCidrs = values['allow-cidr'];
    const everyMs = values['scan-every'] !== undefined ? parseDuration(values['scan-every']) : undefined;
    if (everyMs !== undefined && allowedCidrs.length === 0) {
      throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', '--scan-every needs at least one --allow-cidr');
    }
    const inventory = openDefaultInventory(values.db, log);
    const interrupted = inventory.markInterruptedScans();
    if (interrupted.length > 0) log.warn({ scans: interrupted }, 'scans left running by an earlier process are marked interrupted');

    const scan = (cidrs: string[], onScanStarted?: (scanId: string) => void): Promise<unknown> =>
      runScan({ cidrs, multicast: !values['no-multicast'], channels: CHANNELS }, { config, inventory, log: log.child({ module: 'scan' }), ...(onScanStarted ? { onScanStarted } : {}) });
    const startScan: StartScan = (cidrs) =>
      new Promise<string>((resolveStarted, rejectStarted) => {
        scan(cidrs, resolveStarted).catch((error: unknown) => {
          // Rejecting after the id was handed out is a no-op; the scan's own record says it failed.
          rejectStarted(error);
          log.error({ err: error }, 'API scan failed');
        });
      });

    let server;
    try {
      server = await startServer({ inventory, log, host: values.host, port, allowedCidrs, startScan, ...(token !== undefined ? { token } : {}) });
    } catch (error) {
      inventory.close();
      throw error;
    }
    process.stderr.write(`camaudit: serving ${inventory.path} on ${server.url} (docs at ${server.url}/docs)\n`);
    const schedule = everyMs !== undefined ? scheduleScans({ everyMs, run: () => scan(allowedCidrs), log, isBusy: () => inventory.isScanRunning(), runAtStart: true }) : undefined;

    await new Promise<void>((resolveStop) => {
      const stop = (): void => resolveStop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await schedule?.stop();
    await server.app.close();
    inventory.close();
    return 0;
  },
};
