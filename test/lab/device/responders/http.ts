// Plain HTTP on every port of the profile's http section: routes with status, headers and body from the profile.

import { createServer } from 'node:net';
import { parseHttpConfig } from '../../profile.js';
import { checkSiteTemplates, serveHttpConnection } from '../http-exchange.js';
import { closeAll, listenAll, trackSockets } from '../listen.js';
import type { StartResponder } from '../responder.js';

export const start: StartResponder = async (config, context) => {
  const parsed = parseHttpConfig(config);
  if (!parsed.ok) throw new Error(`http section of ${context.profile.name}: ${parsed.reason}`);
  const site = parsed.value;
  checkSiteTemplates(site, context);
  const servers = site.ports.map(() => createServer((socket) => serveHttpConnection(socket, site, context, 'http')));
  const sockets = servers.map(trackSockets);
  await listenAll(servers, site.ports, 'http');
  return { stop: () => closeAll(servers, sockets) };
};
