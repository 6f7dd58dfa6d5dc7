import type { FastifyInstance } from 'fastify';
import type { Inventory } from '../../inventory/index.js';
import { healthSchema } from '../schemas.js';

export function registerHealthRoute(app: FastifyInstance, inventory: Inventory, version: string): void {
  // Touches the database, so "ok" means the inventory answers, not only that the process is up.
  app.get('/health', { schema: healthSchema }, async () => ({ status: 'ok', version, scanRunning: await inventory.isScanRunning() }));
}
