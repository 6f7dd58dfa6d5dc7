// Child process for inventory-crash.test.ts: records observations forever, printing each committed count,
// until the parent kills it with SIGKILL. Not a test file on its own.
import { openInventory } from '../../src/inventory/index.js';
import { createObservation } from '../../src/observation.js';
import { identifyDouble, silentLog } from './inventory-helpers.js';

const path = process.argv[2];
if (!path) throw new Error('usage: inventory-crash-writer.ts DB_PATH');
const inventory = await openInventory(path, { identify: identifyDouble, log: silentLog });
const scanId = await inventory.beginScan({ site: 'hq', agent: 'crash-child', scope: { cidrs: ['10.9.0.0/16'] }, channels: ['banner'] });
process.stdout.write(`scan ${scanId}\n`);

let count = 0;
async function batch(): Promise<void> {
  for (let i = 0; i < 25; i += 1) {
    const ip = `10.9.${Math.floor(count / 250)}.${(count % 250) + 1}`;
    await inventory.recordObservation(scanId, createObservation({ source: 'http', ip, port: 80, http: { headers: { server: 'child' }, title: `device ${count}` } }, { site: 'hq', agent: 'crash-child' }));
    count += 1;
    // Pipes are synchronous on Linux: once this line is out, the observation before it is committed.
    process.stdout.write(`committed ${count}\n`);
  }
  setImmediate(() => void batch());
}
void batch();
