// Every timeout, bound and limit lives here; no other module writes one as a literal.
// Order of precedence: command-line flags, then CAMAUDIT_* environment variables, then defaults.

export interface Credentials {
  /** CIDR the credentials apply to; they are sent to no address outside it. */
  cidr: string;
  username: string;
  password: string;
}

export interface ScanConfig {
  site: string;
  agent: string;
  /**
   * How long multicast channels listen for replies, counted from their first multicast probe (later rounds and the
   * unicast sweeps run inside it). Devices spread multicast replies over this time (SSDP MX, WS-Discovery
   * APP_MAX_DELAY), so it sets the length of a scan of a small range.
   */
  listenWindowMs: number;
  /**
   * How long UDP channels keep listening after their last unicast probe (never longer than `listenWindowMs`). A
   * device answers a unicast probe at once, so a sweep's replies arrive while it runs; this covers the last
   * addresses' round trip, not a device's random delay.
   */
  unicastGraceMs: number;
  /** Absolute bound on one TCP/HTTP/RTSP exchange, connect to last byte. */
  exchangeTimeoutMs: number;
  /** Connect timeout for TCP probes (a closed or filtered port should not hold a slot). */
  connectTimeoutMs: number;
  /** Most bytes read of one HTTP/RTSP response body. */
  maxBodyBytes: number;
  /** Most bytes read of response headers. */
  maxHeaderBytes: number;
  /** Most bytes of an XML document (SSDP description, ONVIF response) accepted before parsing. */
  maxXmlBytes: number;
  /** Hosts whose TCP ports are probed at once (each holds one socket per port; keep under `ulimit -n` / 6). */
  concurrency: number;
  /** Packets (or connection attempts) per second, all channels together. */
  globalRatePerSecond: number;
  /** Packets (or connection attempts) per second to one host. */
  perHostRatePerSecond: number;
  /** Largest number of addresses one scan may cover. */
  maxScopeAddresses: number;
  /** TCP ports the banner probe tries. */
  httpPorts: number[];
  httpsPorts: number[];
  rtspPorts: number[];
  credentials: Credentials[];
}

export const DEFAULT_SCAN_CONFIG: Readonly<ScanConfig> = Object.freeze({
  site: 'default',
  agent: 'local',
  listenWindowMs: 3000,
  unicastGraceMs: 500,
  exchangeTimeoutMs: 5000,
  connectTimeoutMs: 1000,
  maxBodyBytes: 256 * 1024,
  maxHeaderBytes: 32 * 1024,
  maxXmlBytes: 512 * 1024,
  concurrency: 256,
  globalRatePerSecond: 1000,
  perHostRatePerSecond: 40,
  maxScopeAddresses: 1 << 16,
  httpPorts: [80, 8000, 8080],
  httpsPorts: [443, 8443],
  rtspPorts: [554],
  credentials: [],
});

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

/** Defaults, overridden by CAMAUDIT_* variables, overridden by explicit values (flags). Frozen. */
export function resolveScanConfig(overrides: Partial<ScanConfig> = {}): Readonly<ScanConfig> {
  const fromEnv: Partial<ScanConfig> = {};
  const site = process.env.CAMAUDIT_SITE;
  const agent = process.env.CAMAUDIT_AGENT;
  if (site) fromEnv.site = site;
  if (agent) fromEnv.agent = agent;
  const numeric: [keyof ScanConfig, string][] = [
    ['listenWindowMs', 'CAMAUDIT_LISTEN_WINDOW_MS'],
    ['unicastGraceMs', 'CAMAUDIT_UNICAST_GRACE_MS'],
    ['exchangeTimeoutMs', 'CAMAUDIT_EXCHANGE_TIMEOUT_MS'],
    ['connectTimeoutMs', 'CAMAUDIT_CONNECT_TIMEOUT_MS'],
    ['maxBodyBytes', 'CAMAUDIT_MAX_BODY_BYTES'],
    ['concurrency', 'CAMAUDIT_CONCURRENCY'],
    ['globalRatePerSecond', 'CAMAUDIT_RATE'],
    ['perHostRatePerSecond', 'CAMAUDIT_HOST_RATE'],
  ];
  for (const [key, variable] of numeric) {
    const value = envNumber(variable);
    if (value !== undefined) (fromEnv as Record<string, unknown>)[key] = value;
  }
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return Object.freeze({ ...DEFAULT_SCAN_CONFIG, ...fromEnv, ...defined });
}

// ---------------------------------------------------------------------------------------------------------------
// Limits outside discovery: the inventory, the REST API, the exports, the matcher and the files the CLI reads.
// They are the same for every scan, so they are plain frozen objects read once; the one a user may need to change
// (the SQLite busy timeout, when a scan and `serve` share one file on a slow disk) has a CAMAUDIT_* variable.

