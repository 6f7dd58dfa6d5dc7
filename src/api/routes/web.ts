import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { packageRoot } from '../../package-root.js';

// The planning page: one HTML document, one script and one stylesheet, built by `npm run build` into dist/web and
// held in memory. Nothing is loaded from elsewhere (no CDN, no web font), so the page works on an air-gapped
// network; the Content-Security-Policy says so to the browser too: no inline script or style, no other origin,
// no plugin, no framing.

export const WEB_ASSETS_DIRECTORY = join(packageRoot(), 'dist', 'web');

export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const ASSETS: readonly { route: string; file: string; type: string }[] = [
  { route: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { route: '/app.js', file: 'app.js', type: 'text/javascript; charset=utf-8' },
  { route: '/app.css', file: 'app.css', type: 'text/css; charset=utf-8' },
];

function secured(reply: FastifyReply, type: string): FastifyReply {
  return reply
    .header('content-type', type)
    .header('content-security-policy', PAGE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cache-control', 'no-cache');
}

/** Serves the page's files; they carry no data, so they need no token (the API calls the page makes do). */
export function registerWebRoutes(app: FastifyInstance, directory = WEB_ASSETS_DIRECTORY): string[] {
  const built = existsSync(join(directory, 'index.html'));
  for (const asset of ASSETS) {
    const body = built ? readFileSync(join(directory, asset.file)) : undefined;
    app.get(asset.route, { schema: { hide: true } }, async (_request, reply) => {
      if (body === undefined) {
        return secured(reply.code(503), 'text/plain; charset=utf-8').send('The camaudit page is not built: run "npm run build". The REST API answers; its documentation is at /docs.\n');
      }
      return secured(reply, asset.type).send(body);
    });
  }
  // Browsers ask for it whatever the page says; there is none, and a 404 would land in every log.
  app.get('/favicon.ico', { schema: { hide: true } }, async (_request, reply) => reply.code(204).send());
  return [...ASSETS.map((asset) => asset.route), '/favicon.ico'];
}
