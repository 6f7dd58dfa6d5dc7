import { parseDuration } from '../../api/index.js';
import { resolveScanConfig } from '../../config.js';
import { createRootLogger } from '../../log.js';
import { runListen } from '../../listen.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { defaultDatabasePath, openDefaultInventory } from '../inventory.js';
import { printDevices } from '../print-devices.js';

const DEFAULT_DURATION = '5m';

const USAGE = `camaudit listen [--duration D] [--interface NAME...] [--db FILE] [--site NAME] [--json]

Learns what the segment says about itself without sending anything: the announcements devices multicast on their
own (mDNS, SSDP NOTIFY, WS-Discovery Hello/Bye, SADP and DHIP where devices send them), DHCP requests (vendor class,
parameter list; needs port 67, so root), and the kernel's neighbour table. The only packets it causes are the IGMP
group joins the kernel sends. Results are stored and identified like a scan's.

Options:
  --duration D           how long to listen, e.g. 30s, 15m, 1h (default ${DEFAULT_DURATION})
  --interface NAME       interface to listen on (repeatable; default every up non-loopback IPv4 interface)
  --db FILE              inventory file (default ${defaultDatabasePath()})
  --site NAME            site recorded on every observation (default "default")
  --json                 print the devices as JSON instead of a table`;

export const listenCommand: Command = {
  usage: USAGE,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      duration: { type: 'string' },
      interface: { type: 'string', multiple: true },
      db: { type: 'string' },
      site: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    const durationMs = parseDuration(values.duration ?? DEFAULT_DURATION);
    const log = createRootLogger();
    const config = resolveScanConfig({ site: values.site });
    const inventory = openDefaultInventory(values.db, log);
    const abort = new AbortController();
    const onSignal = (): void => abort.abort(new Error('interrupted'));
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      process.stderr.write(`listening for ${values.duration ?? DEFAULT_DURATION}; nothing is sent (Ctrl-C stops early and keeps what was heard)\n`);
      const outcome = await runListen({ durationMs, ...(values.interface === undefined ? {} : { interfaceNames: values.interface }) }, { config, inventory, log, signal: abort.signal });
      process.stderr.write(`listen ${outcome.scanId} ${outcome.status}: ${outcome.observations} observations, ${outcome.deviceIds.length} devices\n`);
      const devices = outcome.deviceIds.map((id) => inventory.getDevice(id)).filter((device) => device !== undefined);
      printDevices(devices, values.json ? 'json' : 'table');
      return outcome.status === 'interrupted' ? 130 : 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      inventory.close();
    }
  },
};
