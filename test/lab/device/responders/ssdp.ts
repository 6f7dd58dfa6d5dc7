// SSDP / UPnP as a device's UPnP stack answers it (home-assistant/core#46822, test/fixtures/ssdp): an M-SEARCH for `ssdp:all` draws one reply per
// search target the device has, a search for one of its targets draws that reply alone, anything else silence.
// Each reply waits a random delay within MX (devices spread replies so a LAN does not answer at once) and goes to
// the searcher from the device's own address (real stacks answer from an ephemeral port: Dahua's capture came from
// :55927). The description XML is served over HTTP at LOCATION on a port of its own.
//
// Profile section:
//   "ssdp": {
//     "udn": "uuid:www.dahuatech.com.device_3_0-{{identity.serial}}",
//     "searchTargets": ["{{udn}}", "urn:schemas-upnp-org:device:…"],      // in reply order; USN = udn, or udn::target
//     "headers": [["CACHE-CONTROL", "max-age=1800"], ["LOCATION", "{{location}}"], ["ST", "{{st}}"], ["USN", "{{usn}}"]],
//     "description": { "port": 49152, "path": "/upnp_device_desc.xml", "body": "<?xml …" }
//   }
// Header values and the body are templates (responder.ts) plus {{udn}}, {{location}}, {{st}}, {{usn}}.

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createServer } from 'node:http';
import { JsonReader } from '../../validate.js';
import { renderTemplate, type ResponderContext, type StartResponder } from '../responder.js';
import { MAX_PROBE_BYTES } from '../udp-group.js';

export const SSDP_PORT = 1900;
export const SSDP_GROUP = '239.255.255.250';
/** The longest a reply waits, whatever MX says: keeps lab scans short while still spreading replies. */
const MAX_REPLY_DELAY_MS = 500;
const HEADER_NAME_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export interface SsdpResponderConfig {
  udn: string;
  searchTargets: string[];
  headers: [string, string][];
  description: { port: number; path: string; body: string; contentType: string };
}

export function parseSsdpConfig(value: unknown): { ok: true; value: SsdpResponderConfig } | { ok: false; reason: string } {
  const r = new JsonReader();
  const root = r.object(value, 'ssdp');
  if (!root) return { ok: false, reason: r.problems.join('; ') };
  r.noExtraKeys(root, 'ssdp', ['udn', 'searchTargets', 'headers', 'description', '$comment']);
  const udn = r.string(root.udn, 'ssdp.udn', /^uuid:\S+$/);
  const searchTargets = (r.array(root.searchTargets, 'ssdp.searchTargets') ?? []).flatMap((target, index) => r.string(target, `ssdp.searchTargets[${index}]`, /^\S+$/) ?? []);
  if (searchTargets.length === 0) r.problem('ssdp.searchTargets', 'a device answers for at least one target');
  const headers: [string, string][] = [];
  for (const [index, entry] of (r.array(root.headers, 'ssdp.headers') ?? []).entries()) {
    const pair = r.array(entry, `ssdp.headers[${index}]`);
    const name = r.string(pair?.[0], `ssdp.headers[${index}][0]`, HEADER_NAME_PATTERN);
    const text = r.string(pair?.[1], `ssdp.headers[${index}][1]`);
    if (name !== undefined && text !== undefined) headers.push([name, text]);
  }
  const descriptionRoot = r.object(root.description, 'ssdp.description');
  if (descriptionRoot) r.noExtraKeys(descriptionRoot, 'ssdp.description', ['port', 'path', 'body', 'contentType']);
  const port = r.integer(descriptionRoot?.port, 'ssdp.description.port', 1, 65_535);
  const path = r.string(descriptionRoot?.path, 'ssdp.description.path', /^\/\S*$/);
  const body = r.string(descriptionRoot?.body, 'ssdp.description.body');
  const contentType = descriptionRoot?.contentType === undefined ? 'text/xml' : r.string(descriptionRoot.contentType, 'ssdp.description.contentType');
  if (r.problems.length > 0 || !udn || port === undefined || !path || body === undefined || !contentType) return { ok: false, reason: r.problems.join('; ') };
  return { ok: true, value: { udn, searchTargets, headers, description: { port, path, body, contentType } } };
}

