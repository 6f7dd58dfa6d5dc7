// Hostile UDP discovery answers for the issue-6 lab (never used by the default profiles): on a discovery port, every
// datagram matching `match` draws fixed replies, each sent `repeat` times (a reply storm), from the device's own
// address to the sender (or to the group). The replies are whatever the profile says: malformed and truncated
// packets, XXE documents, entity bombs, valid replies pointing at hostile TCP ports, names made of escapes.
//
// Profile section:
//   "hostile-udp": { "listeners": [
//     { "port": 3702, "group": "239.255.255.250", "match": "Probe",
//       "replies": [{ "text": "<?xml …>", "repeat": 1 }, { "base64": "…" }] }
//   ] }
// `text` is a template (responder.ts); `match` is a regular expression tried on the datagram as latin1 text.
// A reply may instead be `{ "mdnsFlood": { "records": 2048, "perPacket": 1 } }`: that many distinct mDNS PTR, SRV
// and TXT records for services of this device, `perPacket` services to a response (one sender, thousands of
// records).
// A listener may add `"sources": { "cidr": "10.231.64.0/20", "count": 4096 }`: its replies then come from that many
// different source addresses of the block (a storm from many hosts). The device makes the block local to itself
// (`ip route add local CIDR dev lo`, inside its own lab namespace) so that a socket can bind each address.
// A reply may add `"fill": { "marker": "@@WS@@", "text": " \t", "count": 10000 }`: the marker in `text` becomes
// `text` repeated `count` times (a long inner whitespace run, without 30 KiB of spaces in the profile).

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { execFileSync } from 'node:child_process';
import { encode, type Answer } from 'dns-packet';
import { JsonReader } from '../../validate.js';
import { renderTemplate, type StartResponder } from '../responder.js';
import { MAX_PROBE_BYTES } from '../udp-group.js';

/** The largest storm one datagram may draw: enough to test a flood, small enough for a lab link. */
const MAX_REPEAT = 5_000;
/** A UDP payload cannot be larger. */
const MAX_REPLY_BYTES = 65_507;

export interface HostileUdpReply {
  bytes: Buffer;
  repeat: number;
}

export interface HostileUdpListener {
  port: number;
  group?: string;
  match: RegExp;
  replyTo: 'sender' | 'group';
  /** Replies from many source addresses, after `delayMs` (so that other devices' answers come first). */
  sources?: { cidr: string; count: number; delayMs: number };
  replies: { text?: string; base64?: string; repeat: number; fill?: { marker: string; text: string; count: number }; mdnsFlood?: { records: number; perPacket: number } }[];
}

/** mDNS responses announcing `records` distinct services of one host, `perPacket` services each. */
export function mdnsFloodPackets(records: number, perPacket: number, host: string, ip: string): Buffer[] {
  const packets: Buffer[] = [];
  for (let first = 0; first < records; first += perPacket) {
    const answers: Answer[] = [];
    for (let index = first; index < Math.min(records, first + perPacket); index += 1) {
      const instance = `flood-${index}._http._tcp.local`;
      answers.push({ type: 'PTR', name: '_http._tcp.local', ttl: 120, data: instance });
      answers.push({ type: 'SRV', name: instance, ttl: 120, data: { port: 1024 + (index % 60_000), target: `${host}.local`, priority: 0, weight: 0 } });
      answers.push({ type: 'TXT', name: instance, ttl: 120, data: [Buffer.from(`n=${index}`)] });
    }
    if (first === 0) answers.push({ type: 'A', name: `${host}.local`, ttl: 120, data: ip });
    packets.push(encode({ type: 'response', id: 0, flags: 0x8400, answers }));
  }
  return packets;
}

