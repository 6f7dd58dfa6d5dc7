// Hikvision SADP (UDP 37020, group 239.255.255.250) as the firmware answers it (real replies in
// test/fixtures/sadp): a ProbeMatch
// echoing the inquiry's Uuid, one element per line, fields in the order of the profile (which copies the real
// captures' firmware order, `flase` and all). Only `inquiry` is answered; any other Types gets silence, exactly
// as a scanner that never sends `update` expects.
//
// Profile section:
//   "sadp": { "fields": { "DeviceType": "142378", "DeviceDescription": "{{identity.model}}", "MAC": "{{macDash}}", … },
//             "replyTo": "sender" | "group" }   (default sender)

import { JsonReader } from '../../validate.js';
import { renderTemplate, type ResponderContext, type StartResponder } from '../responder.js';
import { listenUdpGroup } from '../udp-group.js';

export const SADP_PORT = 37_020;
export const SADP_GROUP = '239.255.255.250';
const FIELD_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

export interface SadpResponderConfig {
  fields: Record<string, string>;
  replyTo: 'sender' | 'group';
}

export function parseSadpConfig(value: unknown): { ok: true; value: SadpResponderConfig } | { ok: false; reason: string } {
  const r = new JsonReader();
  const root = r.object(value, 'sadp');
  if (!root) return { ok: false, reason: r.problems.join('; ') };
  r.noExtraKeys(root, 'sadp', ['fields', 'replyTo', '$comment']);
  const fieldsObject = r.object(root.fields, 'sadp.fields');
  const fields: Record<string, string> = {};
  for (const [name, field] of Object.entries(fieldsObject ?? {})) {
    if (!FIELD_NAME_PATTERN.test(name) || name === 'Uuid' || name === 'Types') r.problem(`sadp.fields.${name}`, 'not an allowed element name (Uuid and Types are echoed)');
    const text = r.string(field, `sadp.fields.${name}`);
    if (text !== undefined) fields[name] = text;
  }
  const replyTo = root.replyTo === undefined ? 'sender' : r.oneOf(root.replyTo, 'sadp.replyTo', ['sender', 'group'] as const);
  if (r.problems.length > 0 || replyTo === undefined) return { ok: false, reason: r.problems.join('; ') };
  return { ok: true, value: { fields, replyTo } };
}

const escapeXml = (text: string): string => text.replace(/[<>&]/g, (character) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[character] ?? character);

/** The uuid of an `inquiry` probe, or undefined for anything else (other Types, replies, garbage). */
export function inquiryUuid(data: Buffer): string | undefined {
  const text = data.toString('utf8');
  if (!/<Probe>/.test(text) || !/<Types>\s*inquiry\s*<\/Types>/.test(text)) return undefined;
  return /<Uuid>([0-9A-Za-z-]{1,64})<\/Uuid>/.exec(text)?.[1];
}

export function buildSadpProbeMatch(config: SadpResponderConfig, uuid: string, context: ResponderContext): Buffer {
  const lines = Object.entries(config.fields).map(([name, value]) => `<${name}>${escapeXml(renderTemplate(value, context))}</${name}>`);
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<ProbeMatch>\n<Uuid>${uuid}</Uuid>\n<Types>inquiry</Types>\n${lines.join('\n')}\n</ProbeMatch>\n`, 'utf8');
}

export const start: StartResponder = async (value, context) => {
  const parsed = parseSadpConfig(value);
  if (!parsed.ok) throw new Error(`sadp section of ${context.profile.name}: ${parsed.reason}`);
  const config = parsed.value;
  buildSadpProbeMatch(config, 'CHECK', context); // a template typo fails at start, not mid-scan
  return listenUdpGroup({ protocol: 'sadp', port: SADP_PORT, group: SADP_GROUP, replyTo: config.replyTo }, context, (data) => {
    const uuid = inquiryUuid(data);
    return uuid === undefined ? undefined : buildSadpProbeMatch(config, uuid, context);
  });
};
