// ONVIF WS-Discovery channel, plus the ONVIF calls that need no password (and GetDeviceInformation).
//
// Why not node-onvif: its discovery opens one socket bound by the OS to no
// chosen interface, cannot send unicast (so cameras behind a router are never probed), ignores the
// sender's address (a camera advertising a stale XAddr goes unnoticed) and silently drops replies
// without Scopes (lib/node-onvif.js; multi-NIC issues GuilhermeC18/node-onvif#28, #41). WS-Discovery is one SOAP datagram each way, so camaudit builds
// the Probe and parses ProbeMatches itself over the shared per-interface engine in udp.ts, and talks to
// the device service with a small SOAP client (../onvif/client.ts) whose UsernameToken digest is ten lines.
import { isIPv4 } from 'node:net';
import { canonicalJson } from '../../observation.js';
import type { Observation, WsDiscoverySection } from '../../model.js';
import type { DiscoveryModule, ProbeContext, ProbeScope } from '../types.js';
import { createReplyGuard } from '../engine/reply-guard.js';
import { udpExchange, type UdpReply } from '../engine/udp.js';
import { queryOnvifDevice } from '../onvif/client.js';
import { parseWsDiscoveryReply, type WsDiscoveryMatch } from './parse.js';
import { WS_DISCOVERY_GROUP, WS_DISCOVERY_PORT, WS_DISCOVERY_PROBE_TYPES, buildWsDiscoveryProbe, createWsDiscoveryMessageId } from './probe.js';

export interface WsDiscoveryOptions {
  /** Destination port; only tests on loopback change it. */
  port?: number;
  group?: string;
  /** False skips the ONVIF device-service calls (WS-Discovery only). */
  followUp?: boolean;
}

function sectionOf(match: WsDiscoveryMatch): WsDiscoverySection {
  const section: WsDiscoverySection = { types: match.types, scopes: match.scopes, xaddrs: match.xaddrs };
  if (match.endpoint !== undefined) section.endpoint = match.endpoint;
  if (match.metadataVersion !== undefined) section.metadataVersion = match.metadataVersion;
  return section;
}

/** XAddrs on the responding host itself: a device-supplied URL never sends us to another host. */
export function followableXAddrs(xaddrs: readonly string[], responder: string): URL[] {
  const urls: URL[] = [];
  for (const xaddr of xaddrs) {
    if (!URL.canParse(xaddr)) continue;
    const url = new URL(xaddr);
    if (url.protocol === 'http:' && url.hostname === responder && url.username === '' && url.password === '') urls.push(url);
  }
  return urls;
}

export function createWsDiscovery(options: WsDiscoveryOptions = {}): DiscoveryModule {
  const port = options.port ?? WS_DISCOVERY_PORT;
  const group = options.group ?? WS_DISCOVERY_GROUP;
  return {
    name: 'wsdiscovery',
    emits: options.followUp === false ? ['wsdiscovery'] : ['wsdiscovery', 'onvif'],
    async *probe(scope: ProbeScope, context: ProbeContext): AsyncGenerator<Observation> {
      const log = context.log.child({ module: 'wsdiscovery' });
      const probes = WS_DISCOVERY_PROBE_TYPES.map((type) => buildWsDiscoveryProbe(type, createWsDiscoveryMessageId()));
      const guard = createReplyGuard('wsdiscovery', 'WS-Discovery', context);
      const queried = new Set<string>();
      const ready: Observation[] = [];
      const pending = new Set<Promise<void>>();
      let running = 0;
      const waiting: (() => void)[] = [];

      // Follow-ups run beside the listen window, at most config.concurrency at once.
      const followUp = (url: URL, reply: UdpReply, match: WsDiscoveryMatch): void => {
        const task = (async () => {
          if (running >= context.config.concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
          running += 1;
          try {
            const onvif = await queryOnvifDevice(url, reply.from.address, context);
            if (onvif === undefined) return;
            ready.push(
              context.observe({
                source: 'onvif',
                ip: reply.from.address,
                port: url.port === '' ? 80 : Number(url.port),
                ...(match.mac === undefined ? {} : { mac: match.mac }),
                onvif,
                transport: 'tcp',
                ...(reply.interfaceName === undefined ? {} : { interface: reply.interfaceName }),
              }),
            );
          } catch (error) {
            log.debug({ err: error, url: url.href }, 'onvif follow-up failed');
          } finally {
            running -= 1;
            waiting.shift()?.();
          }
        })();
        pending.add(task);
        void task.finally(() => pending.delete(task));
      };

      for await (const reply of udpExchange(scope, context, { channel: 'wsdiscovery', group, port, probes })) {
        const result = parseWsDiscoveryReply(reply.data);
        if (!result.ok) {
          log.debug({ ip: reply.from.address, reason: result.reason }, 'ws-discovery reply dropped');
          context.reject({ channel: 'wsdiscovery', ip: reply.from.address, port: reply.from.port, reason: `WS-Discovery reply refused: ${result.reason}` });
          continue;
        }
        for (const match of result.value.matches) {
          const wsdiscovery = sectionOf(match);
          if (!guard.admit(reply.from.address, reply.from.port, canonicalJson(wsdiscovery))) continue;
          yield context.observe({
            source: 'wsdiscovery',
            ip: reply.from.address,
            port,
            ...(match.mac === undefined ? {} : { mac: match.mac }),
            wsdiscovery,
            transport: reply.transport,
            ...(reply.interfaceName === undefined ? {} : { interface: reply.interfaceName }),
          });
          if (options.followUp === false) continue;
          for (const url of followableXAddrs(match.xaddrs, reply.from.address)) {
            if (queried.has(url.href)) continue;
            queried.add(url.href);
            followUp(url, reply, match);
          }
          // An XAddr naming another IPv4 host is a claim we do not follow: say so in the scan's record. (IPv6 and
          // link-local XAddrs, which cameras list beside the IPv4 one, are simply not ours to follow.)
          for (const xaddr of match.xaddrs.slice(0, 4)) {
            if (!URL.canParse(xaddr)) continue;
            const url = new URL(xaddr);
            if (isIPv4(url.hostname) && url.hostname !== reply.from.address && !queried.has(`refused ${url.href}`)) {
              queried.add(`refused ${url.href}`);
              context.reject({ channel: 'wsdiscovery', ip: reply.from.address, port: reply.from.port, reason: `XAddr ${url.href.slice(0, 120)} not followed: ${url.hostname} is not the responding host` });
            }
          }
        }
        while (ready.length > 0) yield ready.shift() as Observation;
      }
      while (pending.size > 0) {
        await Promise.race(pending);
        while (ready.length > 0) yield ready.shift() as Observation;
      }
      while (ready.length > 0) yield ready.shift() as Observation;
    },
  };
}

export const wsDiscovery: DiscoveryModule = createWsDiscovery();