export function parseHostileUdpConfig(value: unknown): { ok: true; value: HostileUdpListener[] } | { ok: false; reason: string } {
  const r = new JsonReader();
  const root = r.object(value, 'hostile-udp');
  if (!root) return { ok: false, reason: r.problems.join('; ') };
  r.noExtraKeys(root, 'hostile-udp', ['listeners', '$comment']);
  const listeners: HostileUdpListener[] = [];
  for (const [index, entry] of (r.array(root.listeners, 'hostile-udp.listeners') ?? []).entries()) {
    const path = `hostile-udp.listeners[${index}]`;
    const object = r.object(entry, path);
    if (!object) continue;
    r.noExtraKeys(object, path, ['port', 'group', 'match', 'replyTo', 'replies', 'sources', '$comment']);
    let sources: { cidr: string; count: number; delayMs: number } | undefined;
    if (object.sources !== undefined) {
      const sourcesObject = r.object(object.sources, `${path}.sources`);
      if (sourcesObject) {
        r.noExtraKeys(sourcesObject, `${path}.sources`, ['cidr', 'count', 'delayMs']);
        const delayMs = sourcesObject.delayMs === undefined ? 0 : (r.integer(sourcesObject.delayMs, `${path}.sources.delayMs`, 0, 10_000) ?? 0);
        const cidr = r.string(sourcesObject.cidr, `${path}.sources.cidr`, /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\/(?:1[6-9]|2\d|3[0-2])$/) ?? '';
        const count = r.integer(sourcesObject.count, `${path}.sources.count`, 1, 65_536) ?? 1;
        if (cidr !== '' && count > 2 ** (32 - Number(cidr.split('/')[1]))) r.problem(`${path}.sources.count`, 'more addresses than the block holds');
        sources = { cidr, count, delayMs };
      }
    }
    const port = r.integer(object.port, `${path}.port`, 1, 65_535);
    const group = r.optionalString(object.group, `${path}.group`, /^2(?:2[4-9]|3\d)\.\d{1,3}\.\d{1,3}\.\d{1,3}$/);
    const matchText = r.optionalString(object.match, `${path}.match`) ?? '';
    let match = /(?:)/;
    try {
      match = new RegExp(matchText);
    } catch (error) {
      r.problem(`${path}.match`, (error as Error).message);
    }
    const replyTo = object.replyTo === undefined ? 'sender' : r.oneOf(object.replyTo, `${path}.replyTo`, ['sender', 'group'] as const);
    if (replyTo === 'group' && group === undefined) r.problem(`${path}.replyTo`, 'group needs a group');
    const replies = (r.array(object.replies, `${path}.replies`) ?? []).flatMap((item, replyIndex) => {
      const replyPath = `${path}.replies[${replyIndex}]`;
      const reply = r.object(item, replyPath);
      if (!reply) return [];
      r.noExtraKeys(reply, replyPath, ['text', 'base64', 'repeat', 'fill', 'mdnsFlood', '$comment']);
      const text = r.optionalString(reply.text, `${replyPath}.text`);
      const base64 = r.optionalString(reply.base64, `${replyPath}.base64`, /^[A-Za-z0-9+/=\s]*$/);
      let mdnsFlood: { records: number; perPacket: number } | undefined;
      if (reply.mdnsFlood !== undefined) {
        const flood = r.object(reply.mdnsFlood, `${replyPath}.mdnsFlood`);
        if (flood) {
          r.noExtraKeys(flood, `${replyPath}.mdnsFlood`, ['records', 'perPacket']);
          mdnsFlood = { records: r.integer(flood.records, `${replyPath}.mdnsFlood.records`, 1, 20_000) ?? 1, perPacket: r.integer(flood.perPacket, `${replyPath}.mdnsFlood.perPacket`, 1, 20) ?? 1 };
        }
      }
      if ([text, base64, mdnsFlood].filter((entry) => entry !== undefined).length !== 1) r.problem(replyPath, 'needs exactly one of text, base64 and mdnsFlood');
      const repeat = reply.repeat === undefined ? 1 : (r.integer(reply.repeat, `${replyPath}.repeat`, 1, MAX_REPEAT) ?? 1);
      let fill: { marker: string; text: string; count: number } | undefined;
      if (reply.fill !== undefined) {
        const fillObject = r.object(reply.fill, `${replyPath}.fill`);
        if (fillObject) {
          r.noExtraKeys(fillObject, `${replyPath}.fill`, ['marker', 'text', 'count']);
          const marker = r.optionalString(fillObject.marker, `${replyPath}.fill.marker`) ?? '';
          const fillText = r.optionalString(fillObject.text, `${replyPath}.fill.text`) ?? '';
          const count = r.integer(fillObject.count, `${replyPath}.fill.count`, 1, MAX_REPLY_BYTES) ?? 1;
          if (marker === '' || fillText === '') r.problem(`${replyPath}.fill`, 'needs a marker and a text');
          if (text !== undefined && !text.includes(marker)) r.problem(`${replyPath}.fill.marker`, 'does not occur in text');
          fill = { marker, text: fillText, count };
        }
      }
      return [{ ...(text === undefined ? {} : { text }), ...(base64 === undefined ? {} : { base64 }), repeat, ...(fill === undefined ? {} : { fill }), ...(mdnsFlood === undefined ? {} : { mdnsFlood }) }];
    });
    if (replies.length === 0) r.problem(`${path}.replies`, 'needs at least one reply');
    listeners.push({ port: port ?? 0, ...(group === undefined ? {} : { group }), match, replyTo: replyTo ?? 'sender', replies, ...(sources === undefined ? {} : { sources }) });
  }
  if (listeners.length === 0) r.problem('hostile-udp.listeners', 'needs at least one listener');
  if (r.problems.length > 0) return { ok: false, reason: r.problems.join('; ') };
  return { ok: true, value: listeners };
}

