// Values the lab suites share: their listen window, the lab's ranges as scan targets, the cameras' ONVIF login.

import { SEGMENTS } from '../constants.js';
import type { LabDevice } from '../lab.js';

/** The listen window the channel suites run with. */
export const LISTEN_WINDOW_MS = 1500;

export const LAN_CIDR = SEGMENTS.lan.cidr;
export const LAN2_CIDR = SEGMENTS.lan2.cidr;
export const ROUTED_CIDR = SEGMENTS.routed.cidr;

/** Segments a two-segment scanner reaches by multicast (it has an interface on each; the router forwards none). */
export const MULTICAST_SEGMENTS: readonly LabDevice['segment'][] = ['lan', 'lan2'];

/** The ONVIF login the lab's cameras know (their profiles' onvif.users), configured for the lan segment only. */
export const LAN_ONVIF_LOGIN = { cidr: LAN_CIDR, username: 'admin', password: 'Lab-Onvif-1' };
