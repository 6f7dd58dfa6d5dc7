import { CamauditError } from '../../errors.js';
import { importBundle, isBundlePath } from '../../fleet/bundle.js';
import { createRootLogger } from '../../log.js';
import { defineCommand } from '../command.js';
import { DB_OPTION, openDefaultInventory } from '../inventory.js';

// `camaudit import FILE.jsonl.gz --site NAME`: an offline bundle from an air-gapped site (camaudit scan --out).
// Kept apart from other import formats so that a general `import` command can hand .jsonl.gz files to
// runImportBundle.

export const importBundleCommand = defineCommand({
  name: 'import',
  operands: 'FILE.jsonl.gz',
  summary: 'Loads an offline bundle (scan --out) into the inventory, once however often it is imported.',
  details: `Usually into the central server's database (--db postgres://...). Idempotent like a push. --site must be the site
the bundle was made for; a bundle made without --site takes the site given here.`,
  options: {
    site: { type: 'string', value: 'NAME', description: 'the site the bundle is of (required)' },
    json: { type: 'boolean', description: 'print the outcome as JSON' },
    db: DB_OPTION,
  },
  async run({ values, operands }) {
    const [file] = operands;
    if (file === undefined || !isBundlePath(file)) throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', 'camaudit import needs a bundle FILE.jsonl.gz');
    if (values.site === undefined || values.site.trim() === '') throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', 'camaudit import needs --site NAME');
    const inventory = await openDefaultInventory(values.db, createRootLogger());
    try {
      const outcome = await importBundle(file, { inventory, site: values.site });
      if (values.json) process.stdout.write(`${JSON.stringify(outcome)}\n`);
      else process.stderr.write(`import: scan ${outcome.scanId} (${outcome.scanStatus}): ${outcome.observations} observations, ${outcome.stored} new, ${outcome.duplicates} already stored\n`);
      return 0;
    } finally {
      await inventory.close();
    }
  },
});
