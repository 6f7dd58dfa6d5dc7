// A device that announces itself unasked, as firmware does at boot and on a timer: every `intervalMs` it sends each
// message of its profile once, from its own address. Used by the listen-mode lab test, where the scanner must learn
// of it without sending anything.
//
// Profile section:
//   "announce": { "intervalMs": 1000, "messages": [
//       { "to": "239.255.255.250", "port": 3702, "text": "<soap …{{ip}}…>" },           UTF-8 text, templated
//       { "to": "224.0.0.251", "port": 5353, "mdns": { "service": "_CGI._tcp.local", "instance": "…", "port": 80 } },
//       { "to": "255.255.255.255", "port": 67, "fromPort": 68,
//         "dhcp": { "type": 1, "vendorClass": "udhcp 1.19.4", "hostName": "…", "parameterList": [1, 3, 6] } } ] }
import { createSocket, type Socket } from 'node:dgram';
import dnsPacket from 'dns-packet';
import { JsonReader } from '../../validate.js';
import { renderTemplate, type ResponderContext, type StartResponder } from '../responder.js';

interface AnnounceMessage {
  to: string;
  port: number;
  fromPort?: number;
  text?: string;
  mdns?: { service: string; instance: string; port: number; txt?: string[] };
  dhcp?: { type: number; vendorClass?: string; hostName?: string; parameterList?: number[] };
}

function readConfig(value: unknown, name: string): { intervalMs: number; messages: AnnounceMessage[] } {
  const r = new JsonReader();
  const root = r.object(value, 'announce');
  const intervalMs = r.integer(root?.intervalMs, 'announce.intervalMs', 100, 60_000) ?? 1000;
  const messages = (r.array(root?.messages, 'announce.messages') ?? []).map((item, index) => {
    const path = `announce.messages[${index}]`;
    const object = r.object(item, path) ?? {};
    const message: AnnounceMessage = { to: r.string(object.to, `${path}.to`, /^[\d.]+$/) ?? '', port: r.integer(object.port, `${path}.port`, 1, 65535) ?? 0 };
    if (object.fromPort !== undefined) message.fromPort = r.integer(object.fromPort, `${path}.fromPort`, 1, 65535);
    if (object.text !== undefined) message.text = r.string(object.text, `${path}.text`);
    if (object.mdns !== undefined) message.mdns = object.mdns as AnnounceMessage['mdns'];
    if (object.dhcp !== undefined) message.dhcp = object.dhcp as AnnounceMessage['dhcp'];
    return message;
  });
  if (r.problems.length > 0) throw new Error(`announce section of ${name}: ${r.problems.join('; ')}`);
  return { intervalMs, messages };
}

/** A DHCP request (RFC 2131) from this device's MAC, with the options its profile lists, in that order. */
function dhcpRequest(dhcp: NonNullable<AnnounceMessage['dhcp']>, mac: string): Buffer {
  const header = Buffer.alloc(240);
  header[0] = 1;
  header[1] = 1;
  header[2] = 6;
  header.writeUInt32BE(0x3903f326, 4);
  Buffer.from(mac.replace(/:/g, ''), 'hex').copy(header, 28);
  header.writeUInt32BE(0x63825363, 236);
  const options: Buffer[] = [Buffer.from([53, 1, dhcp.type])];
  if (dhcp.parameterList) options.push(Buffer.from([55, dhcp.parameterList.length, ...dhcp.parameterList]));
  if (dhcp.hostName) options.push(Buffer.concat([Buffer.from([12, dhcp.hostName.length]), Buffer.from(dhcp.hostName, 'latin1')]));
  if (dhcp.vendorClass) options.push(Buffer.concat([Buffer.from([60, dhcp.vendorClass.length]), Buffer.from(dhcp.vendorClass, 'latin1')]));
  return Buffer.concat([header, ...options, Buffer.from([255])]);
}

/** An unsolicited mDNS response (RFC 6762 §8.3 announcement): PTR, SRV, TXT and the A record. */
function mdnsAnnouncement(mdns: NonNullable<AnnounceMessage['mdns']>, context: ResponderContext): Buffer {
  const instance = renderTemplate(mdns.instance, context);
  const full = `${instance}.${mdns.service}`;
  const host = `${instance.replace(/[^A-Za-z0-9-]/g, '-')}.local`;
  return dnsPacket.encode({
    type: 'response',
    flags: dnsPacket.AUTHORITATIVE_ANSWER,
    answers: [
      { type: 'PTR', name: mdns.service, ttl: 4500, data: full },
      { type: 'SRV', name: full, ttl: 120, data: { target: host, port: mdns.port, priority: 0, weight: 0 } },
      { type: 'TXT', name: full, ttl: 4500, data: (mdns.txt ?? []).map((entry) => renderTemplate(entry, context)) },
      { type: 'A', name: host, ttl: 120, data: context.ip },
    ],
  });
}

export const start: StartResponder = async (config, context) => {
  const { intervalMs, messages } = readConfig(config, context.profile.name);
  const payloads = messages.map((message) => ({
    message,
    bytes: message.dhcp ? dhcpRequest(message.dhcp, context.mac) : message.mdns ? mdnsAnnouncement(message.mdns, context) : Buffer.from(renderTemplate(message.text ?? '', context), 'utf8'),
  }));
  const sockets = new Map<number, Socket>();
  for (const { message } of payloads) {
    const fromPort = message.fromPort ?? 0;
    if (sockets.has(fromPort)) continue;
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((resolve) => socket.bind({ port: fromPort, address: fromPort === 0 ? context.ip : '0.0.0.0' }, resolve));
    socket.setBroadcast(true);
    socket.setMulticastInterface(context.ip);
    socket.on('error', (error) => context.log('announce socket error', { error: error.message }));
    sockets.set(fromPort, socket);
  }
  const announce = (): void => {
    for (const { message, bytes } of payloads) sockets.get(message.fromPort ?? 0)?.send(bytes, message.port, message.to);
  };
  announce();
  const timer = setInterval(announce, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      for (const socket of sockets.values()) socket.close();
    },
  };
};
