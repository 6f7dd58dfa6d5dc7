import type { FastifyInstance } from 'fastify';
import { CamauditError } from '../../errors.js';
import type { IngestBatch, Inventory } from '../../inventory/index.js';
import { INGEST_PATH, requestAccess } from '../access.js';
import { ingestSchema, listSitesSchema } from '../fleet-schemas.js';

// A batch of up to MAX_BATCH_OBSERVATIONS observations (each bounded by what a scan reads of a device) fits here;
// every other route keeps the server's small body limit.
export const INGEST_BODY_LIMIT_BYTES = 32 * 1024 * 1024;

export function registerFleetRoutes(app: FastifyInstance, inventory: Inventory): void {
  app.post<{ Body: IngestBatch }>(INGEST_PATH, { schema: ingestSchema, bodyLimit: INGEST_BODY_LIMIT_BYTES }, async (request) => {
    const access = requestAccess(request);
    if (access.role === 'agent' && access.site !== request.body.site) {
      throw new CamauditError('CAMAUDIT_ERR_FORBIDDEN', `this token writes site "${access.site}" only, not "${request.body.site}"`);
    }
    return inventory.ingestBatch(request.body);
  });

  app.get<{ Querystring: { site?: string } }>('/sites', { schema: listSitesSchema }, async (request) => ({ items: await inventory.listSites(request.query) }));
}
