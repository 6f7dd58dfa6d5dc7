import type { FastifyReply, FastifyRequest } from 'fastify';
import { CamauditError } from '../errors.js';
import type { Inventory } from '../inventory/index.js';
import { bearerToken, tokenMatches } from './auth.js';

// Who a request is (issue 18). The admin token (--token, CAMAUDIT_API_TOKEN) may do everything, as may anyone on
// a loopback server started without one. Tokens made with `camaudit token create` are looked up in the inventory
// by hash: an agent token may only POST /ingest, and only for its own site (checked by the route); it reads
// nothing. Pushing always needs a token, even on loopback, so the site of a push is always vouched for.

export type Access = { role: 'admin' } | { role: 'agent'; site: string; tokenId: string };

export const INGEST_PATH = '/ingest';
const OPEN_PATHS = new Set(['/health']);
const accessOf = new WeakMap<FastifyRequest, Access>();

export function requestAccess(request: FastifyRequest): Access {
  return accessOf.get(request) ?? { role: 'admin' };
}

export interface AccessOptions {
  inventory: Inventory;
  adminToken?: string;
  /** Requests without a token are refused (the server is not on loopback, or was told to). */
  tokenRequired: boolean;
}

export function createAccessHook(options: AccessOptions) {
  const adminToken = options.adminToken !== undefined && options.adminToken !== '' ? options.adminToken : undefined;
  return async function checkAccess(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const path = request.url.split('?')[0] ?? '';
    if (OPEN_PATHS.has(path)) return;
    const presented = bearerToken(request.headers.authorization);
    const refuse = (message: string): never => {
      reply.header('www-authenticate', 'Bearer realm="camaudit"');
      throw new CamauditError('CAMAUDIT_ERR_UNAUTHORIZED', message);
    };
    if (presented === undefined) {
      if (options.tokenRequired || path === INGEST_PATH) refuse('an Authorization: Bearer token is required');
      accessOf.set(request, { role: 'admin' });
      return;
    }
    if (adminToken !== undefined && tokenMatches(adminToken, presented)) {
      accessOf.set(request, { role: 'admin' });
      return;
    }
    const record = await options.inventory.verifyToken(presented);
    if (!record) return refuse('the token is wrong or revoked');
    if (record.role === 'admin') {
      accessOf.set(request, { role: 'admin' });
      return;
    }
    if (request.method !== 'POST' || path !== INGEST_PATH) {
      throw new CamauditError('CAMAUDIT_ERR_FORBIDDEN', `an agent token may only push observations (POST ${INGEST_PATH}) for its site`);
    }
    accessOf.set(request, { role: 'agent', site: record.site ?? '', tokenId: record.id });
  };
}