/** The search target of an M-SEARCH (`MAN: "ssdp:discover"` required, as UPnP stacks check), with its MX. */
export function searchOf(data: Buffer): { target: string; mxSeconds: number } | undefined {
  const text = data.toString('latin1');
  if (!/^M-SEARCH \* HTTP\/1\.1\r?\n/i.test(text) || !/^MAN:\s*"ssdp:discover"\s*$/im.test(text)) return undefined;
  const target = /^ST:[ \t]*(\S+)[ \t]*$/im.exec(text)?.[1];
  if (target === undefined) return undefined;
  const mx = Number(/^MX:[ \t]*(\d{1,2})[ \t]*$/im.exec(text)?.[1] ?? '1');
  return { target, mxSeconds: mx };
}

/** The replies the device sends for one search target, rendered. */
export function ssdpReplies(config: SsdpResponderConfig, searchTarget: string, context: ResponderContext): Buffer[] {
  const udn = renderTemplate(config.udn, context);
  const location = `http://${context.ip}:${config.description.port}${config.description.path}`;
  const targets = config.searchTargets.map((target) => renderTemplate(target, context, { udn }));
  const chosen = searchTarget === 'ssdp:all' ? targets : targets.filter((target) => target === searchTarget);
  return chosen.map((st) => {
    const usn = st === udn ? udn : `${udn}::${st}`;
    const lines = config.headers.map(([name, value]) => `${name}: ${renderTemplate(value, context, { udn, location, st, usn })}\r\n`);
    return Buffer.from(`HTTP/1.1 200 OK\r\n${lines.join('')}\r\n`, 'utf8');
  });
}

export const start: StartResponder = async (value, context) => {
  const parsed = parseSsdpConfig(value);
  if (!parsed.ok) throw new Error(`ssdp section of ${context.profile.name}: ${parsed.reason}`);
  const config = parsed.value;
  ssdpReplies(config, 'ssdp:all', context); // a template typo fails at start, not mid-scan
  const udn = renderTemplate(config.udn, context);
  const descriptionBody = renderTemplate(config.description.body, context, { udn });

  const http = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method === 'GET' && path === config.description.path) {
      context.log('ssdp description served', { from: request.socket.remoteAddress });
      response.writeHead(200, { 'Content-Type': config.description.contentType, 'Content-Length': Buffer.byteLength(descriptionBody) });
      response.end(descriptionBody);
    } else {
      response.writeHead(404, { 'Content-Length': 0 });
      response.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', (error) => reject(new Error(`ssdp description could not listen on ${context.ip}:${config.description.port}: ${error.message}`)));
    http.listen({ port: config.description.port, host: context.ip }, () => resolve());
  });

  const bind = (socket: Socket, options: { port: number; address: string }): Promise<void> =>
    new Promise((resolve, reject) => {
      socket.once('error', (error) => reject(new Error(`ssdp could not bind UDP ${options.address}:${options.port}: ${error.message}`)));
      socket.bind(options, () => resolve());
    });
  // The listener hears the group (joined on the device's interface) and unicast searches (UDA 1.1 §1.3.3).
  const listener = createSocket({ type: 'udp4', reuseAddr: true });
  await bind(listener, { port: SSDP_PORT, address: '0.0.0.0' });
  listener.addMembership(SSDP_GROUP, context.ip);
  // Replies leave from the device's own address even in a namespace with several (the router).
  const sender = createSocket({ type: 'udp4' });
  await bind(sender, { port: 0, address: context.ip });
  const timers = new Set<NodeJS.Timeout>();
  for (const socket of [listener, sender]) socket.on('error', (error) => context.log('ssdp socket error', { error: error.message }));

  listener.on('message', (data: Buffer, remote: RemoteInfo) => {
    if (data.length > MAX_PROBE_BYTES) return;
    const search = searchOf(data);
    if (search === undefined) return;
    for (const reply of ssdpReplies(config, search.target, context)) {
      const delayMs = Math.random() * Math.min(Math.max(search.mxSeconds, 1) * 1000, MAX_REPLY_DELAY_MS);
      const timer = setTimeout(() => {
        timers.delete(timer);
        sender.send(reply, remote.port, remote.address, (error) => {
          if (error) context.log('ssdp send failed', { error: error.message });
        });
      }, delayMs);
      timers.add(timer);
    }
    context.log('ssdp search answered', { from: remote.address, target: search.target });
  });

  return {
    stop: async () => {
      for (const timer of timers) clearTimeout(timer);
      http.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => http.close(() => resolve())),
        new Promise<void>((resolve) => listener.close(() => resolve())),
        new Promise<void>((resolve) => sender.close(() => resolve())),
      ]);
    },
  };
};
