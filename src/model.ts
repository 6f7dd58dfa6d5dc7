// The one data shape that flows through camaudit:
//   discovery module --Observation--> matcher --Identification--> inventory --Device--> API / export.
// Every record carries `site` and `agent` so that many agents can later feed one central store,
// and an observation's `id` is a stable hash of what was seen (see observation.ts), not a random id.

/** The channel an observation came from. Rules name these as the first part of a field path. */
export type ProtocolName =
  | 'http'
  | 'https'
  | 'rtsp'
  | 'wsdiscovery'
  | 'onvif'
  | 'ssdp'
  | 'mdns'
  | 'sadp'
  | 'dhip'
  | 'neighbour';

export const PROTOCOL_NAMES: readonly ProtocolName[] = [
  'http',
  'https',
  'rtsp',
  'wsdiscovery',
  'onvif',
  'ssdp',
  'mdns',
  'sadp',
  'dhip',
  'neighbour',
];

/**
 * Where an observation came from: one of camaudit's own channels, or whatever another tool or protocol it was
 * imported from calls itself (`nmap`, `arp`, `dhcp`, `switch`, `lldp`, `snmp`, …), kept as given. The matcher reads
 * an observation's sections, never its source, so an unknown source is identified like any other.
 */
export type ObservationSource = ProtocolName | (string & Record<never, never>);

/** How the packet that produced an observation travelled. */
export type Transport = 'multicast' | 'unicast' | 'broadcast' | 'tcp' | 'table' | 'offline';

/** A JSON value: what raw protocol fields are stored as. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface HttpSection {
  /** URL requested, e.g. `http://10.0.0.5:80/`. */
  url?: string;
  status?: number;
  /** Header names in lower case; repeated headers joined with ", " (set-cookie with "\n"). */
  headers: Record<string, string>;
  /** Text of the first <title>, entities decoded, whitespace collapsed. */
  title?: string;
  /** The first bytes of the body (capped by config), decoded as UTF-8 with replacement. */
  body?: string;
  /** True when the body was cut at the cap. */
  bodyTruncated?: boolean;
  /**
   * Hashes of `/favicon.ico` (only from a whole 200 reply with a body). `md5`: lower-case hex, as Recog's
   * favicons.xml. `mmh3`: as Shodan's `http.favicon.hash` computes it: MurmurHash3 x86 32-bit, seed 0, signed
   * int32, over the base64 of the bytes with a newline after every 76 characters and at the end (Python's
   * `base64.encodebytes`). `bytes`: the favicon's length.
   */
  favicon?: { md5: string; mmh3: number; bytes: number };
}

export interface TlsSection {
  /** Certificate subject in RFC 4514-like `CN=…,OU=…,O=…` order as the device sent it. */
  subject?: string;
  issuer?: string;
  serialNumber?: string;
  validFrom?: string;
  validTo?: string;
  fingerprint256?: string;
  selfSigned?: boolean;
}

export interface RtspSection {
  status?: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
}

export interface SsdpSection {
  /** Response header names in lower case: server, location, usn, st, … */
  headers: Record<string, string>;
  /** Fields of the UPnP description XML at LOCATION, by their XML element names (manufacturer, modelName, …). */
  description?: Record<string, string>;
}

export interface WsDiscoverySection {
  /** EndpointReference address, e.g. `urn:uuid:…`. */
  endpoint?: string;
  types: string[];
  scopes: string[];
  xaddrs: string[];
  metadataVersion?: number;
}

export interface OnvifSection {
  /** GetDeviceInformation fields by their ONVIF names: Manufacturer, Model, FirmwareVersion, SerialNumber, HardwareId. */
  deviceInformation?: Record<string, string>;
  /** Whether GetDeviceInformation needed credentials (and whether configured ones were used). */
  deviceInformationAuth?: 'none' | 'configured' | 'refused';
  /** How the configured credentials were accepted: HTTP Digest (RFC 7616) or a WS-Security UsernameToken. */
  deviceInformationAuthScheme?: 'http-digest' | 'ws-usernametoken';
  systemDateAndTime?: string;
  /** Namespace → XAddr from GetServices or GetCapabilities. */
  services?: Record<string, string>;
}

export interface MdnsSection {
  /** Service instance name, e.g. `HIKVISION DS-2CD2722FWD-IZS - 733050127`. */
  name?: string;
  /** Service type, e.g. `_CGI._tcp.local`. */
  service?: string;
  /** Target host of the SRV record. */
  host?: string;
  port?: number;
  txt?: Record<string, string>;
  addresses?: string[];
}

/** A host as another tool named it (a DHCP lease's client hostname, nmap's hostnames and MAC vendor). */
export interface HostSection {
  hostname?: string;
  /** The maker another tool printed for the MAC (nmap's `vendor` attribute), kept as evidence beside the OUI. */
  macVendor?: string;
}

/** Where a switch learnt a MAC: one row of its MAC address table. This is where to find a device on the wire. */
export interface SwitchPortSection {
  /** The switch's name, as the user gave it (the table itself rarely names its switch). */
  switch?: string;
  vlan?: string;
  port?: string;
}

