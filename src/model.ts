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
  | 'neighbour'
  | 'isapi'
  | 'dahuacgi'
  | 'dhcp';

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
  'isapi',
  'dahuacgi',
  'dhcp',
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
 * Hikvision ISAPI documents read with the user's credentials, each by its XML element names (local names): the unit's
 * own `/ISAPI/System/deviceInfo`, its Hik-Connect setting `/ISAPI/System/Network/EZVIZ`, and, for a camera behind an
 * NVR, the NVR's `InputProxyChannel` entry (`id`, `name`, the `sourceInputPortDescriptor` fields) and its status
 * (`online`, `chanDetectResult`).
 */
export interface IsapiSection {
  deviceInfo?: Record<string, string>;
  ezviz?: Record<string, string>;
  channel?: Record<string, string>;
}

/**
 * Dahua HTTP API answers read with the user's credentials, by their own key names: `magicBox` (`type`, `sn`,
 * `version` of getDeviceType, getSerialNo, getSoftwareVersion), `t2uServer` (the P2P setting, `Enable`), and for a
 * camera behind an NVR its `RemoteDevice` slot (`Address`, `DeviceType`, `SerialNo`, `Mac`, `Version`, …).
 */
export interface DahuaCgiSection {
  magicBox?: Record<string, string>;
  t2uServer?: Record<string, string>;
  remoteDevice?: Record<string, string>;
}

/** A DHCP client message heard on the segment (listen mode): the options devices fingerprint by. */
export interface DhcpSection {
  /** DHCPDISCOVER, DHCPREQUEST, DHCPINFORM, … */
  messageType?: string;
  /** Option 60. */
  vendorClass?: string;
  /** Option 12. */
  hostName?: string;
  /** Option 55, the requested parameter list, as comma-separated codes in the client's order. */
  parameterList?: string;
  /** Option 50. */
  requestedAddress?: string;
  /** Option codes in the order sent, comma-separated. */
  optionOrder?: string;
}

/** Where a device that no scan can reach was seen: the recorder that lists it, and on which channel. */
export interface ViaSection {
  /** The NVR's address on the LAN. */
  ip: string;
  /** The NVR's web port the list was read from. */
  port?: number;
  /** Channel number on the NVR (1-based, as the NVR numbers it). */
  channel: number;
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
  isapi?: IsapiSection;
  dahuacgi?: DahuaCgiSection;
  dhcp?: DhcpSection;
  /** Set for a camera behind an NVR: `ip` is then its internal address, reachable only by the NVR. */
  via?: ViaSection;
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
  /** Whether a vendor cloud (P2P) service is enabled, with the fields that say so; absent = unknown. */
  cloud?: CloudFlag;
}

export type CloudState = 'enabled' | 'disabled' | 'unknown';
export const CLOUD_STATES: readonly CloudState[] = ['enabled', 'disabled', 'unknown'];

/** The cloud flag and its evidence: which field of which observation said what. */
export interface CloudFlag {
  state: CloudState;
  evidence: { field: string; value: string; says: Exclude<CloudState, 'unknown'>; source: ObservationSource; observationId: string }[];
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
  /** For a camera behind an NVR: the NVR's device id (when the inventory knows it) and address, and the channel. */
  via?: { deviceId: string | null; ip: string; channel: number } | null;
  /** The cloud flag of the identification, `unknown` when nothing said. */
  cloud?: CloudState;
}