export const INVENTORY_LIMITS = Object.freeze({
  /** SQLite busy timeout: how long a writer waits for another connection's lock. */
  busyTimeoutMs: envNumber('CAMAUDIT_DB_BUSY_TIMEOUT_MS') ?? 5000,
  /** Observations per source handed to the matcher when a device is re-identified (the latest ones). */
  maxObservationsPerSource: 8,
  /** Sightings read to re-identify one device: its latest ones, whatever the number of scans. */
  maxSightingsRead: 2000,
  /**
   * One MAC answering for more addresses than this in one scan is a router doing proxy ARP (or a host of many
   * virtual addresses), not one camera: its MAC says nothing about which device is which.
   */
  maxAddressesPerMac: 4,
  /**
   * A scan of more observations than this is merged into devices in parts of about this many (whole groups each),
   * so that merging a first import of a large site takes memory of the part's size, not the scan's.
   */
  mergePartObservations: 10_000,
  /**
   * Refused claims a scan's merge logs one by one; the rest are counted in one line. Each is recorded all the same, in
   * its device's history and alert.
   */
  conflictWarningsPerScan: 20,
  /**
   * `camaudit import` merges in smaller parts, and gives SQLite a smaller page cache (KiB; better-sqlite3's default
   * is 16 MiB): a first import of 100,000 devices then peaks about 50 MB lower at no measured cost in speed (its
   * index writes are bulk, bulk-indexes.ts), where `serve` keeps the large cache for its pages.
   */
  importMergePartObservations: 2000,
  importSqliteCacheKiB: 4096,
  /** Devices per page of a list when the request names no limit, and the most it may ask for. */
  defaultPageLimit: 100,
  maxPageLimit: 1000,
  /** Observations listed in a device's detail (its evidence lives in the identification; this is the raw trail). */
  detailObservations: 200,
  /** Scan ids listed in a device record (hourly scans for a year are 8760); the detail's sightings list all. */
  maxScanIdsPerDevice: 500,
  /** Longest name (vendor, brand, site) or search text accepted in a device filter. */
  maxFilterChars: 200,
});

export const API_LIMITS = Object.freeze({
  /** Request bodies are small JSON documents; exports are responses, not bodies. */
  bodyLimitBytes: 64 * 1024,
  /** Longest free text (location, owner, notes, status reason) a PATCH may set. */
  maxTextChars: 2000,
  /** Longest id or site name accepted in a path or body. */
  maxNameChars: 200,
  /** Largest page offset: far past any inventory, and within what SQLite binds as an integer. */
  maxPageOffset: 2_147_483_647,
  /** A schedule faster than this would keep a scan running back to back on fragile cameras. */
  minScheduleMs: 60_000,
});

export const EXPORT_LIMITS = Object.freeze({
  /** Long evidence lists are summarised: a spreadsheet cell is for reading, the JSON export has everything. */
  maxEvidenceChars: 2000,
});

export const MATCH_LIMITS = Object.freeze({
  /** Longest value a rule sees (UTF-16 units); bodies get more because page markers sit deeper. */
  maxValueChars: 4096,
  maxBodyValueChars: 64 * 1024,
  /** Longest observed value kept in an Evidence record. */
  maxEvidenceValueChars: 256,
  /** Bound of the per-knowledge-base caches of brand labels and channel names (device labels are open-ended). */
  cacheEntries: 4096,
  /** Longest observation line `camaudit identify` accepts, so one runaway line cannot exhaust memory. */
  maxObservationLineChars: 1024 * 1024,
});

export const FILE_LIMITS = Object.freeze({
  /** A credentials file larger than this is refused (a real one is a few lines). */
  maxCredentialsFileBytes: 64 * 1024,
});

export const CLI_LIMITS = Object.freeze({
  /** Progress line refresh on a terminal (elsewhere no progress is written). */
  progressTerminalMs: 100,
  /** Device-supplied text is cut to these lengths before it reaches a terminal (table cell, value, line). */
  tableCellChars: 48,
  valueChars: 80,
  lineChars: 160,
});

// --- Discovery limits ------------------------------------------------------------------------------------------------
// The bounds and pacing inside src/discovery, in one place. They are fixed for every scan: the ones a user may need to
// change are ScanConfig fields above (listen window, unicast grace, exchange timeout, body and XML sizes, rates), each
// with its flag and CAMAUDIT_* variable.

