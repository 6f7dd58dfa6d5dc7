import type { FastifyInstance } from 'fastify';
import { checkedPage } from '../page.js';
import { CamauditError } from '../../errors.js';
import type { Inventory, ScanStatus } from '../../inventory/index.js';
import { checkRangesAllowed, type Ipv4Range } from '../../net/cidr.js';
import { getScanSchema, listScansSchema, scanDiffSchema, startScanSchema } from '../schemas.js';

/** How an API scan runs, beyond its ranges. */
export interface StartScanOptions {
  /** Phase 1 (host discovery) first, and the full probe set to live addresses only; false is `--no-host-discovery`. */
  hostDiscovery: boolean;
}

/** Starts a scan of these ranges; resolves with its id once it is recorded as running (it goes on in the background). */
export type StartScan = (cidrs: string[], options: StartScanOptions) => Promise<string>;

export interface ScanRouteOptions {
  inventory: Inventory;
  allowedRanges: readonly Ipv4Range[];
  startScan?: StartScan;
}

export function registerScanRoutes(app: FastifyInstance, options: ScanRouteOptions): void {
  const { inventory } = options;
  // Between the request and the scan's beginScan there is no running row yet: this flag closes that gap.
  let starting = false;

  app.get<{ Querystring: { limit: number; offset: number; status?: ScanStatus; site?: string } }>('/scans', { schema: listScansSchema }, async (request) =>
    inventory.listScans({ ...request.query, ...checkedPage(request.query) }),
  );

  app.get<{ Params: { id: string } }>('/scans/:id', { schema: getScanSchema }, async (request) => {
    const scan = await inventory.getScan(request.params.id);
    if (!scan) throw new CamauditError('CAMAUDIT_ERR_NOT_FOUND', `no scan with id ${request.params.id}`);
    return scan;
  });

  app.get<{ Params: { id: string }; Querystring: { against?: string } }>('/scans/:id/diff', { schema: scanDiffSchema }, async (request) => {
    const { id } = request.params;
    const scan = await inventory.getScan(id);
    if (!scan) throw new CamauditError('CAMAUDIT_ERR_NOT_FOUND', `no scan with id ${id}`);
    // Devices are merged when a scan finishes: until then every device would look gone.
    if (scan.status === 'running') throw new CamauditError('CAMAUDIT_ERR_SCAN_RUNNING', `scan ${id} is still running; diff it when it has finished`);
    const against = request.query.against ?? (await inventory.previousScanId(id));
    if (against === undefined) throw new CamauditError('CAMAUDIT_ERR_NOT_FOUND', `no finished scan before ${id} at its site to compare with; give ?against=SCAN_ID`);
    return inventory.diffScans(against, id);
  });

  app.post<{ Body: { cidrs: string[]; hostDiscovery?: boolean } }>('/scans', { schema: startScanSchema }, async (request, reply) => {
    if (!options.startScan || options.allowedRanges.length === 0) {
      throw new CamauditError('CAMAUDIT_ERR_SCANNING_DISABLED', 'this server may not scan: start it with --allow-cidr RANGE');
    }
    const ranges = checkRangesAllowed(request.body.cidrs, options.allowedRanges);
    if (starting || (await inventory.isScanRunning())) throw new CamauditError('CAMAUDIT_ERR_SCAN_RUNNING', 'a scan is already running; one at a time');
    starting = true;
    try {
      const hostDiscovery = request.body.hostDiscovery !== false;
      const scanId = await options.startScan(
        ranges.map((range) => range.cidr),
        { hostDiscovery },
      );
      request.log.info({ scanId, cidrs: ranges.map((range) => range.cidr), hostDiscovery }, 'scan started over the API');
      return reply.code(202).send({ scanId, status: 'running' });
    } finally {
      starting = false;
    }
  });
}
