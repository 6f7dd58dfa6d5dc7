import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Inventory } from '../inventory/index.js';
import { VERSION } from '../version.js';
import { parseCidr } from '../net/cidr.js';
import { createAccessHook } from './access.js';
import { AuthFailures, decideAuth } from './auth.js';
import { createErrorHandler } from './errors.js';
import { registerDeviceRoutes } from './routes/devices.js';
import { registerExportRoutes } from './routes/export.js';
import { registerFleetRoutes } from './routes/fleet.js';
import { registerHealthRoute } from './routes/health.js';
import { registerOverviewRoutes } from './routes/overview.js';
import { registerScanRoutes, type StartScan } from './routes/scans.js';
import { registerWebRoutes } from './routes/web.js';
import { API_LIMITS } from '../config.js';

// The REST API over the inventory. It knows nothing of protocols: scans are started through the injected
// `startScan`, and only over ranges the operator allowed when starting the server.

export const DEFAULT_API_HOST = '127.0.0.1';
export const DEFAULT_API_PORT = 7370;

export interface ServerOptions {
  inventory: Inventory;
  log: Logger;
  /** Address the server will listen on; decides whether a token is mandatory. */
  host: string;
  token?: string;
  /** Require the token even on loopback. */
  requireToken?: boolean;
  /** Ranges POST /scans may cover; empty = the API cannot start scans. */
  allowedCidrs?: readonly string[];
  startScan?: StartScan;
  /** The clock of the wrong-token back-off (tests). */
  now?: () => number;
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const auth = decideAuth({ host: options.host, token: options.token, requireToken: options.requireToken });
  const allowedRanges = (options.allowedCidrs ?? []).map((cidr) => parseCidr(cidr));
  const log = options.log.child({ module: 'api' });
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; typing it so keeps FastifyInstance at its default generics.
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: API_LIMITS.bodyLimitBytes,
    // Unknown fields are refused rather than silently dropped: a typo in PATCH must not look like success.
    ajv: { customOptions: { removeAdditional: false } },
  });

  app.setErrorHandler(createErrorHandler(log));
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ statusCode: 404, code: 'CAMAUDIT_ERR_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
  // The page's own files carry no data and must load before the page can ask for the token.
  const pageRoutes = registerWebRoutes(app);
  app.addHook('onRequest', createAccessHook({ inventory: options.inventory, adminToken: options.token, tokenRequired: auth.tokenRequired, host: options.host, failures: new AuthFailures(options.now), openPaths: pageRoutes }));

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'camaudit',
        version: VERSION,
        description: 'Inventory of network cameras and whether their hardware maker is on the FCC Covered List (Hikvision, Dahua and their OEM brands).',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: auth.tokenRequired ? [{ bearer: [] }] : [],
      tags: [
        { name: 'devices', description: 'devices merged across protocols and scans, and their replacement status' },
        { name: 'scans', description: 'scan history, diffs, and starting a scan' },
        { name: 'export', description: 'CSV, JSON, JSON Lines and xlsx for replacement planning' },
        { name: 'fleet', description: 'agents pushing observations from many sites, and the sites' },
        { name: 'health', description: 'liveness' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  registerHealthRoute(app, options.inventory, VERSION);
  registerDeviceRoutes(app, options.inventory);
  registerScanRoutes(app, { inventory: options.inventory, allowedRanges, startScan: options.startScan });
  registerExportRoutes(app, options.inventory);
  registerFleetRoutes(app, options.inventory);
  registerOverviewRoutes(app, { inventory: options.inventory, allowedRanges, scanningEnabled: options.startScan !== undefined, version: VERSION });
  await app.ready();
  log.info({ host: options.host, tokenRequired: auth.tokenRequired, allowedCidrs: allowedRanges.map((range) => range.cidr) }, 'API ready');
  return app;
}

export interface StartedServer {
  app: FastifyInstance;
  /** e.g. http://127.0.0.1:7370 */
  url: string;
}

/** Builds the server and listens; refuses (CAMAUDIT_ERR_TOKEN_REQUIRED) before binding a non-loopback address without a token. */
export async function startServer(options: ServerOptions & { port: number }): Promise<StartedServer> {
  const app = await buildServer(options);
  const url = await app.listen({ host: options.host, port: options.port });
  return { app, url };
}
