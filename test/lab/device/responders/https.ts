// HTTP over TLS with a self-signed certificate whose subject comes from the profile (e.g. Hikvision's default
// `CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,…`, rapid7/recog xml/x509_subjects.xml). Without routes of its own the section serves
// the device's http routes.

import { createServer } from 'node:tls';
import { parseHttpConfig, parseHttpsConfig } from '../../profile.js';
import { createSelfSignedCertificate } from '../certificate.js';
import { checkSiteTemplates, serveHttpConnection, type HttpSite } from '../http-exchange.js';
import { closeAll, listenAll, trackSockets } from '../listen.js';
import type { StartResponder } from '../responder.js';

export const start: StartResponder = async (config, context) => {
  const parsed = parseHttpsConfig(config);
  if (!parsed.ok) throw new Error(`https section of ${context.profile.name}: ${parsed.reason}`);
  const https = parsed.value;
  let site: HttpSite;
  if (https.routes) {
    site = { routes: https.routes };
    if (https.headers) site.headers = https.headers;
    if (https.notFound) site.notFound = https.notFound;
  } else {
    const http = parseHttpConfig(context.profile.protocols.http);
    if (!http.ok) throw new Error(`https section of ${context.profile.name} has no routes and the http section is not usable: ${http.reason}`);
    site = { ...http.value, ...(https.headers ? { headers: https.headers } : {}) };
  }
  checkSiteTemplates(site, context);
  const { key, cert } = await createSelfSignedCertificate(https.certificate);
  const servers = https.ports.map(() =>
    createServer({ key, cert }, (socket) => serveHttpConnection(socket, site, context, 'https')).on('tlsClientError', (error) =>
      context.log('https handshake failed', { error: error.message }),
    ),
  );
  const sockets = servers.map(trackSockets);
  await listenAll(servers, https.ports, 'https');
  return { stop: () => closeAll(servers, sockets) };
};
