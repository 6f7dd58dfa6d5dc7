// Reads profile files from test/lab/profiles/, validates them, and checks each MAC's OUI against the IEEE registry.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ouiOrganisation } from './oui.js';
import { parseProfile, PROFILE_NAME_PATTERN, type DeviceProfile } from './profile.js';

export const PROFILE_DIR = fileURLToPath(new URL('./profiles/', import.meta.url));

export class ProfileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProfileError';
  }
}

/** Validates a profile object (from a file or built by a test) and its MAC's OUI; throws ProfileError naming both. */
export function checkProfile(value: unknown, origin: string): DeviceProfile {
  const parsed = parseProfile(value);
  if (!parsed.ok) throw new ProfileError(`profile ${origin} is not valid: ${parsed.reason}`);
  const profile = parsed.value;
  const organisation = ouiOrganisation(profile.mac);
  if (organisation === undefined) {
    throw new ProfileError(`profile ${origin}: MAC ${profile.mac} has an OUI that is not in the IEEE registry (oui-data)`);
  }
  if (!organisation.toLowerCase().includes(profile.ouiOrganisation.toLowerCase())) {
    throw new ProfileError(
      `profile ${origin}: MAC ${profile.mac} belongs to "${organisation}", not "${profile.ouiOrganisation}" as the profile says`,
    );
  }
  return profile;
}

export function loadProfileFile(path: string): DeviceProfile {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ProfileError(`profile file ${path} could not be read as JSON: ${(error as Error).message}`, { cause: error });
  }
  return checkProfile(value, path);
}

export function loadProfile(name: string): DeviceProfile {
  if (!PROFILE_NAME_PATTERN.test(name)) throw new ProfileError(`"${name}" is not a profile name (expected ${String(PROFILE_NAME_PATTERN)})`);
  const known = listProfileNames();
  if (!known.includes(name)) throw new ProfileError(`no profile "${name}" in ${PROFILE_DIR} (known: ${known.join(', ')})`);
  const profile = loadProfileFile(join(PROFILE_DIR, `${name}.json`));
  if (profile.name !== name) throw new ProfileError(`profile file ${name}.json names itself "${profile.name}"`);
  return profile;
}

export function listProfileNames(): string[] {
  return readdirSync(PROFILE_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

/** Every profile file, validated; the lab starts those with `"default": true` when no list is given. */
export function loadAllProfiles(): DeviceProfile[] {
  return listProfileNames().map(loadProfile);
}
