// A profile's protocol section as its responder reads it, so a suite derives what to expect from the same parse.

import type { DeviceProfile } from '../profile.js';

type SectionParser<T> = (value: unknown) => { ok: true; value: T } | { ok: false; reason: string };

/** The `protocol` section of the profile, parsed; undefined when the profile has none; throws when it is invalid. */
export function profileSection<T>(profile: DeviceProfile, protocol: string, parse: SectionParser<T>): T | undefined {
  const section = profile.protocols[protocol];
  return section === undefined ? undefined : requireSection(profile, protocol, parse);
}

/** The same for a section the profile must have: throws when it is missing or invalid. */
export function requireSection<T>(profile: DeviceProfile, protocol: string, parse: SectionParser<T>): T {
  const parsed = parse(profile.protocols[protocol]);
  if (!parsed.ok) throw new Error(`${profile.name}.${protocol}: ${parsed.reason}`);
  return parsed.value;
}