/** The UDP session engine (src/discovery/engine/udp.ts and pool.ts). */
export const UDP_LIMITS = Object.freeze({
  /** Times each multicast probe is sent: multicast is lossy (Wi-Fi, snooping switches) and a busy device may miss one. */
  multicastSendCount: 2,
  /**
   * Times each unicast probe is sent to each range address. Once: a sweep of a /24 on three channels is already ~1000
   * datagrams, mostly to silent addresses, and sending it twice would double both the load on fragile devices and the
   * length of the sweep (it is paced by the rate limiter).
   */
  unicastSendCount: 1,
  /** Spacing between rounds of the same probe (a protocol pacing, not a timeout). */
  sendGapMs: 250,
  /** Largest reply kept; real discovery replies are 1–4 KiB, and the bound caps memory per datagram. */
  maxDatagramBytes: 32 * 1024,
  /** Multicast stays on the local segment, as discovery multicast is meant to (routers do not forward it). */
  multicastTtl: 1,
  /** Replies waiting for a slow consumer; beyond this they are dropped with a log line, not buffered without end. */
  maxQueuedReplies: 4096,
  /**
   * What one UDP session (one channel of one scan) accepts, whatever the network sends: distinct responders, bytes
   * per responder, and bytes in all. A storm from any number of source addresses is cut here, before a channel
   * keeps anything; README "Bounds" states what that means for a scan.
   */
  maxRespondersPerSession: 4096,
  maxBytesPerResponder: 256 * 1024,
  maxBytesPerSession: 16 * 1024 * 1024,
  /** Sockets per unicast sweep: each adds a send buffer's worth of probes that may wait on ARP at once. */
  unicastPoolSize: 8,
  /** Send buffer asked for per pooled socket; Linux caps it at net.core.wmem_max (often 208 KiB) without error. */
  unicastSendBufferBytes: 1024 * 1024,
  /** Datagrams queued in libuv on one pooled socket before the sweep waits: any queue means its kernel buffer is full. */
  maxQueuedPerSocket: 2,
  /**
   * How long queued datagrams may take to leave once a sweep is done: Linux gives up on an unanswered ARP after
   * mcast_solicit (3) × retrans_time (1 s), which frees the buffer space its datagrams held.
   */
  neighbourResolutionBoundMs: 3500,
  /**
   * SSDP MX: the most seconds a device may wait before answering an M-SEARCH. Devices spread their replies over it,
   * so the listen window must cover it; 1 keeps a scan short, and UPnP allows 1 to 5.
   */
  ssdpMxSeconds: 1,
});

/** The shared rate limiter (src/discovery/engine/rate-limiter.ts). */
export const RATE_LIMITER_LIMITS = Object.freeze({
  /**
   * A bucket holds this much time's worth of its rate (at least one token). Small on purpose: "1000 pps" must not
   * start with a burst of 1000 SYNs, which is what wedges consumer NATs and camera listen queues.
   */
  burstWindowMs: 100,
  /** Host buckets are swept for idle entries once the map grows past this (and then past twice its last size). */
  hostSweepThreshold: 1024,
});

/** What one scan keeps of the replies and refusals of its channels. */
export const REPLY_LIMITS = Object.freeze({
  /** Different SADP, DHIP or WS-Discovery replies kept from one address in one scan. */
  maxDistinctRepliesPerAddress: 16,
  /** Identical replies from one address taken as normal repetition; beyond this, each is recorded as a storm. */
  maxIdenticalReplies: 64,
  /** Distinct refusals listed in a scan's record; beyond this they are counted, not listed. */
  maxRejectionEntries: 256,
  /** Addresses listed for one refusal reason of one channel; the rest are one "many addresses" entry with a count. */
  maxRejectionAddressesPerReason: 16,
  /** A refusal's reason is a sentence for people, not a copy of the input. */
  maxReasonChars: 300,
  /** SSDP replies kept per root device: a device sends one per search target it has, a few dozen at most. */
  ssdpMaxMessagesPerResponder: 256,
  /** SSDP root devices (distinct LOCATIONs) kept per address: more is a flood, and each would cost a description fetch. */
  ssdpMaxRespondersPerAddress: 16,
  /**
   * Web ports of one address probed in the follow-up stage (ports it announced that the sweep did not try): a camera
   * or NVR announces one or two. A host announcing hundreds (an mDNS flood) held the scan for as many probes at the
   * rate limit, seconds more with every run's count of announcements; beyond this they are refused with a reason.
   */
  maxAnnouncedPortsPerAddress: 16,
  /** mDNS records kept per sender: a busy host lists a few dozen; the bound caps memory against a flood. */
  mdnsMaxRecordsPerSender: 4096,
  /** mDNS follow-up questions per route in one scan: more is not a LAN of cameras. */
  mdnsMaxFollowUpsPerRoute: 512,
  /** Questions per mDNS follow-up message, so a message stays well under a 1500-byte MTU. */
  mdnsQuestionsPerMessage: 8,
});