/** What a port scanner's service detection said about one port (nmap `-sV`: `<service name product version extrainfo>`). */
export interface ServiceSection {
  name?: string;
  product?: string;
  version?: string;
  extrainfo?: string;
  deviceType?: string;
  tunnel?: string;
}

export interface NeighbourSection {
  /** Interface the kernel learnt the entry on. */
  interface?: string;
  /** Kernel NUD state (REACHABLE, STALE, …). */
  state?: string;
}

/**
 * What one probe saw of one address. Protocol sections hold the protocol's own fields; rules address
 * them by dotted path, e.g. `http.headers.server`, `sadp.DeviceDescription`, `dhip.Vendor`.
 */
export interface Observation {
  /** Stable hash of source, ip, port and the protocol fields: the same sighting gives the same id. */
  id: string;
  site: string;
  agent: string;
  scanId?: string;
  source: ObservationSource;
  /** Empty when only the MAC is known (an entry of a switch's MAC address table). */
  ip: string;
  port?: number;
  /** Lower-case, colon-separated, when known. */
  mac?: string;
  /** ISO 8601. */
  observedAt: string;
  transport?: Transport;
  /** Local interface the reply arrived on, when known. */
  interface?: string;
  http?: HttpSection;
  tls?: TlsSection;
  rtsp?: RtspSection;
  ssdp?: SsdpSection;
  wsdiscovery?: WsDiscoverySection;
  onvif?: OnvifSection;
  mdns?: MdnsSection;
  /** SADP ProbeMatch fields by their XML element names (DeviceType, DeviceDescription, DeviceSN, MAC, OEMInfo, …). */
  sadp?: Record<string, string>;
  /** DHIP deviceInfo fields by their JSON names, plus the top-level `mac`; nested objects kept as JSON. */
  dhip?: Record<string, JsonValue>;
  neighbour?: NeighbourSection;
  host?: HostSection;
  switchPort?: SwitchPortSection;
  service?: ServiceSection;
}

/** The protocol sections of an observation: the part that is hashed into its id and matched by rules. */
export type ObservationSections = Omit<
  Observation,
  'id' | 'site' | 'agent' | 'scanId' | 'observedAt' | 'transport' | 'interface'
>;

/** One reason behind a verdict: which rule matched which observed value. */
export interface Evidence {
  ruleId: string;
  /** Dotted field path the rule matched, e.g. `http.headers.server` or `mac`. */
  field: string;
  /** The observed value (truncated for storage). */
  value: string;
  /** Params the rule set, e.g. { 'hw.vendor': 'Hikvision' }. */
  params: Record<string, string>;
  /** The rule's own weight, 0..1. */
  confidence: number;
  source: ObservationSource;
  observationId: string;
}

export interface FirmwareVersion {
  raw: string;
  /** Dotted version without the leading V, e.g. `5.5.0`. */
  version?: string;
  /** ISO date of the build, e.g. `2017-07-25`, from `build 170725`. */
  buildDate?: string;
}

export interface Advisory {
  id: string;
  title: string;
  /** Why this device is in the affected range, in words. */
  reason: string;
  references: string[];
}

export type DeviceClass =
  | 'camera'
  | 'nvr'
  | 'dvr'
  | 'intercom'
  | 'doorbell'
  | 'access-control'
  | 'printer'
  | 'router'
  | 'other'
  | 'unknown';

/** The matcher's verdict on one device, from all its observations. */
export interface Identification {
  /** Who made the hardware (e.g. Hikvision for an LTS-branded box). Null when the evidence does not say. */
  vendor: string | null;
  /** The name it is sold under (e.g. LTS); equals vendor for own-brand devices. */
  brand: string | null;
  model: string | null;
  firmware: FirmwareVersion | null;
  serial: string | null;
  mac: string | null;
  deviceClass: DeviceClass;
  /** True when the hardware maker is on the US FCC Covered List family (Hikvision, Dahua, Hytera, Huawei, ZTE). */
  covered: boolean;
  coveredReason: string | null;
  /** 0..1: how strongly the evidence supports `vendor`; grows with independent agreeing channels. */
  confidence: number;
  evidence: Evidence[];
  /** Disagreements between evidence, shown rather than hidden (e.g. brand LTS vs vendor Hikvision is not a conflict; two vendors are). */
  conflicts: string[];
  advisories: Advisory[];
}

export type DeviceStatus = 'found' | 'planned' | 'replaced' | 'removed' | 'exempt';

/** A device as the inventory knows it: observations and identifications merged across protocols and scans. */
export interface Device {
  id: string;
  site: string;
  agent: string;
  /** Current address (last seen). */
  ip: string;
  mac: string | null;
  addresses: string[];
  ports: number[];
  sources: ObservationSource[];
  identification: Identification;
  firstSeen: string;
  lastSeen: string;
  scanIds: string[];
  status: DeviceStatus;
  statusReason: string | null;
  location: string | null;
  owner: string | null;
  notes: string | null;
}