/** The `count` first addresses of `cidr` (network address included: it is just a source here). */
function addressesOf(cidr: string, count: number): string[] {
  const [base] = cidr.split('/');
  const start = base!.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
  return Array.from({ length: count }, (_, index) => {
    const value = start + index;
    return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
  });
}

/** Sends `bytes` to `port`/`address` once from each source address, one short-lived socket each. */
async function sendFromEach(sources: readonly string[], bytes: Buffer, port: number, address: string): Promise<number> {
  let sent = 0;
  for (const source of sources) {
    const socket = createSocket({ type: 'udp4' });
    try {
      await bind(socket, 0, source);
      await new Promise<void>((resolve) => socket.send(bytes, port, address, () => resolve()));
      sent += 1;
    } catch {
      // An address the kernel would not bind: the storm is a little smaller.
    } finally {
      socket.close();
    }
  }
  return sent;
}

function bind(socket: Socket, port: number, address = '0.0.0.0'): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(new Error(`hostile-udp could not bind UDP ${address}:${port}: ${error.message}`));
    socket.once('error', onError);
    socket.bind({ port, address }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

export const start: StartResponder = async (value, context) => {
  const parsed = parseHostileUdpConfig(value);
  if (!parsed.ok) throw new Error(`hostile-udp section of ${context.profile.name}: ${parsed.reason}`);
  const sockets: Socket[] = [];
  for (const listener of parsed.value) {
    // Rendered once at start: a template typo stops the device before "ready".
    const replies: HostileUdpReply[] = listener.replies.flatMap((reply) => {
      if (reply.mdnsFlood !== undefined) return mdnsFloodPackets(reply.mdnsFlood.records, reply.mdnsFlood.perPacket, context.profile.name, context.ip).map((bytes) => ({ bytes, repeat: reply.repeat }));
      const bytes =
        reply.base64 !== undefined
          ? Buffer.from(reply.base64, 'base64')
          : Buffer.from(renderTemplate(reply.text ?? '', context).replace(reply.fill?.marker ?? '\u0000never', () => (reply.fill ? reply.fill.text.repeat(reply.fill.count) : '')), 'utf8');
      return [{ bytes, repeat: reply.repeat }];
    });
    for (const reply of replies) {
      if (reply.bytes.length > MAX_REPLY_BYTES) throw new Error(`hostile-udp reply on port ${listener.port} is ${reply.bytes.length} bytes, over a UDP payload`);
    }
    const sources = listener.sources === undefined ? undefined : addressesOf(listener.sources.cidr, listener.sources.count);
    // Inside this device's own lab namespace only: the block becomes local, so each address can be bound.
    if (listener.sources !== undefined) execFileSync('ip', ['route', 'replace', 'local', listener.sources.cidr, 'dev', 'lo']);
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    sockets.push(socket);
    await bind(socket, listener.port);
    if (listener.group !== undefined) {
      socket.addMembership(listener.group, context.ip);
      socket.setMulticastInterface(context.ip);
    }
    socket.on('error', (error) => context.log('hostile-udp socket error', { port: listener.port, error: error.message }));
    socket.on('message', (data: Buffer, remote: RemoteInfo) => {
      if (data.length > MAX_PROBE_BYTES || !listener.match.test(data.toString('latin1'))) return;
      const toGroup = listener.replyTo === 'group' && listener.group !== undefined;
      const address = toGroup ? (listener.group as string) : remote.address;
      const port = toGroup ? listener.port : remote.port;
      if (sources !== undefined) {
        const delayMs = listener.sources?.delayMs ?? 0;
        void (async () => {
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          let fromMany = 0;
          for (const reply of replies) fromMany += await sendFromEach(sources, reply.bytes, port, address);
          context.log('hostile-udp replies from many sources', { port: listener.port, to: address, datagrams: fromMany, sources: sources.length });
        })();
        return;
      }
      let sent = 0;
      for (const reply of replies) {
        for (let copy = 0; copy < reply.repeat; copy += 1) {
          sent += 1;
          socket.send(reply.bytes, port, address, (error) => {
            if (error) context.log('hostile-udp send failed', { port: listener.port, error: error.message });
          });
        }
      }
      context.log('hostile-udp replies', { port: listener.port, to: address, datagrams: sent });
    });
  }
  return {
    stop: async () => {
      await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
    },
  };
};
