import type { FastifyReply, FastifyRequest } from 'fastify';
import { CamauditError } from '../errors.js';
import type { Inventory } from '../inventory/index.js';
import { AuthFailures, bearerToken, isLoopbackHostHeader, tokenMatches } from './auth.js';

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
  /** The address the server listens on: a request without a token must name it (or a loopback name) in Host. */
  host?: string;
  /** Wrong tokens per client address, for the back-off. */
  failures?: AuthFailures;
  /** Paths that need no token besides /health: the planning page's own files, which carry no data. */
  openPaths?: readonly string[];
}

export function createAccessHook(options: AccessOptions) {
  const adminToken = options.adminToken !== undefined && options.adminToken !== '' ? options.adminToken : undefined;
  const failures = options.failures ?? new AuthFailures();
  const open = new Set([...OPEN_PATHS, ...(options.openPaths ?? [])]);
  return async function checkAccess(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const path = request.url.split('?')[0] ?? '';
    const presented = bearerToken(request.headers.authorization);
    // DNS rebinding: a page re-pointed at 127.0.0.1 reaches a token-less loopback API with its own name in Host.
    if (presented === undefined && !options.tokenRequired && !isLoopbackHostHeader(request.headers.host, options.host ?? '127.0.0.1')) {
      throw new CamauditError('CAMAUDIT_ERR_FOREIGN_HOST', 'this API has no token, so it answers only requests to 127.0.0.1, localhost or [::1]');
    }
    if (open.has(path)) return;
    const refuse = (message: string): never => {
      reply.header('www-authenticate', 'Bearer realm="camaudit"');
      throw new CamauditError('CAMAUDIT_ERR_UNAUTHORIZED', message);
    };
    if (presented === undefined) {
      if (options.tokenRequired || path === INGEST_PATH) refuse('an Authorization: Bearer token is required');
      accessOf.set(request, { role: 'admin' });
      return;
    }
    const wait = failures.waitFor(request.ip);
    if (wait > 0) {
      reply.header('retry-after', String(Math.ceil(wait / 1000)));
      throw new CamauditError('CAMAUDIT_ERR_TOO_MANY_FAILURES', `too many wrong tokens from ${request.ip}: retry in ${Math.ceil(wait / 1000)} s`);
    }
    if (adminToken !== undefined && tokenMatches(adminToken, presented)) {
      failures.succeeded(request.ip);
      accessOf.set(request, { role: 'admin' });
      return;
    }
    const record = await options.inventory.verifyToken(presented);
    if (!record) {
      failures.failed(request.ip);
      return refuse('the token is wrong or revoked');
    }
    failures.succeeded(request.ip);
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
