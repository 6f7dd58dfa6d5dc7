import { resolveScanConfig } from '../../config.js';
import { resolveCredentials } from '../../credentials-file.js';
import { CHANNELS, type ChannelName } from '../../discovery/index.js';
import { CamauditError } from '../../errors.js';
import { createRootLogger } from '../../log.js';
import { runScan } from '../../scan.js';
import { numberFlag, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { openDefaultInventory, defaultDatabasePath } from '../inventory.js';
import { printDevices } from '../print-devices.js';
import { createProgress } from '../progress.js';

const USAGE = `camaudit scan --cidr RANGE [options]

Finds cameras: multicast discovery on each interface, unicast WS-Discovery/SADP/DHIP and an HTTP/HTTPS/RTSP
banner probe over the given ranges, then the neighbour table for MAC addresses. Results are merged into the
inventory (SQLite) and printed as a table.

Options:
  --cidr RANGE           address range to probe by unicast (repeatable), e.g. 192.168.1.0/24
  --interface NAME       interface for multicast (repeatable; default every up non-loopback IPv4 interface)
  --no-multicast         unicast over the ranges only
  --channels LIST        comma-separated subset of: ${CHANNELS.join(',')}
  --db FILE              inventory file (default ${defaultDatabasePath()})
  --site NAME            site recorded on every observation (default "default")
  --agent NAME           agent name recorded on every observation (default the host name)
  --listen-window MS     how long multicast channels listen (default 3000); unicast sweeps run inside it
  --unicast-grace MS     how long to wait for replies after the last unicast probe (default 500)
  --timeout MS           absolute bound of one TCP exchange (default 5000)
  --rate N               packets per second, all channels together (default 1000)
  --host-rate N          packets per second to one host (default 40)
  --concurrency N        hosts probed by TCP at once (default 256)
  --credentials FILE     ONVIF logins per range, JSON [{"cidr","username","password"}] (or CAMAUDIT_CREDENTIALS_FILE);
                         sent only to devices inside their range, only after a device refused without them
  --json                 print the devices as JSON instead of a table
  --fail-on-covered      exit 3 when a covered (Hikvision, Dahua, ...) device was found`;

export const scanCommand: Command = {
  usage: USAGE,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      cidr: { type: 'string', multiple: true, default: [] },
      interface: { type: 'string', multiple: true },
      'no-multicast': { type: 'boolean', default: false },
      channels: { type: 'string' },
      db: { type: 'string' },
      site: { type: 'string' },
      agent: { type: 'string' },
      'listen-window': { type: 'string' },
      'unicast-grace': { type: 'string' },
      timeout: { type: 'string' },
      rate: { type: 'string' },
      'host-rate': { type: 'string' },
      concurrency: { type: 'string' },
      credentials: { type: 'string' },
      json: { type: 'boolean', default: false },
      'fail-on-covered': { type: 'boolean', default: false },
    });
    const channels = (values.channels?.split(',').map((name) => name.trim()).filter(Boolean) ?? [...CHANNELS]) as ChannelName[];
    const log = createRootLogger();
    const credentials = resolveCredentials(values.credentials, log);
    // Said at the default log level too: the user should see that logins will be sent, and to which ranges.
    if (credentials.length > 0) process.stderr.write(`credentials: ONVIF logins for ${credentials.map((entry) => entry.cidr).join(', ')} (sent only inside those ranges)\n`);
    const config = resolveScanConfig({
      credentials,
      site: values.site,
      agent: values.agent,
      listenWindowMs: numberFlag('listen-window', values['listen-window']),
      unicastGraceMs: numberFlag('unicast-grace', values['unicast-grace']),
      exchangeTimeoutMs: numberFlag('timeout', values.timeout),
      globalRatePerSecond: numberFlag('rate', values.rate),
      perHostRatePerSecond: numberFlag('host-rate', values['host-rate']),
      concurrency: numberFlag('concurrency', values.concurrency),
    });
    if (values.cidr.length === 0 && values['no-multicast']) {
      throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', '--no-multicast needs at least one --cidr');
    }
    const inventory = openDefaultInventory(values.db, log);
    const progress = createProgress(process.stderr);
    const abort = new AbortController();
    const onSignal = (): void => abort.abort(new Error('interrupted'));
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const outcome = await runScan(
        { cidrs: values.cidr, interfaceNames: values.interface, multicast: !values['no-multicast'], channels },
        { config, inventory, log, signal: abort.signal, onProgress: progress.update },
      );
      progress.done(`scan ${outcome.scanId} ${outcome.status}: ${outcome.observations} observations, ${outcome.deviceIds.length} devices, ${(outcome.durationMs / 1000).toFixed(1)} s`);
      const devices = outcome.deviceIds.map((id) => inventory.getDevice(id)).filter((device) => device !== undefined);
      printDevices(devices, values.json ? 'json' : 'table');
      if (!values.json) {
        process.stderr.write(`inventory: ${inventory.path}\nserve it:  camaudit serve --db ${inventory.path}\n`);
      }
      if (outcome.status === 'interrupted') return 130;
      if (values['fail-on-covered'] && devices.some((device) => device.identification.covered)) return 3;
      return 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      inventory.close();
    }
  },
};
