// SSDP/UPnP channel: M-SEARCH on every selected interface (and by unicast to the scope's addresses, which
// UPnP 1.1 §1.3.3 allows), every reply kept with its raw headers, and the device description fetched from
// LOCATION when, and only when, LOCATION names the responding address itself.
//
// Why not node-ssdp: its last release is from 2020, it depends on `ip`, whose advisory CVE-2024-29415 has no
// fixed release (indutny/node-ip#158; an open audit alert for every user),
// it drags in bluebird, async 2 and debug 3, and it hands back parsed headers without the socket and
// interface they came on, which the matcher and the multi-homed scan both need. An M-SEARCH client is a
// request builder, a pure reply parser and the shared per-interface sockets of udp.ts: less code than the
// adapter around node-ssdp would be.
import type { Observation, SsdpSection } from '../../model.js';
import type { DiscoveryModule, ProbeContext, ProbeScope } from '../types.js';
import { udpExchange, type UdpReply } from '../engine/udp.js';
import { DeviceRequestError, deviceRequest } from '../http/request.js';
import { descriptionUrlFor, parseSsdpMessage, parseUpnpDescription, type SsdpMessage } from './parse.js';
import { SSDP_GROUP, SSDP_PORT, SSDP_SEARCH_TARGETS, buildMSearch } from './probe.js';
import { REPLY_LIMITS, UDP_LIMITS } from '../../config.js';

export interface SsdpDiscoveryOptions {
  /** Destination port; only tests on loopback change it. */
  port?: number;
  group?: string;
  mxSeconds?: number;
}

/**
 * Headers that change on every reply without the device changing: kept out of the observation, whose id is a
 * hash of its fields (the same device must give the same id scan after scan).
 */
const VOLATILE_HEADERS = new Set(['date']);


/** One root device at one address: every reply it sent, and its description once fetched. */
interface Responder {
  address: string;
  interfaceName?: string;
  transport: UdpReply['transport'];
  messages: SsdpMessage[];
  description?: Promise<Record<string, string> | undefined>;
}

/**
 * The reply whose headers stand for the device: the one to `upnp:rootdevice` names the root device itself;
 * failing that one whose ST is the device's own uuid; else the first.
 */
function representative(messages: readonly SsdpMessage[]): SsdpMessage | undefined {
  return (
    messages.find((message) => message.st?.toLowerCase() === 'upnp:rootdevice') ??
    messages.find((message) => message.st !== undefined && message.st === message.uuid) ??
    messages[0]
  );
}

async function describe(address: string, location: string, context: ProbeContext): Promise<Record<string, string> | undefined> {
  const log = context.log.child({ module: 'ssdp', ip: address });
  const url = descriptionUrlFor(location, address);
  if (!url.ok) {
    log.info({ location, reason: url.reason }, 'ssdp description not fetched');
    context.reject({ channel: 'ssdp', ip: address, reason: `SSDP LOCATION not followed: ${url.reason}` });
    return undefined;
  }
  const port = url.value.port === '' ? 80 : Number(url.value.port);
  try {
    const fetched = await deviceRequest(
      { responder: address, url: url.value, method: 'GET', headers: { Accept: 'text/xml, application/xml' }, maxBodyBytes: context.config.maxXmlBytes, what: 'description' },
      context,
    );
    if (fetched.status !== 200) {
      log.debug({ url: url.value.href, status: fetched.status }, 'ssdp description request refused');
      return undefined;
    }
    const result = parseUpnpDescription(fetched.body, context.config.maxXmlBytes);
    if (!result.ok) {
      log.info({ url: url.value.href, reason: result.reason }, 'ssdp description dropped');
      context.reject({ channel: 'ssdp', ip: address, port, reason: `UPnP description refused: ${result.reason}` });
      return undefined;
    }
    const fields = { ...result.value.fields };
    if (result.value.urlBase !== undefined) fields.URLBase = result.value.urlBase;
    return fields;
  } catch (error) {
    log.info({ url: url.value.href, err: error }, 'ssdp description fetch failed');
    if (error instanceof DeviceRequestError && error.boundExceeded) context.reject({ channel: 'ssdp', ip: address, port, reason: `UPnP description: ${error.message}` });
    return undefined;
  }
}

