// What a lab suite imports: useLab (gate, start/stop, CLI, work files), the channel driver's client, shared values,
// profile sections and the extra profiles suites add. See use-lab.ts for an example and test/lab/README.md.

export { CAMAUDIT_CLI, useLab, type CamauditOptions, type LabSuite, type UseLabOptions } from './use-lab.js';
export { LISTEN_WINDOW_MS, LAN_CIDR, LAN2_CIDR, LAN_ONVIF_LOGIN, MULTICAST_SEGMENTS, ROUTED_CIDR } from './constants.js';
export { profileSection, requireSection } from './sections.js';
export { lan2AxisProfile } from './profiles.js';
export { expectEndedWithItsWindow, observationsOfExactly, runChannel, runChannels, type ChannelRun } from '../drivers/run-channel-client.js';
