// A routed /16 for the sweep benchmark, added to a running lab without 65,536 processes. Two namespaces hang off the
// lab's router, each on a point-to-point link of its own:
//   <p>-d-sink16   `ip route add local 10.232.0.0/16 dev lo` (AnyIP): the kernel owns every address of the range, so
//                  each one is a live host with nothing listening: TCP is refused (RST), UDP gets ICMP unreachable.
//   <p>-d-cam16    AnyIP for 10.232.200.0/24 and one emulated camera whose responders listen on 0.0.0.0, so each of
//                  those 256 addresses answers as a camera (SADP, WS-Discovery, ONVIF, HTTP, HTTPS, RTSP).
// The router sends 10.232.200.0/24 to the camera namespace (longest prefix) and the rest of 10.232.0.0/16 to the
// sink; the scanner reaches the range through the router, as it reaches the lab's routed segment. With
// `dropAbsent`, the router sends only 10.232.100.0/24 to the sink (256 live hosts that refuse) and silently drops
// everything else of the /16 (a blackhole route: no ICMP error, as a firewall that drops), so only 512 addresses
// are alive, 256 of them cameras. Both namespaces
// are named like lab device namespaces, so lab.stop() and `clean` remove them and every process inside.

import { DEVICE_STOP_GRACE_MS, SEGMENTS } from '../lab/constants.js';
import { startDeviceProcess, stopDeviceProcess, type DeviceProcess } from '../lab/device-process.js';
import { ipBatch } from '../lab/exec.js';
import type { Lab } from '../lab/lab.js';
import { checkProfile } from '../lab/profile-loader.js';
import type { DeviceProfile } from '../lab/profile.js';
import { prepareRunner, REPO_ROOT } from '../lab/runner.js';
import { namespaceNames } from '../lab/topology.js';

export const BENCH_RANGE_CIDR = '10.232.0.0/16';
export const BENCH_CAMERA_CIDR = '10.232.200.0/24';
/** With `dropAbsent`: the only other live /24 of the range (refusing hosts). */
export const BENCH_LIVE_CIDR = '10.232.100.0/24';
/** The camera's own address (responders template it into SADP, ONVIF…; every address of the /24 answers). */
export const BENCH_CAMERA_IP = '10.232.200.10';
/** Link nets router <-> sink and router <-> camera namespace (outside every lab segment and the bench range). */
const SINK_LINK = { router: '10.231.250.1', peer: '10.231.250.2', prefixLength: 30 };
const CAMERA_LINK = { router: '10.231.250.5', peer: '10.231.250.6', prefixLength: 30 };

export interface BenchRange {
  cidr: string;
  cameraCidr: string;
  /** Addresses that answer as a camera (with the emulated camera) and as a refusing host (the rest). */
  cameraAddresses: number;
  stop(): Promise<void>;
}

function linkLines(port: string, peerNamespace: string, link: typeof SINK_LINK, routes: string[]): string[] {
  return [
    `link add ${port} type veth peer name eth0 netns ${peerNamespace}`,
    `link set ${port} up`,
    `addr add ${link.router}/${link.prefixLength} dev ${port}`,
    ...routes.map((cidr) => `route add ${cidr} via ${link.peer}`),
  ];
}

function peerLines(link: typeof SINK_LINK, anyIpCidr: string, extraAddress?: string): string[] {
  return [
    'link set lo up',
    'link set eth0 up',
    `addr add ${link.peer}/${link.prefixLength} dev eth0`,
    ...(extraAddress ? [`addr add ${extraAddress}/32 dev eth0`] : []),
    // AnyIP: every address of the range is local here, with no address configured per host.
    `route add local ${anyIpCidr} dev lo`,
    `route add default via ${link.router}`,
  ];
}

/**
 * Adds the routed /16 (and, with `camera`, its camera /24) to a running lab. `camera` is any device profile; it is
 * re-addressed to BENCH_CAMERA_IP.
 */
export async function addBenchRange(lab: Lab, camera?: DeviceProfile, options: { dropAbsent?: boolean } = {}): Promise<BenchRange> {
  const names = namespaceNames(lab.prefix);
  const sink = names.device('sink16');
  const cameraNamespace = names.device('cam16');
  await ipBatch(null, [`netns add ${sink}`, ...(camera ? [`netns add ${cameraNamespace}`] : [])]);
  await ipBatch(names.router, [
    ...linkLines('sink16', sink, SINK_LINK, [options.dropAbsent === true ? BENCH_LIVE_CIDR : BENCH_RANGE_CIDR]),
    ...(options.dropAbsent === true ? [`route add blackhole ${BENCH_RANGE_CIDR}`] : []),
    ...(camera ? linkLines('cam16', cameraNamespace, CAMERA_LINK, [BENCH_CAMERA_CIDR]) : []),
  ]);
  await Promise.all([
    ipBatch(sink, peerLines(SINK_LINK, BENCH_RANGE_CIDR)),
    ...(camera ? [ipBatch(cameraNamespace, peerLines(CAMERA_LINK, BENCH_CAMERA_CIDR, BENCH_CAMERA_IP))] : []),
    ipBatch(lab.scannerNamespace, [`route add ${BENCH_RANGE_CIDR} via ${SEGMENTS.lan.gateway}`]),
  ]);

  let device: DeviceProcess | undefined;
  if (camera) {
    const profile = checkProfile({ ...camera, name: 'cam16', ip: BENCH_CAMERA_IP, segment: 'routed', default: false }, 'bench camera');
    // The lab's temp dir holds its runner bundle; building it again here costs a second and keeps lab.ts unchanged.
    const runnerArgv = await prepareRunner(lab.tempDir);
    const env: NodeJS.ProcessEnv = { ...process.env, CAMAUDIT_LAB_TMP: lab.tempDir, CAMAUDIT_LAB_OWNER_PID: String(process.pid), CAMAUDIT_REPO_ROOT: REPO_ROOT };
    delete env.NODE_OPTIONS;
    device = startDeviceProcess(profile, cameraNamespace, runnerArgv, env);
    await device.ready;
  }
  return {
    cidr: BENCH_RANGE_CIDR,
    cameraCidr: BENCH_CAMERA_CIDR,
    cameraAddresses: camera ? 256 : 0,
    async stop() {
      // The namespaces themselves go with lab.stop(); only the camera process is ours to end early.
      if (device) await stopDeviceProcess(device, DEVICE_STOP_GRACE_MS);
    },
  };
}
