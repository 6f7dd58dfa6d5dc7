import { parseDuration } from '../../api/index.js';
import { DEFAULT_SCAN_CONFIG, resolveScanConfig } from '../../config.js';
import { createRootLogger } from '../../log.js';
import { runListen } from '../../listen.js';
import { defineCommand } from '../command.js';
import { DB_OPTION, openDefaultInventory } from '../inventory.js';
import { printDevices } from '../print-devices.js';

export const listenCommand = defineCommand({
  name: 'listen',
  summary: 'Learns what the segment announces, without sending a probe.',
  details: `Listens for the announcements devices multicast on their own (mDNS, SSDP NOTIFY, WS-Discovery Hello/Bye, SADP and
DHIP where devices send them), DHCP requests (vendor class, parameter list; port 67 needs root), then reads the
kernel's neighbour table. The only packets it causes are the IGMP group joins the kernel sends. Results are stored
and identified like a scan's.`,
  options: {
    duration: { type: 'string', value: 'DURATION', default: '5m', description: 'how long to listen, e.g. 30s, 15m, 1h' },
    interface: { type: 'string', value: 'NAME', multiple: true, description: 'interface to listen on (default every up non-loopback IPv4 interface)' },
    site: { type: 'string', value: 'NAME', env: 'CAMAUDIT_SITE', default: DEFAULT_SCAN_CONFIG.site, description: 'site recorded on every observation' },
    json: { type: 'boolean', description: 'print the devices as JSON instead of a table' },
    db: DB_OPTION,
  },
  async run({ values }) {
    const durationMs = parseDuration(values.duration);
    const log = createRootLogger();
    const config = resolveScanConfig({ site: values.site });
    const inventory = await openDefaultInventory(values.db, log);
    const abort = new AbortController();
    const onSignal = (): void => abort.abort(new Error('interrupted'));
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      process.stderr.write(`listening for ${values.duration}; nothing is sent (Ctrl-C stops early and keeps what was heard)\n`);
      const request = { durationMs, ...(values.interface.length === 0 ? {} : { interfaceNames: values.interface }) };
      const outcome = await runListen(request, { config, inventory, log, signal: abort.signal });
      process.stderr.write(`listen ${outcome.scanId} ${outcome.status}: ${outcome.observations} observations, ${outcome.deviceIds.length} devices\n`);
      const devices = (await Promise.all(outcome.deviceIds.map((id) => inventory.getDevice(id)))).filter((device) => device !== undefined);
      printDevices(devices, values.json ? 'json' : 'table');
      return outcome.status === 'interrupted' ? 130 : 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await inventory.close();
    }
  },
});
