// What to ask an mDNS sender next, learned one packet at a time. The session used to recompute every service of a
// sender from all its records on every packet: a sender that announced 2 048 services one per packet cost
// quadratic (and with the list scans, cubic) work. This keeps the sender's SRV hosts, TXT names and addresses in
// maps and looks only at the records a packet adds, so a sender's packets cost work in proportion to their records.
import { instanceLabel, lower, SERVICE_TYPE_ENUMERATION, type MdnsRecord } from './parse.js';
import type { MdnsQuestion } from './probe.js';

const SERVICE_TYPE = /^_[^.]+\._(?:tcp|udp)\.local$/i;

export class MdnsFollowUps {
  private readonly hostOfInstance = new Map<string, string>();
  private readonly instancesWithTxt = new Set<string>();
  private readonly hostsWithAddress = new Set<string>();
  private readonly instances = new Map<string, string>();
  /** Records looked at so far: one per record added (what the unit test holds it to). */
  examined = 0;

  /** Adds one packet's records; returns the questions they leave open (the caller drops those already asked). */
  add(records: readonly MdnsRecord[]): MdnsQuestion[] {
    const questions: MdnsQuestion[] = [];
    const touched = new Set<string>();
    for (const record of records) {
      this.examined += 1;
      const key = lower(record.name);
      if (record.type === 'SRV') {
        if (!this.hostOfInstance.has(key)) this.hostOfInstance.set(key, record.target.replace(/\.$/, ''));
        touched.add(key);
      } else if (record.type === 'TXT') {
        this.instancesWithTxt.add(key);
      } else if (record.type === 'A' || record.type === 'AAAA') {
        this.hostsWithAddress.add(key);
      } else if (record.type === 'PTR') {
        const target = record.target.replace(/\.$/, '');
        if (key === SERVICE_TYPE_ENUMERATION) {
          if (SERVICE_TYPE.test(target)) questions.push({ name: target, type: 'PTR' });
          continue;
        }
        // Only instances of the browsed type (or a subtype of it) are services; the label must be there.
        const service = record.name.replace(/^[^.]+\._sub\./i, '').replace(/\.$/, '');
        if (instanceLabel(target, service) === undefined) continue;
        if (!this.instances.has(lower(target))) this.instances.set(lower(target), target);
        touched.add(lower(target));
      }
    }
    for (const instance of touched) {
      const fullName = this.instances.get(instance);
      if (fullName === undefined) continue;
      const host = this.hostOfInstance.get(instance);
      if (host === undefined) questions.push({ name: fullName, type: 'SRV' });
      if (!this.instancesWithTxt.has(instance)) questions.push({ name: fullName, type: 'TXT' });
      if (host !== undefined && !this.hostsWithAddress.has(lower(host))) questions.push({ name: host, type: 'A' });
    }
    return questions;
  }
}
