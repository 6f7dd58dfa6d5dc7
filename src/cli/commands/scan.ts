import { DEFAULT_SCAN_CONFIG, resolveScanConfig } from '../../config.js';
import { resolveCredentials } from '../../credentials-file.js';
import { CHANNELS, type ChannelName } from '../../discovery/index.js';
import { CamauditError } from '../../errors.js';
import { createRootLogger } from '../../log.js';
import { parseDuration } from '../../api/index.js';
import { setUpPushing, DEFAULT_SPOOL_DIRECTORY, DEFAULT_SPOOL_MAX_BYTES } from '../../fleet/agent.js';
import { bundleSink, isBundlePath, BUNDLE_SUFFIX } from '../../fleet/bundle.js';
import { withSinks } from '../../fleet/sink.js';
import { runScan } from '../../scan.js';
import { defineCommand } from '../command.js';
import { DB_OPTION, openDefaultInventory } from '../inventory.js';
import { printDevices } from '../print-devices.js';
import { createProgress } from '../progress.js';

export const scanCommand = defineCommand({
  name: 'scan',
  summary: 'Finds cameras and merges them into the inventory.',
  details: `Multicast discovery on each interface, unicast WS-Discovery/SADP/DHIP/SSDP/mDNS and an HTTP/HTTPS/RTSP banner
probe over the given ranges, then the neighbour table for MAC addresses. Results are merged into the inventory
(SQLite) and printed as a table.`,
  options: {
    cidr: { type: 'string', value: 'RANGE', multiple: true, description: 'address range to probe by unicast, e.g. 192.168.1.0/24' },
    interface: { type: 'string', value: 'NAME', multiple: true, description: 'interface for multicast (default every up non-loopback IPv4 interface)' },
    'no-multicast': { type: 'boolean', description: 'unicast over the ranges only' },
    'no-host-discovery': {
      type: 'boolean',
      description: 'send the full probe set to every address of the ranges, not only to those that showed life first (like nmap -Pn)',
    },
    channels: { type: 'string', value: 'LIST', description: `comma-separated subset of ${CHANNELS.join(',')}` },
    site: { type: 'string', value: 'NAME', env: 'CAMAUDIT_SITE', default: DEFAULT_SCAN_CONFIG.site, description: 'site recorded on every observation' },
    agent: { type: 'string', value: 'NAME', env: 'CAMAUDIT_AGENT', default: DEFAULT_SCAN_CONFIG.agent, description: 'agent name recorded on every observation' },
    'listen-window': {
      type: 'number',
      value: 'MS',
      env: 'CAMAUDIT_LISTEN_WINDOW_MS',
      default: DEFAULT_SCAN_CONFIG.listenWindowMs,
      description: 'how long multicast channels listen; unicast sweeps run inside it',
    },
    'unicast-grace': {
      type: 'number',
      value: 'MS',
      env: 'CAMAUDIT_UNICAST_GRACE_MS',
      default: DEFAULT_SCAN_CONFIG.unicastGraceMs,
      description: 'how long to wait for replies after the last unicast probe',
    },
    timeout: { type: 'number', value: 'MS', env: 'CAMAUDIT_EXCHANGE_TIMEOUT_MS', default: DEFAULT_SCAN_CONFIG.exchangeTimeoutMs, description: 'absolute bound of one TCP exchange' },
    rate: { type: 'number', value: 'N', env: 'CAMAUDIT_RATE', default: DEFAULT_SCAN_CONFIG.globalRatePerSecond, description: 'packets per second, all channels together' },
    'host-rate': { type: 'number', value: 'N', env: 'CAMAUDIT_HOST_RATE', default: DEFAULT_SCAN_CONFIG.perHostRatePerSecond, description: 'packets per second to one host' },
    concurrency: { type: 'number', value: 'N', env: 'CAMAUDIT_CONCURRENCY', default: DEFAULT_SCAN_CONFIG.concurrency, description: 'hosts probed by TCP at once' },
    'allow-readable-secrets': { type: 'boolean', description: 'accept a credentials file that group or others may read (or CAMAUDIT_ALLOW_READABLE_SECRETS=1)' },
    credentials: {
      type: 'string',
      value: 'FILE',
      env: 'CAMAUDIT_CREDENTIALS_FILE',
      description:
        'logins per range, JSON [{"cidr","username","password"}], for ONVIF and the Hikvision ISAPI / Dahua CGI reads (ONVIF-off units, cameras behind NVRs, cloud setting); sent only to devices inside their range, only after a device refused without them',
    },
    push: { type: 'string', value: 'URL', description: 'also send the observations to a central camaudit (serve --db postgres://...), in batches spooled on disk until it has them' },
    'push-token-file': { type: 'string', value: 'FILE', description: 'the agent token for --push (or CAMAUDIT_PUSH_TOKEN), from camaudit token create --site NAME on the central server' },
    spool: { type: 'string', value: 'DIR', env: 'CAMAUDIT_SPOOL_DIR', default: DEFAULT_SPOOL_DIRECTORY, description: 'where unsent batches wait' },
    'spool-max-bytes': { type: 'number', value: 'N', default: DEFAULT_SPOOL_MAX_BYTES, description: 'bound of the spool; past it the oldest batches are dropped' },
    'push-wait': { type: 'string', value: 'DURATION', default: '60s', description: 'how long to keep sending after the scan; the rest stays spooled for the next run' },
    out: { type: 'string', value: 'FILE.jsonl.gz', description: 'also write the observations as an offline bundle, for camaudit import on the central side' },
    json: { type: 'boolean', description: 'print the devices as JSON instead of a table' },
    'fail-on-covered': { type: 'boolean', description: 'exit 3 when a covered (Hikvision, Dahua, ...) device was found' },
    db: DB_OPTION,
  },
  async run({ values }) {
    const channels = (values.channels?.split(',').map((name) => name.trim()).filter(Boolean) ?? [...CHANNELS]) as ChannelName[];
    const log = createRootLogger();
    const credentials = resolveCredentials(values.credentials, log, values['allow-readable-secrets'] === true);
    // Said at the default log level too: the user should see that logins will be sent, and to which ranges.
    if (credentials.length > 0) process.stderr.write(`credentials: ONVIF logins for ${credentials.map((entry) => entry.cidr).join(', ')} (sent only inside those ranges)\n`);
    const config = resolveScanConfig({
      credentials,
      site: values.site,
      agent: values.agent,
      listenWindowMs: values['listen-window'],
      unicastGraceMs: values['unicast-grace'],
      exchangeTimeoutMs: values.timeout,
      globalRatePerSecond: values.rate,
      perHostRatePerSecond: values['host-rate'],
      concurrency: values.concurrency,
    });
    if (values.cidr.length === 0 && values['no-multicast']) {
      throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', '--no-multicast needs at least one --cidr');
    }
    if (values.out !== undefined && !isBundlePath(values.out)) throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', `--out names a bundle: FILE${BUNDLE_SUFFIX}`);
    const pushing =
      values.push !== undefined
        ? setUpPushing({ serverUrl: values.push, tokenFile: values['push-token-file'], spoolDirectory: values.spool, spoolMaxBytes: values['spool-max-bytes'], log })
        : undefined;
    const pushWaitMs = parseDuration(values['push-wait']);
    const sinks = [...(pushing ? [pushing.sink] : []), ...(values.out !== undefined ? [bundleSink(values.out)] : [])];
    const local = await openDefaultInventory(values.db, log);
    const inventory = Object.assign(withSinks(local, sinks), { path: local.path });
    const progress = createProgress(process.stderr, { quiet: values.json === true });
    const abort = new AbortController();
    const onSignal = (): void => abort.abort(new Error('interrupted'));
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const outcome = await runScan(
        { cidrs: values.cidr, interfaceNames: values.interface, multicast: !values['no-multicast'], channels, hostDiscovery: values['no-host-discovery'] !== true },
        { config, inventory, log, signal: abort.signal, onProgress: progress.update },
      );
      progress.done(`scan ${outcome.scanId} ${outcome.status}: ${outcome.observations} observations, ${outcome.deviceIds.length} devices, ${(outcome.durationMs / 1000).toFixed(1)} s`);
      const devices = (await Promise.all(outcome.deviceIds.map((id) => inventory.getDevice(id)))).filter((device) => device !== undefined);
      printDevices(devices, values.json ? 'json' : 'table');
      if (!values.json) {
        process.stderr.write(`inventory: ${inventory.path}\nserve it:  camaudit serve --db ${inventory.path}\n`);
      }
      if (values.out !== undefined) process.stderr.write(`bundle: ${values.out} (load it with: camaudit import ${values.out} --site ${config.site})\n`);
      if (pushing) {
        const pushed = await pushing.pusher.drain({ deadline: Date.now() + pushWaitMs });
        process.stderr.write(
          pushed.remaining === 0
            ? `push: ${pushed.sent} batches sent to ${values.push}\n`
            : `push: ${pushed.sent} batches sent, ${pushed.remaining} still spooled in ${pushing.spool.directory} (the next scan --push or agent sends them)\n`,
        );
      }
      if (outcome.status === 'interrupted') return 130;
      if (values['fail-on-covered'] && devices.some((device) => device.identification.covered)) return 3;
      return 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await inventory.close();
    }
  },
});
