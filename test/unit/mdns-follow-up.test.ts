// mDNS follow-ups are learned packet by packet: each packet's records are looked at once, never the sender's
// whole history again (that recomputation made one sender of 2 048 one-service packets cost seconds of CPU).
import { describe, expect, it } from 'vitest';
import { MdnsFollowUps } from '../../src/discovery/mdns/follow-up.js';
import type { MdnsRecord } from '../../src/discovery/mdns/parse.js';

const ptr = (name: string, target: string): MdnsRecord => ({ type: 'PTR', name, target });
const srv = (name: string, target: string): MdnsRecord => ({ type: 'SRV', name, target, port: 80, priority: 0, weight: 0 });
const txt = (name: string): MdnsRecord => ({ type: 'TXT', name, strings: ['a=b'] });
const a = (name: string): MdnsRecord => ({ type: 'A', name, address: '10.0.0.5' });

describe('MdnsFollowUps', () => {
  it('asks for the service types listed, then SRV, TXT and the host address of each instance, until answered', () => {
    const tracker = new MdnsFollowUps();
    expect(tracker.add([ptr('_services._dns-sd._udp.local', '_http._tcp.local'), ptr('_services._dns-sd._udp.local', 'not-a-type')])).toEqual([{ name: '_http._tcp.local', type: 'PTR' }]);
    expect(tracker.add([ptr('_http._tcp.local', 'Cam._http._tcp.local')])).toEqual([
      { name: 'Cam._http._tcp.local', type: 'SRV' },
      { name: 'Cam._http._tcp.local', type: 'TXT' },
    ]);
    expect(tracker.add([srv('cam._http._tcp.local', 'cam-host.local')])).toEqual([
      { name: 'Cam._http._tcp.local', type: 'TXT' },
      { name: 'cam-host.local', type: 'A' },
    ]);
    expect(tracker.add([txt('Cam._http._tcp.local'), a('cam-host.local')])).toEqual([]);
    // SRV and TXT before the PTR that names the instance: nothing is left open when it comes.
    expect(tracker.add([srv('B._http._tcp.local', 'cam-host.local'), txt('B._http._tcp.local')])).toEqual([]);
    expect(tracker.add([ptr('_http._tcp.local', 'B._http._tcp.local')])).toEqual([]);
    // A PTR whose target is not an instance of the type is no service.
    expect(tracker.add([ptr('_http._tcp.local', '_http._tcp.local')])).toEqual([]);
  });

  it('looks at each record once: 2 048 one-service packets cost 2 048 × 3 records of work, not the square', () => {
    const tracker = new MdnsFollowUps();
    let questions = 0;
    for (let index = 0; index < 2048; index += 1) {
      const instance = `flood-${index}._http._tcp.local`;
      questions += tracker.add([ptr('_http._tcp.local', instance), srv(instance, 'flood.local'), txt(instance)]).length;
    }
    expect(tracker.examined).toBe(2048 * 3);
    // Each packet leaves only the host's address open.
    expect(questions).toBe(2048);
  });
});
