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
