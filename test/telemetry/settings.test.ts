import { describe, expect, it } from 'vitest';
import {
  availabilitySuccess,
  createTelemetry,
  parseAuthenticationString,
} from '../../src/shared/telemetry/app-insights.js';

describe('telemetry settings', () => {
  it('is disabled cleanly without a connection string', async () => {
    const t = createTelemetry({ appInsightsAuthenticationString: 'Authorization=AAD' });
    expect(t.enabled).toBe(false);
    t.recordResults([]);
    await expect(t.flush()).resolves.toBeUndefined();
  });

  it('reads the Entra authentication string with an optional managed identity client id', () => {
    expect(parseAuthenticationString('Authorization=AAD;ClientId=abc')).toEqual({
      aad: true,
      clientId: 'abc',
    });
    expect(parseAuthenticationString('authorization=aad')).toEqual({ aad: true });
    expect(parseAuthenticationString(undefined)).toEqual({ aad: false });
    expect(parseAuthenticationString('ClientId=abc')).toEqual({ aad: false });
  });

  it('counts OK and WARN as available, UNKNOWN and CRIT as not', () => {
    expect(['OK', 'WARN', 'UNKNOWN', 'CRIT'].map((s) => availabilitySuccess(s as 'OK'))).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});
