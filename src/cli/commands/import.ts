import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CamauditError } from '../../errors.js';
import { createRootLogger } from '../../log.js';
import type { Observation } from '../../model.js';
import { importBundle, isBundlePath } from '../../fleet/bundle.js';
import type { ScanFinish } from '../../inventory/index.js';
import { DETECT_CHARS, IMPORT_FORMATS, type ImportFormat, createImporter, detectFormat } from '../../import/index.js';
import { INVENTORY_LIMITS, MATCH_LIMITS } from '../../config.js';
import { defineCommand } from '../command.js';
import { DB_OPTION, openDefaultInventory } from '../inventory.js';
import { createBatchedOutput, openInput, peekHead, readLineBatches } from '../line-stream.js';
import { RecentIds } from '../recent-ids.js';

/** Observations committed per transaction: large enough that commits cost little, small enough to stay flat. */
const BATCH = 2000;
/** Observation ids an import remembers having sent (16 bytes each, in a table at most half full: recent-ids.ts). */
const RECENT_IDS = 100_000;

export const importCommand = defineCommand({
  name: 'import',
  operands: 'FILE|-',
  summary: "Other tools' data into the inventory: nmap XML, switch MAC tables, DHCP leases, CSV, observation JSON Lines.",
  details: `Reads other tools' output into the inventory as observations, with the evidence and source of each, and
identifies the devices: Hikvision and Dahua hardware that never answers a scan still shows in a switch's MAC
table or a DHCP server's leases, and its MAC names the maker. The format is detected when --format is not given
(README "Importing other tools' data" has an example of each, with its public source):
  nmap-xml           nmap -oX: addresses, MAC and nmap's vendor, services, http-title, http-server-header,
                     ssl-cert, rtsp-methods, upnp-info, broadcast-wsdd-discover/-upnp-info/-dns-service-discovery
  switch-mac-table   show mac address-table (Cisco IOS, NX-OS), show mac-address (HPE ProCurve/Aruba-OS),
                     display mac-address (HPE Comware, Huawei), show ethernet-switching table (Juniper)
  isc-dhcpd-leases   ISC dhcpd's dhcpd.leases
  dnsmasq-leases     dnsmasq's dnsmasq.leases
  windows-dhcp-csv   Windows DHCP server leases: Get-DhcpServerv4Lease | Export-Csv, or the console's Export List
  csv                a header line naming ip, mac and hostname columns
  jsonl              the observations that camaudit identify reads
A gzip-compressed file is decompressed as it is read; FILE.jsonl.gz is an offline bundle (camaudit scan --out),
loaded with its own scan, once however often it is imported (--site required). A line that cannot be read is
reported on stderr with its number and the rest is still imported; the exit code is 1 when any line was bad.`,
  options: {
    format: { type: 'choice', choices: IMPORT_FORMATS, description: 'the input format (detected when absent)' },
    site: { type: 'string', value: 'NAME', env: 'CAMAUDIT_SITE', description: 'site recorded on every observation (default "default"; required for a bundle)' },
    agent: { type: 'string', value: 'NAME', default: 'import', description: 'agent recorded on every observation' },
    switch: { type: 'string', value: 'NAME', description: "the switch a MAC table came from, when its prompt is not in the file (default the file's name)" },
    json: { type: 'boolean', description: "print the import's counts as JSON" },
    db: DB_OPTION,
  },
  async run({ values, operands }) {
    // A batch process whose live data is small beside what it allocates: V8 collects when the heap has grown by a
    // quarter, not by up to four times (measured: peak RSS about 40 MB lower at 1,000,000 lines, no CPU cost).
    setFlagsFromString('--heap-growing-percent=25');
    // And V8 favours memory over speed where it decides at run time (its heap limits, when to collect). Measured
    // side by side, alternately: a million repeated lines 5.7 to 6.3 s of CPU against 5.0 to 5.7 (still 160,000
    // lines a second) and peak RSS 96 to 98 MB against 111 to 113; a first import of 20,000 devices 123 to 126 MB
    // against 157 to 163 (under the 150 MB target) for about 15% more CPU; of 100,000 devices 200 MB against 240.
    // Keeping the young generation at its first 1 MB instead (--semi-space-growth-factor=1) cost a repeated import a
    // third more CPU for a like saving.
    setFlagsFromString('--optimize-for-size');
    const file = operands[0];
    if (file === undefined) throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', 'import needs a FILE (or - for standard input)');
    const raw = openInput(file);
    // A gzip stream (by its magic bytes, whatever the name) is read through gunzip: offline bundles travel as .jsonl.gz.
    const { head: magic, all: rawAll } = await peekHead(raw, 2, 'latin1');
    const input = magic === '\x1f\x8b' ? Readable.from(rawAll).pipe(createGunzip()) : Readable.from(rawAll);
    const { head, all } = await peekHead(input, DETECT_CHARS);
    const format: ImportFormat | undefined = values.format ?? detectFormat(head);
    if (!format) throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', `cannot tell the format of ${file === '-' ? 'the input' : file}: give --format (${IMPORT_FORMATS.join(', ')})`);

    const log = createRootLogger();
    if (isBundlePath(file) && (values.format === undefined || values.format === 'jsonl')) {
      // An offline bundle (camaudit scan --out): its own header and scan, loaded idempotently (src/fleet/bundle.ts).
      if (values.site === undefined || values.site.trim() === '') throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', 'importing a bundle needs --site NAME');
      const inventory = await openDefaultInventory(values.db, log);
      try {
        const outcome = await importBundle(file, { inventory, site: values.site });
        if (values.json) process.stdout.write(`${JSON.stringify(outcome)}\n`);
        else process.stderr.write(`import: scan ${outcome.scanId} (${outcome.scanStatus}): ${outcome.observations} observations, ${outcome.stored} new, ${outcome.duplicates} already stored\n`);
        return 0;
      } finally {
        await inventory.close();
      }
    }
    const inventory = await openDefaultInventory(values.db, log, {
      mergePartObservations: INVENTORY_LIMITS.importMergePartObservations,
      sqliteCacheKiB: INVENTORY_LIMITS.importSqliteCacheKiB,
    });
    const errors = createBatchedOutput(process.stderr);
    const abort = new AbortController();
    const onSignal = (): void => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      // Through the inventory's public batch interface (the one agents push through): idempotent by observation id,
      // and the scan is merged into devices when its last batch says so.
      const site = values.site ?? 'default';
      const scan = { id: randomUUID(), startedAt: new Date().toISOString(), scope: { import: file === '-' ? 'stdin' : basename(file), format }, channels: [`import:${format}`] };
      const switchName = values.switch ?? (file === '-' ? undefined : basename(file).replace(/\.gz$/, '').replace(/\.[^.]*$/, ''));
      const importer = createImporter(format, { site, agent: values.agent, scanId: scan.id, ...(switchName ? { switchName } : {}) });
      // Every importer hashes each observation's id from its content (src/import/): the inventory need not again.
      const send = (observations: Observation[], finish?: ScanFinish) =>
        inventory.ingestBatch({ site, agent: values.agent, scan, observations, ...(finish ? { finish } : {}) }, { idsComputedHere: true });
      let batch: Observation[] = [];
      let badLines = 0;
      let read = 0;
      // Ids already sent in this import: a lease log or a repeated scan repeats its sightings, and sending one again
      // stores nothing (the inventory keys observations by id and sightings by scan and id). Bounded: forgotten
      // when full, which only means a repeat is sent and ignored by the inventory.
      const sent = new RecentIds(RECENT_IDS);
      const take = async (items: ReturnType<typeof importer.line>): Promise<void> => {
        for (const item of items) {
          if (item.ok) {
            read += 1;
            if (!sent.add(item.observation.id)) continue;
            batch.push(item.observation);
          } else {
            badLines += 1;
            void errors.push(`camaudit import: line ${item.line}: ${item.reason}\n`);
          }
        }
        if (batch.length >= BATCH) {
          await send(batch);
          batch = [];
        }
      };
      for await (const lines of readLineBatches(all, MATCH_LIMITS.maxObservationLineChars)) {
        for (const line of lines) await take(line.tooLong ? [{ ok: false, line: line.number, reason: `line longer than ${MATCH_LIMITS.maxObservationLineChars} characters` }] : importer.line(line.text, line.number));
        if (abort.signal.aborted) break;
      }
      if (!abort.signal.aborted) await take(importer.end());
      const result = await send(batch, { status: abort.signal.aborted ? 'interrupted' : 'finished', counts: { format, read, badLines } });
      await errors.flush();
      const counts = (await inventory.getScan(result.scanId))?.counts ?? {};
      if (values.json) process.stdout.write(`${JSON.stringify({ scanId: result.scanId, format, status: result.scanStatus, ...counts })}\n`);
      else {
        process.stdout.write(
          `import ${file === '-' ? 'stdin' : basename(file)} (${format}): ${read} observations read (${String(counts.observations)} distinct), ${String(counts.devices)} devices (${String(counts.newDevices)} new, ${String(counts.covered)} covered), ${badLines} bad lines\n`,
        );
        process.stderr.write(`inventory: ${inventory.path}\nlist them: camaudit devices --db ${inventory.path}${Number(counts.covered) > 0 ? ' --covered' : ''}\n`);
      }
      if (abort.signal.aborted) return 130;
      return badLines > 0 ? 1 : 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await inventory.close();
    }
  },
});
