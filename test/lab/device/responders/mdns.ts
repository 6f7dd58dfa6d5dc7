// mDNS / DNS-SD as a device announces itself (128keaton/hikvision-mdns
// test/cameras.json): each service instance with its PTR, SRV, TXT and the
// host's A/AAAA records, answered to the group. bonjour-service does the responding (as an advertiser
// it fits): it takes the instance name, the SRV target host (a Hikvision camera's full serial), TXT and
// port as given, and its A records come from the interfaces of the device's namespace, which hold only the device's
// address. It answers every query to 224.0.0.251, QU bit or not, as many embedded responders do; camaudit listens on
// the group for exactly that.
//
// Profile section:
//   "mdns": {
//     "host": "{{identity.serial}}.local",
//     "services": [{ "name": "HIKVISION {{identity.model}} - {{identity.serialShort}}", "type": "CGI", "protocol": "tcp",
//                    "port": 80, "txt": { "path": "/" } }]
//   }

import type { EventEmitter } from 'node:events';
import { Bonjour, type Service, type ServiceConfig } from 'bonjour-service';
import { JsonReader } from '../../validate.js';
import { renderTemplate, type StartResponder } from '../responder.js';

/** How long a service may take to send its first announcement (the socket is bound by then). */
const ANNOUNCE_TIMEOUT_MS = 5_000;
const SERVICE_TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{0,14}$/;

export interface MdnsServiceConfig {
  name: string;
  type: string;
  protocol: 'tcp' | 'udp';
  port: number;
  txt: Record<string, string>;
}

export interface MdnsResponderConfig {
  host: string;
  services: MdnsServiceConfig[];
}

export function parseMdnsConfig(value: unknown): { ok: true; value: MdnsResponderConfig } | { ok: false; reason: string } {
  const r = new JsonReader();
  const root = r.object(value, 'mdns');
  if (!root) return { ok: false, reason: r.problems.join('; ') };
  r.noExtraKeys(root, 'mdns', ['host', 'services', '$comment']);
  // Names are templates here ({{identity.model}} has a dot); the rendered names are checked at start.
  const host = r.string(root.host, 'mdns.host', /^\S+\.local$/);
  const services: MdnsServiceConfig[] = [];
  for (const [index, entry] of (r.array(root.services, 'mdns.services') ?? []).entries()) {
    const path = `mdns.services[${index}]`;
    const service = r.object(entry, path);
    if (!service) continue;
    r.noExtraKeys(service, path, ['name', 'type', 'protocol', 'port', 'txt']);
    const name = r.string(service.name, `${path}.name`, /^.{1,200}$/);
    const type = r.string(service.type, `${path}.type`, SERVICE_TYPE_PATTERN);
    const protocol = service.protocol === undefined ? 'tcp' : r.oneOf(service.protocol, `${path}.protocol`, ['tcp', 'udp'] as const);
    const port = r.integer(service.port, `${path}.port`, 1, 65_535);
    const txt: Record<string, string> = {};
    for (const [key, text] of Object.entries(r.object(service.txt ?? {}, `${path}.txt`) ?? {})) {
      const rendered = r.string(text, `${path}.txt.${key}`);
      if (rendered !== undefined) txt[key] = rendered;
    }
    if (name && type && protocol && port !== undefined) services.push({ name, type, protocol, port, txt });
  }
  if (services.length === 0) r.problem('mdns.services', 'a device announces at least one service');
  if (r.problems.length > 0 || !host) return { ok: false, reason: r.problems.join('; ') };
  return { ok: true, value: { host, services } };
}

export const start: StartResponder = async (value, context) => {
  const parsed = parseMdnsConfig(value);
  if (!parsed.ok) throw new Error(`mdns section of ${context.profile.name}: ${parsed.reason}`);
  const host = renderTemplate(parsed.value.host, context);
  if (!/^[^.\s]{1,63}\.local$/.test(host)) throw new Error(`mdns host of ${context.profile.name} is not <label>.local: ${host}`);
  for (const service of parsed.value.services) {
    const name = renderTemplate(service.name, context);
    // bonjour-service turns dots in an instance name into dashes, so a name with one would not be announced as written.
    if (name.includes('.') || Buffer.byteLength(name) > 63) throw new Error(`mdns instance name of ${context.profile.name} is not one DNS label: ${name}`);
  }
  const configs: ServiceConfig[] = parsed.value.services.map((service) => ({
    name: renderTemplate(service.name, context),
    type: service.type,
    protocol: service.protocol,
    port: service.port,
    host,
    txt: Object.fromEntries(Object.entries(service.txt).map(([key, text]) => [key, renderTemplate(text, context)])),
    // The lab's names are unique; probing would only delay "ready" by ~750 ms per device.
    probe: false,
  }));

  // `interface` and `bind` reach multicast-dns at runtime but are missing from bonjour-service's types (its issue
  // #52). Binding the wildcard matters: multicast-dns otherwise binds the interface address, where group traffic
  // never arrives on Linux.
  const options = { interface: context.ip, bind: '0.0.0.0' } as unknown as Partial<ServiceConfig>;
  const bonjour = new Bonjour(options, (error: unknown) => context.log('mdns responder error', { error: String(error) }));
  // multicast-dns emits 'error' for a failed bind; bonjour-service attaches no listener, which would crash the device.
  const socketEvents = (bonjour as unknown as { server?: { mdns?: EventEmitter } }).server?.mdns;
  socketEvents?.on('error', (error: Error) => context.log('mdns socket error', { error: error.message }));
  socketEvents?.on('warning', (error: Error) => context.log('mdns socket warning', { error: error.message }));

  const services: Service[] = configs.map((config) => bonjour.publish(config));
  await Promise.all(
    services.map(
      (service) =>
        new Promise<void>((resolve, reject) => {
          if (service.published) return resolve();
          const timer = setTimeout(() => reject(new Error(`mdns service ${service.fqdn} was not announced within ${ANNOUNCE_TIMEOUT_MS} ms`)), ANNOUNCE_TIMEOUT_MS);
          service.once('up', () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    ),
  );
  context.log('mdns services announced', { host, services: services.map((service) => service.fqdn) });

  return {
    stop: () =>
      new Promise<void>((resolve) => {
        // Goodbye packets (TTL 0) first, as a device going away sends them; then the socket closes.
        bonjour.unpublishAll(() => bonjour.destroy(() => resolve()));
      }),
  };
};