/** Bounds of the pure parsers: input beyond them is not a device talking to us in good faith. */
export const PARSE_LIMITS = Object.freeze({
  /** XML nesting deeper than this is not a device reply; the parser stops rather than recursing. */
  maxXmlDepth: 32,
  /** DHIP JSON: real replies nest two levels (IPv4Address inside deviceInfo inside params). */
  maxJsonDepth: 8,
  /** A WS-Discovery reply naming more matches than this is not one device answering. */
  wsDiscoveryMaxMatches: 16,
  /** Longest list of WS-Discovery scopes, types or XAddrs kept from one match. */
  wsDiscoveryMaxListItems: 64,
  /** SSDP replies carry about ten headers; a hundred is generous and bounds the work per datagram. */
  ssdpMaxHeaders: 100,
  /** UPnP embedded devices listed; more is not a camera or a router. */
  upnpMaxEmbeddedDevices: 32,
  /** HTTP/RTSP header fields read; the rest are ignored. */
  maxHeaderFields: 128,
  /** The longest HTTP chunk-size line accepted (hex size plus extensions). */
  maxChunkLineBytes: 1024,
  /** An HTML title longer than this is not a product name; rules only need its start. */
  maxTitleChars: 256,
  /** A certificate distinguished name longer than this is not a camera's; it is cut. */
  maxDistinguishedNameChars: 1024,
  /** A WWW-Authenticate value longer than this is not read (real ones are under 300 bytes). */
  maxDigestChallengeChars: 4096,
  /** Longest Digest parameter kept; a nonce or realm beyond it is refused rather than echoed back. */
  maxDigestParameterChars: 512,
  /** Neighbour table lines read; more is not a table we should trust to hold in memory. */
  maxNeighbourEntries: 65_536,
});

/** Credentialed vendor API reads (src/discovery/vendor-api/) and listen mode (src/discovery/listen/, dhcp/). */
export const VENDOR_API_LIMITS = Object.freeze({
  /** Longest value kept from an ISAPI element or a CGI key; model, serial and firmware are far shorter. */
  maxValueChars: 256,
  /** Scalar fields kept of one ISAPI element (DeviceInfo has about 25). */
  maxFields: 64,
  /** Channels read from one NVR (the largest Hikvision and Dahua recorders have 256). */
  maxChannels: 512,
  /** key=value lines read from one CGI answer. */
  maxCgiLines: 20_000,
  /** Observations kept per address to choose its vendor API: far more than one unit's discovery replies. */
  maxObservationsPerCandidate: 64,
  /** Distinct observations kept from one listen: a busy segment repeats itself; beyond this they are dropped. */
  maxListenObservations: 50_000,
  /** A DHCP message is a few hundred bytes; one Ethernet frame bounds it. */
  maxDhcpBytes: 1500,
  /** Longest DHCP option text kept (vendor class, host name). */
  maxDhcpTextChars: 128,
});

/** Device requests after a reply (src/discovery/http/request.ts and the banner probe). */
export const REQUEST_LIMITS = Object.freeze({
  /** Body cap of the favicon request (bounded further by maxBodyBytes): device favicons are a few KiB. */
  faviconMaxBytes: 64 * 1024,
  /** Bytes of a non-HTTP/RTSP reply kept (as hex) for the debug log. */
  firstBytesLogged: 32,
});

/** Host discovery, the first phase of a unicast sweep (src/discovery/engine/liveness.ts). */
export const HOST_DISCOVERY_LIMITS = Object.freeze({
  /**
   * TCP ports tried on routed addresses: a connection accepted or refused (RST) both show a live host. 80 because
   * nearly every camera and NVR serves its web page there, and a host with 80 closed still answers with a refusal.
   */
  routedTcpPorts: [80] as readonly number[],
  /**
   * Also send routed addresses the unicast discovery datagram (WS-Discovery Probe). Off by default: where absent
   * addresses drop silently every probe to them costs its full share of the rate, and one TCP connect per address is
   * what keeps a sweep of a /16 at about one probe per absent address (a camera answers on port 80, or refuses
   * there). Attached subnets need neither: ARP answers for them.
   */
  routedDatagram: false,
  /** How often the neighbour table is read while the phase runs: a large sweep may see entries garbage-collected. */
  neighbourPollMs: 250,
  /**
   * After the last datagram left: how long present neighbours get to answer ARP (they do within milliseconds; this
   * covers a loaded host), and routed devices to answer the unicast discovery probe.
   */
  settleMs: 400,
  /** Sockets the phase's datagrams go through (see UDP_LIMITS.unicastPoolSize: absent neighbours hold buffer space). */
  poolSockets: 16,
  /** Most TCP liveness connects in flight; enough for the default rate × connect timeout, far under `ulimit -n`. */
  maxConnectsInFlight: 1024,
});
