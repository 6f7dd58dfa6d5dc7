import { CamauditError } from '../../errors.js';
import { createRootLogger } from '../../log.js';
import { defineCommand } from '../command.js';
import { DB_OPTION, openDefaultInventory } from '../inventory.js';
import { renderTable } from '../text.js';

export const tokenCommand = defineCommand({
  name: 'token',
  operands: 'create|list|revoke [ID]',
  summary: "Agent tokens of the central server's database: create (printed once, only its hash kept), list, revoke.",
  details: `An agent token (create --site NAME) may push observations of its site and nothing else: it cannot read the
inventory nor write another site. create --admin makes a token that may do everything, like serve --token.`,
  options: {
    site: { type: 'string', value: 'NAME', description: 'create: the one site an agent token may write' },
    admin: { type: 'boolean', description: 'create: a token that may do everything' },
    label: { type: 'string', value: 'TEXT', description: 'create: a note shown by list' },
    json: { type: 'boolean', description: 'list: print JSON instead of a table' },
    db: DB_OPTION,
  },
  async run({ values, operands }) {
    const [action, id] = operands;
    if (action !== 'create' && action !== 'list' && action !== 'revoke') throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', 'camaudit token create|list|revoke (see --help)');
    if (action === 'create' && values.admin === (values.site !== undefined)) throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', 'give either --site NAME (an agent token) or --admin');
    if (action === 'revoke' && id === undefined) throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', 'camaudit token revoke ID (see camaudit token list)');
    const inventory = await openDefaultInventory(values.db, createRootLogger());
    try {
      if (action === 'create') {
        const { token, record } = await inventory.createToken({
          role: values.admin ? 'admin' : 'agent',
          ...(values.site !== undefined ? { site: values.site } : {}),
          ...(values.label !== undefined ? { label: values.label } : {}),
        });
        process.stderr.write(`token ${record.id} (${record.role}${record.site ? ` for site ${record.site}` : ''}); shown once, store it now:\n`);
        process.stdout.write(`${token}\n`);
        return 0;
      }
      if (action === 'list') {
        const tokens = await inventory.listTokens();
        if (values.json) process.stdout.write(`${JSON.stringify(tokens, null, 2)}\n`);
        else process.stdout.write(`${renderTable(['ID', 'ROLE', 'SITE', 'LABEL', 'CREATED', 'LAST USED', 'REVOKED'], tokens.map((entry) => [entry.id, entry.role, entry.site, entry.label, entry.createdAt, entry.lastUsedAt, entry.revokedAt]))}\n`);
        return 0;
      }
      if (!(await inventory.revokeToken(id!))) throw new CamauditError('CAMAUDIT_ERR_NOT_FOUND', `no live token with id ${id}`);
      process.stderr.write(`token ${id} revoked\n`);
      return 0;
    } finally {
      await inventory.close();
    }
  },
});
