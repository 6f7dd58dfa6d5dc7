// The cloud (P2P) flag: whether a device says a vendor cloud service is switched on. Read only from fields that
// state the setting itself, never inferred from a model or a brand: with none of them the flag stays unknown.
//
//   sadp.HCPlatformEnable        Hik-Connect (Hikvision's P2P platform) on or off, in every SADP ProbeMatch of
//                                firmware that supports it (SupportHCPlatform); real firmware writes `flase`
//                                (SADP captures in cameronnewman/hikvision-tooling internal/sadp, and the Go
//                                `package hik` ProbeMatch fixture it was taken from).
//   isapi.ezviz.enabled          /ISAPI/System/Network/EZVIZ <enabled>: the Hik-Connect/EZVIZ setting read with
//                                credentials (ISAPI guide, Network > EZVIZ).
//   dahuacgi.t2uServer.Enable    configManager.cgi getConfig&name=T2UServer: Dahua's P2P tunnel (Easy4ip/IMOU, and
//                                Amcrest's p2p service), as public hardening scripts read and set it.
// DHIP discovery replies were checked too: no public capture of client.notifyDevInfo carries a P2P field (the
// Phenomite/AMP-Research port 37810 capture and a LAN capture in a public Go file), so DHIP says nothing here.
import type { CloudFlag, Observation } from '../model.js';

interface CloudField {
  field: string;
  read: (observation: Observation) => string | undefined;
}

const CLOUD_FIELDS: readonly CloudField[] = [
  { field: 'sadp.HCPlatformEnable', read: (observation) => observation.sadp?.HCPlatformEnable },
  { field: 'isapi.ezviz.enabled', read: (observation) => observation.isapi?.ezviz?.enabled },
  { field: 'dahuacgi.t2uServer.Enable', read: (observation) => observation.dahuacgi?.t2uServer?.Enable },
];

/** Firmware booleans, leniently: `flase` is how real Hikvision firmware spells false. */
export function readFirmwareBoolean(value: string): boolean | undefined {
  const text = value.trim().toLowerCase();
  if (text === 'true' || text === '1' || text === 'yes' || text === 'on') return true;
  if (text === 'false' || text === 'flase' || text === '0' || text === 'no' || text === 'off') return false;
  return undefined;
}

/** Enabled when any field says so (one open channel is enough to be one), disabled when some say off and none on. */
export function cloudFlag(observations: readonly Observation[]): CloudFlag {
  const evidence: CloudFlag['evidence'] = [];
  for (const observation of observations) {
    // Most observations carry none of the three sections: nothing to read (this runs for every line identified).
    if (observation.sadp === undefined && observation.isapi === undefined && observation.dahuacgi === undefined) continue;
    for (const { field, read } of CLOUD_FIELDS) {
      const raw = read(observation);
      if (typeof raw !== 'string') continue;
      const value = readFirmwareBoolean(raw);
      if (value === undefined) continue;
      if (evidence.some((item) => item.observationId === observation.id && item.field === field)) continue;
      evidence.push({ field, value: raw.slice(0, 32), says: value ? 'enabled' : 'disabled', source: observation.source, observationId: observation.id });
    }
  }
  const state = evidence.some((item) => item.says === 'enabled') ? 'enabled' : evidence.length > 0 ? 'disabled' : 'unknown';
  return { state, evidence };
}