/**
 * Runs at most `limit` description fetches at once. Fetches start while replies still arrive (so the channel ends
 * near the listen window), which mapConcurrent's pull model in run.ts does not fit; the bound is config.concurrency.
 */
function fetchSlots(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    while (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      return await task();
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  };
}

export function createSsdpDiscovery(options: SsdpDiscoveryOptions = {}): DiscoveryModule {
  const port = options.port ?? SSDP_PORT;
  const group = options.group ?? SSDP_GROUP;
  const probes = SSDP_SEARCH_TARGETS.map((target) => buildMSearch(target, options.mxSeconds ?? UDP_LIMITS.ssdpMxSeconds));
  return {
    name: 'ssdp',
    emits: ['ssdp'],
    async *probe(scope: ProbeScope, context: ProbeContext): AsyncGenerator<Observation> {
      const log = context.log.child({ module: 'ssdp' });
      const responders = new Map<string, Responder>();
      const respondersByAddress = new Map<string, number>();
      const inSlot = fetchSlots(Math.max(1, context.config.concurrency));
      // Replies go to the sending socket (UDA 1.1 §1.3.3), so no listener on the group port is needed.
      for await (const reply of udpExchange(scope, context, { channel: 'ssdp', group, port, probes })) {
        const result = parseSsdpMessage(reply.data);
        if (!result.ok) {
          log.debug({ ip: reply.from.address, reason: result.reason }, 'ssdp reply dropped');
          context.reject({ channel: 'ssdp', ip: reply.from.address, port: reply.from.port, reason: `SSDP reply refused: ${result.reason}` });
          continue;
        }
        const message = result.value;
        if (message.kind !== 'response' || message.status !== 200) continue;
        // One description is one root device: replies for its embedded devices and services share LOCATION.
        const key = `${reply.from.address}\0${message.location ?? message.uuid ?? ''}`;
        let responder = responders.get(key);
        if (responder === undefined) {
          const count = (respondersByAddress.get(reply.from.address) ?? 0) + 1;
          if (count > REPLY_LIMITS.ssdpMaxRespondersPerAddress) {
            context.reject({ channel: 'ssdp', ip: reply.from.address, port: reply.from.port, reason: `more than ${REPLY_LIMITS.ssdpMaxRespondersPerAddress} different SSDP root devices from one address; the rest ignored` });
            continue;
          }
          respondersByAddress.set(reply.from.address, count);
          responder = { address: reply.from.address, transport: reply.transport, messages: [] };
          if (reply.interfaceName !== undefined) responder.interfaceName = reply.interfaceName;
          responders.set(key, responder);
          // Fetch while the listen window still runs, so the channel ends soon after it.
          const { location } = message;
          const address = reply.from.address;
          if (location !== undefined) responder.description = inSlot(() => describe(address, location, context));
        }
        if (responder.messages.length >= REPLY_LIMITS.ssdpMaxMessagesPerResponder) {
          context.reject({ channel: 'ssdp', ip: reply.from.address, port: reply.from.port, reason: `more than ${REPLY_LIMITS.ssdpMaxMessagesPerResponder} SSDP replies for one root device; the rest ignored` });
          continue;
        }
        responder.messages.push(message);
      }

      for (const responder of responders.values()) {
        const chosen = representative(responder.messages);
        if (chosen === undefined) continue;
        const headers = Object.fromEntries(Object.entries(chosen.headers).filter(([name]) => !VOLATILE_HEADERS.has(name)));
        const section: SsdpSection = { headers };
        const description = await responder.description;
        if (description !== undefined) section.description = description;
        yield context.observe({
          source: 'ssdp',
          ip: responder.address,
          port,
          ssdp: section,
          transport: responder.transport,
          ...(responder.interfaceName === undefined ? {} : { interface: responder.interfaceName }),
        });
      }
    },
  };
}

export const ssdpDiscovery: DiscoveryModule = createSsdpDiscovery();
