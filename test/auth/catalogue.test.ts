import { describe, expect, it } from 'vitest';
import {
  AADSTS_CATALOGUE,
  aadstsCodeIn,
  classifyAuthError,
  describeAadsts,
  microsoftDescription,
} from '../../src/shared/auth/index.js';
import { SETUP_STEPS } from '../../src/shared/contracts.js';

// Every AADSTS code docs/exchange-online.md lists, with the setup step the fix belongs to.
const EXPECTED_STEPS: Record<number, string> = {
  7000218: 'public-client-flows',
  65001: 'admin-consent',
  50126: 'account',
  50076: 'account',
  50079: 'account',
  50158: 'account',
  53003: 'account',
  700016: 'app-registration',
  90002: 'esm-platform-settings',
  900023: 'esm-platform-settings',
  50034: 'account',
  50053: 'account',
  50055: 'account',
  50057: 'account',
  7000215: 'app-registration',
  7000222: 'app-registration',
  700024: 'app-registration',
  50173: 'account',
  70011: 'api-permissions',
  500011: 'api-permissions',
  700082: 'account',
  70043: 'account',
  9002313: 'esm-platform-settings',
  50059: 'esm-platform-settings',
};

describe('AADSTS catalogue', () => {
  it('covers every code of docs/exchange-online.md with its setup step', () => {
    for (const [code, step] of Object.entries(EXPECTED_STEPS)) {
      const entry = AADSTS_CATALOGUE[Number(code)];
      expect(entry, `AADSTS${code}`).toBeDefined();
      expect(entry!.setupStep, `AADSTS${code}`).toBe(step);
      expect(SETUP_STEPS).toContain(entry!.setupStep);
      expect(entry!.cause.length).toBeGreaterThan(10);
      expect(entry!.fix.length).toBeGreaterThan(10);
    }
  });

  it('names "Allow public client flows" under Authentication → Advanced settings for 7000218', () => {
    const r = describeAadsts(7000218);
    expect(r.fix).toContain('Allow public client flows');
    expect(r.fix).toContain('Authentication → Advanced settings');
  });

  it('keeps Microsoft’s description for unknown codes', () => {
    const r = describeAadsts(123456, 'AADSTS123456: Something new went wrong.');
    expect(r.cause).toBe('AADSTS123456: Something new went wrong.');
    expect(r.setupStep).toBeUndefined();
    expect(r.fix).toContain('AADSTS123456');
  });

  it('extracts the code and strips trace ids from Microsoft’s text', () => {
    const text =
      'Error(s): 50126 - Timestamp: 2026-11-27 - Description: AADSTS50126: Error validating credentials due to ' +
      'invalid username or password.\r\nTrace ID: abc Correlation ID: def Timestamp: 2026 - Correlation ID: x';
    expect(aadstsCodeIn(text)).toBe(50126);
    expect(microsoftDescription(text)).toBe(
      'AADSTS50126: Error validating credentials due to invalid username or password.',
    );
    expect(aadstsCodeIn('no code here')).toBeUndefined();
  });
});

describe('classifyAuthError', () => {
  const log = () => ({ requests: 1, tokenRequests: 1, retries: 0 });

  it('classifies an MSAL ServerError by errorNo', () => {
    const err = {
      name: 'ServerError',
      errorCode: 'invalid_client',
      errorNo: '7000218',
      errorMessage:
        'Error(s): 7000218 - Description: AADSTS7000218: The request body must contain the following parameter: ' +
        "'client_assertion' or 'client_secret'.\r\nTrace ID: 1",
    };
    const f = classifyAuthError(err, log(), 'login.microsoftonline.com');
    expect(f.code).toBe('AADSTS7000218');
    expect(f.transient).toBe(false);
    expect(f.remediation.setupStep).toBe('public-client-flows');
    expect(f.message).toMatch(/^AADSTS7000218: The request body must contain/);
  });

  it('finds the code in the message when errorNo is absent (InteractionRequired)', () => {
    const err = {
      name: 'InteractionRequiredAuthError',
      errorCode: 'invalid_grant',
      errorMessage: 'AADSTS50076: Due to a configuration change…',
    };
    const f = classifyAuthError(err, log(), 'h');
    expect(f.code).toBe('AADSTS50076');
    expect(f.remediation.fix).toContain('MFA');
  });

  it('reports a persisting 429 as transient with no setup step', () => {
    const f = classifyAuthError(
      { errorCode: 'network_error' },
      {
        requests: 4,
        tokenRequests: 4,
        retries: 3,
        lastTransient: { status: 429, retryAfterMs: 2000 },
        // Entra's 429 bodies carry an AADSTS code too; it must not turn the throttling into a config error.
        lastError: { status: 429, aadsts: 50196, description: 'AADSTS50196: loop detected' },
      },
      'login.microsoftonline.com',
    );
    expect(f).toMatchObject({ code: 'ETRANSIENT', transient: true, retries: 3 });
    expect(f.message).toContain('HTTP 429');
    expect(f.message).toContain('Retry-After 2 s');
    expect(f.remediation.setupStep).toBeUndefined();
  });

  it('reports network failures and deadlines as transient', () => {
    const net = classifyAuthError({}, { ...log(), lastTransient: { network: 'ECONNREFUSED' } }, 'h');
    expect(net).toMatchObject({ code: 'ENETWORK', transient: true });
    expect(net.message).toContain('ECONNREFUSED');
    const late = classifyAuthError({}, { ...log(), aborted: true }, 'h');
    expect(late).toMatchObject({ code: 'TIMEOUT', transient: true });
  });

  it('uses the AADSTS code of a failed metadata request (unknown tenant)', () => {
    const f = classifyAuthError(
      { errorCode: 'endpoints_resolution_error', errorMessage: 'Endpoints cannot be resolved' },
      { ...log(), lastError: { status: 400, aadsts: 90002, description: 'AADSTS90002: Tenant not found.' } },
      'h',
    );
    expect(f.code).toBe('AADSTS90002');
    expect(f.remediation.setupStep).toBe('esm-platform-settings');
  });

  it('reports secret errors without the secret', () => {
    const f = classifyAuthError(
      { code: 'ESECRET', message: 'mailbox "x" auth.password: environment variable PW is not set' },
      log(),
      'h',
    );
    expect(f).toMatchObject({ code: 'ESECRET', transient: false });
    expect(f.remediation.cause).toContain('PW is not set');
  });
});
