import { describe, expect, it } from 'vitest';
import { cloudFlag, readFirmwareBoolean } from '../../src/match/cloud.js';
import { identify } from '../../src/match/index.js';
import { createObservation } from '../../src/observation.js';

const context = { site: 's', agent: 'a' };

describe('the cloud (P2P) flag', () => {
  it('reads firmware booleans leniently, flase included, and nothing else', () => {
    expect(readFirmwareBoolean('flase')).toBe(false);
    expect(readFirmwareBoolean(' TRUE ')).toBe(true);
    expect(readFirmwareBoolean('maybe')).toBeUndefined();
  });

  it('is enabled when one field says on, disabled when fields say off, unknown otherwise', () => {
    const off = createObservation({ source: 'sadp', ip: '10.0.0.1', sadp: { SupportHCPlatform: 'true', HCPlatformEnable: 'flase' } }, context);
    const on = createObservation({ source: 'isapi', ip: '10.0.0.1', isapi: { ezviz: { enabled: 'true' } } }, context);
    const dahua = createObservation({ source: 'dahuacgi', ip: '10.0.0.2', dahuacgi: { t2uServer: { Enable: 'false' } } }, context);
    const silent = createObservation({ source: 'sadp', ip: '10.0.0.3', sadp: { DeviceSN: 'X' } }, context);
    expect(cloudFlag([off]).state).toBe('disabled');
    expect(cloudFlag([off, on])).toMatchObject({ state: 'enabled', evidence: [{ field: 'sadp.HCPlatformEnable', says: 'disabled' }, { field: 'isapi.ezviz.enabled', says: 'enabled' }] });
    expect(cloudFlag([dahua]).state).toBe('disabled');
    expect(cloudFlag([silent])).toEqual({ state: 'unknown', evidence: [] });
    // The matcher carries it only when something said it.
    expect(identify([off]).cloud?.state).toBe('disabled');
    expect(identify([silent]).cloud).toBeUndefined();
  });
});
