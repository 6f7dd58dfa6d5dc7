import { createHash, randomBytes } from 'node:crypto';
import { CamauditError } from '../errors.js';
import type { SqlRunner } from './sql.js';
import type { TokenRecord, TokenRole } from './types.js';

// API tokens kept in the inventory: agent tokens scoped to one site, and optional extra admin tokens. A token is
// 32 random bytes; only its SHA-256 is stored. A fast hash is enough here because the secret is random and long
// (no dictionary to try), unlike a password; it also lets a request find its token with one indexed lookup.

const TOKEN_PREFIX = 'cam_';
const TOKEN_BYTES = 32;
const MAX_SITE_NAME = 200;

interface TokenRow {
  id: string;
  role: TokenRole;
  site: string | null;
  label: string | null;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function recordOf(row: TokenRow): TokenRecord {
  return { id: row.id, role: row.role, site: row.site, label: row.label, createdAt: row.created_at, revokedAt: row.revoked_at, lastUsedAt: row.last_used_at };
}

export function createTokenStore(db: SqlRunner, now: () => string) {
  return {
    async createToken(request: { role: TokenRole; site?: string; label?: string }): Promise<{ token: string; record: TokenRecord }> {
      const site = request.site?.trim();
      if (request.role === 'agent' && (site === undefined || site === '' || site.length > MAX_SITE_NAME)) {
        throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', 'an agent token needs the site it may write (--site NAME)');
      }
      if (request.role === 'admin' && site !== undefined) throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', 'an admin token is not scoped to a site');
      const token = `${TOKEN_PREFIX}${randomBytes(TOKEN_BYTES).toString('base64url')}`;
      const row: TokenRow = {
        id: randomBytes(6).toString('hex'),
        role: request.role,
        site: request.role === 'agent' ? site! : null,
        label: request.label ?? null,
        created_at: now(),
        revoked_at: null,
        last_used_at: null,
      };
      await db.run('INSERT INTO api_tokens (id, token_hash, role, site, label, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
        row.id,
        hashToken(token),
        row.role,
        row.site,
        row.label,
        row.created_at,
      ]);
      return { token, record: recordOf(row) };
    },

    async listTokens(): Promise<TokenRecord[]> {
      return (await db.all<TokenRow>('SELECT id, role, site, label, created_at, revoked_at, last_used_at FROM api_tokens ORDER BY created_at, id')).map(recordOf);
    },

    async revokeToken(id: string): Promise<boolean> {
      return (await db.run('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [now(), id])) > 0;
    },

    async verifyToken(secret: string): Promise<TokenRecord | undefined> {
      if (!secret.startsWith(TOKEN_PREFIX)) return undefined;
      const row = await db.get<TokenRow>(
        'SELECT id, role, site, label, created_at, revoked_at, last_used_at FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL',
        [hashToken(secret)],
      );
      if (!row) return undefined;
      const at = now();
      await db.run('UPDATE api_tokens SET last_used_at = ? WHERE id = ?', [at, row.id]);
      return recordOf({ ...row, last_used_at: at });
    },
  };
}
