import { setTimeout as sleep } from 'node:timers/promises';
import { parseDuration, scheduleScans } from '../../api/index.js';
import { DEFAULT_SCAN_CONFIG, resolveScanConfig } from '../../config.js';
import { resolveCredentials } from '../../credentials-file.js';
import { CHANNELS, type ChannelName } from '../../discovery/index.js';
import { CamauditError } from '../../errors.js';
import { DEFAULT_SPOOL_DIRECTORY, DEFAULT_SPOOL_MAX_BYTES, setUpPushing } from '../../fleet/agent.js';
import { DEFAULT_BATCH_OBSERVATIONS, withSinks } from '../../fleet/sink.js';
import { createRootLogger } from '../../log.js';
import { runScan } from '../../scan.js';
import { defineCommand } from '../command.js';
import { DB_OPTION, openDefaultInventory } from '../inventory.js';

// How often an idle agent looks at its spool (batches of a finished scan are sent at once; this catches leftovers).
const IDLE_POLL_MS = 1000;

export const agentCommand = defineCommand({
  name: 'agent',
  summary: 'Runs at one site as a service: scans on a schedule and pushes every scan to the central camaudit.',
  details: `The first scan runs at once. Batches wait in a spool on disk until the server has them, so a server that is
down or restarting loses nothing; they are retried with backoff.`,
  options: {
    server: { type: 'string', value: 'URL', description: 'the central server (camaudit serve --db postgres://...)' },
    site: { type: 'string', value: 'NAME', env: 'CAMAUDIT_SITE', description: "this site's name; the token must be made for it" },
    cidr: { type: 'string', value: 'RANGE', multiple: true, description: 'range to scan' },
    'scan-every': { type: 'string', value: 'DURATION', default: '6h', description: 'schedule; the server flags the site when it hears nothing for twice this' },
    'push-token-file': { type: 'string', value: 'FILE', description: 'the agent token (or CAMAUDIT_PUSH_TOKEN), from camaudit token create --site NAME' },
    spool: { type: 'string', value: 'DIR', env: 'CAMAUDIT_SPOOL_DIR', default: DEFAULT_SPOOL_DIRECTORY, description: 'where unsent batches wait' },
    'spool-max-bytes': { type: 'number', value: 'N', default: DEFAULT_SPOOL_MAX_BYTES, description: 'bound of the spool; the oldest batches go first' },
    batch: { type: 'number', value: 'N', default: DEFAULT_BATCH_OBSERVATIONS, description: 'observations per pushed batch' },
    agent: { type: 'string', value: 'NAME', env: 'CAMAUDIT_AGENT', default: DEFAULT_SCAN_CONFIG.agent, description: 'agent name recorded on every observation' },
    interface: { type: 'string', value: 'NAME', multiple: true, description: 'interface for multicast (default every up non-loopback IPv4 interface)' },
    'no-multicast': { type: 'boolean', description: 'unicast over the ranges only' },
    channels: { type: 'string', value: 'LIST', description: `comma-separated subset of ${CHANNELS.join(',')}` },
    rate: { type: 'number', value: 'N', env: 'CAMAUDIT_RATE', default: DEFAULT_SCAN_CONFIG.globalRatePerSecond, description: 'packets per second, all channels together' },
    'host-rate': { type: 'number', value: 'N', env: 'CAMAUDIT_HOST_RATE', default: DEFAULT_SCAN_CONFIG.perHostRatePerSecond, description: 'packets per second to one host' },
    'listen-window': { type: 'number', value: 'MS', env: 'CAMAUDIT_LISTEN_WINDOW_MS', default: DEFAULT_SCAN_CONFIG.listenWindowMs, description: 'how long multicast channels listen' },
    credentials: { type: 'string', value: 'FILE', env: 'CAMAUDIT_CREDENTIALS_FILE', description: 'ONVIF logins per range (as for camaudit scan)' },
    db: DB_OPTION,
  },
  async run({ values }) {
    if (values.server === undefined) throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', 'camaudit agent needs --server URL');
    const site = values.site;
    if (site === undefined || site === '') throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', 'camaudit agent needs --site NAME');
    if (values.cidr.length === 0 && values['no-multicast']) throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', '--no-multicast needs at least one --cidr');
    const everyMs = parseDuration(values['scan-every']);
    const channels = (values.channels?.split(',').map((name) => name.trim()).filter(Boolean) ?? [...CHANNELS]) as ChannelName[];
    const log = createRootLogger(process.env.CAMAUDIT_LOG_LEVEL ?? 'info');
    const config = resolveScanConfig({
      credentials: resolveCredentials(values.credentials, log),
      site,
      agent: values.agent,
      globalRatePerSecond: values.rate,
      perHostRatePerSecond: values['host-rate'],
      listenWindowMs: values['listen-window'],
    });
    const pushing = setUpPushing({
      serverUrl: values.server,
      tokenFile: values['push-token-file'],
      spoolDirectory: values.spool,
      spoolMaxBytes: values['spool-max-bytes'],
      scanEverySeconds: Math.max(1, Math.round(everyMs / 1000)),
      batchObservations: values.batch,
      log,
    });
    const local = await openDefaultInventory(values.db, log);
    const inventory = withSinks(local, [pushing.sink]);
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    process.stderr.write(`camaudit agent: site ${site}, scanning ${values.cidr.join(' ') || 'multicast only'} every ${values['scan-every']}, pushing to ${values.server}\n`);

    const sending = (async () => {
      while (!stop.signal.aborted) {
        await pushing.pusher.drain({ signal: stop.signal });
        await sleep(IDLE_POLL_MS, undefined, { signal: stop.signal }).catch(() => undefined);
      }
    })();
    const schedule = scheduleScans({
      everyMs,
      runAtStart: true,
      log,
      run: () =>
        runScan(
          { cidrs: values.cidr, interfaceNames: values.interface, multicast: !values['no-multicast'], channels },
          { config, inventory, log: log.child({ module: 'scan' }), signal: stop.signal },
        ),
    });
    await new Promise<void>((resolveStop) => stop.signal.addEventListener('abort', () => resolveStop(), { once: true }));
    await schedule.stop();
    await sending;
    const left = pushing.spool.pending();
    if (left.batches > 0) process.stderr.write(`camaudit agent: ${left.batches} batches still spooled in ${pushing.spool.directory}; they are sent at the next start\n`);
    await local.close();
    return 0;
  },
});
