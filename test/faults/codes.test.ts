/**
 * The one table of error codes and the fault-class rules: every code the IMAP/SMTP catalogue and the auth
 * classifier produce is in the table; only setup faults name a setup step; monitor faults are UNKNOWN.
 */
import { describe, expect, it } from 'vitest';
import { classifyAuthError } from '../../src/shared/auth/classify.js';
import { classifyMailFailure } from '../../src/shared/mail/catalogue.js';
import {
  codeEntry,
  enforceFaultRules,
  ERROR_CODES,
  FAULTS,
  withFault,
} from '../../src/shared/faults/index.js';

const opts = {
  kind: 'app-only' as const,
  mailbox: 'desk@contoso.com',
  host: 'outlook.office365.com',
  what: 'x',
};
const smtpErr = (response: string, code = 'EAUTH') =>
  Object.assign(new Error(response), { code, response, responseCode: Number(response.slice(0, 3)) });

describe('error code table', () => {
  it('every entry has a fault class from the list', () => {
    for (const [code, e] of Object.entries(ERROR_CODES)) expect(FAULTS, code).toContain(e.fault);
    expect(codeEntry('AADSTS50126')?.fault).toBe('setup');
    expect(codeEntry('NOPE')).toBeUndefined();
  });

  it('Exchange’s temporary answers are service faults with the server’s codes kept', () => {
    const cases: Array<[unknown, 'IMAP' | 'SMTP', string, Record<string, unknown>]> = [
      [
        Object.assign(new Error('Command failed'), {
          responseStatus: 'NO',
          responseText: '[UNAVAILABLE] Mailbox is temporarily unavailable',
          serverResponseCode: 'UNAVAILABLE',
        }),
        'IMAP',
        'IMAP_UNAVAILABLE',
        { imapCode: 'UNAVAILABLE' },
      ],
      [
        Object.assign(new Error('Connection not available'), {
          code: 'NoConnection',
          reason: 'Server shutting down',
        }),
        'IMAP',
        'IMAP_BYE',
        {},
      ],
      [
        smtpErr('454 4.7.0 Temporary authentication failure'),
        'SMTP',
        'SMTP_TEMPORARY',
        { smtpCode: 454, enhancedCode: '4.7.0' },
      ],
      [
        smtpErr('421 4.7.0 Temporary server error. Please try again later.', 'EPROTOCOL'),
        'SMTP',
        'SMTP_TEMPORARY',
        { smtpCode: 421, enhancedCode: '4.7.0' },
      ],
    ];
    for (const [err, protocol, code, server] of cases) {
      const f = classifyMailFailure(protocol, err, opts);
      expect(f, code).toMatchObject({ code, fault: 'service', server });
      expect(f.remediation.setupStep, code).toBeUndefined();
      expect(f.remediation.fix).toMatch(/service health/);
    }
  });

  it('setup answers keep their step; 530 5.7.57 is SMTP AUTH not in effect', () => {
    const f = classifyMailFailure('SMTP', smtpErr('530 5.7.57 Client not authenticated to send mail.'), opts);
    expect(f).toMatchObject({
      code: 'SMTP_NOT_AUTHENTICATED',
      fault: 'setup',
      server: { smtpCode: 530, enhancedCode: '5.7.57' },
    });
    expect(f.remediation.setupStep).toBe('smtp-auth-enabled');
    const g = classifyMailFailure('SMTP', smtpErr('535 5.7.3 Authentication unsuccessful'), opts);
    expect(g).toMatchObject({ code: 'SMTP_AUTH_FAILED', fault: 'setup', server: { enhancedCode: '5.7.3' } });
  });

  it('a missing secret environment variable is the monitor’s fault', () => {
    const f = classifyAuthError(
      Object.assign(new Error('mailbox "x" auth.password: environment variable PW is not set'), {
        code: 'ESECRET',
      }),
      { requests: 0, tokenRequests: 0, retries: 0 },
      'login.microsoftonline.com',
    );
    expect(f).toMatchObject({ code: 'ESECRET', fault: 'monitor' });
  });

  it('withFault and enforceFaultRules: non-setup faults lose the setup step, monitor faults are UNKNOWN', () => {
    const base = {
      status: 'CRIT' as const,
      remediation: { cause: 'c', fix: 'f', setupStep: 'account' as const },
    };
    expect(withFault(base, 'ETRANSIENT', { httpStatus: 503 })).toEqual({
      status: 'CRIT',
      remediation: { cause: 'c', fix: 'f' },
      details: { code: 'ETRANSIENT', fault: 'service', httpStatus: 503 },
    });
    expect(withFault(base, 'AADSTS50126', { aadsts: 50126 }).remediation?.setupStep).toBe('account');
    const m = enforceFaultRules({ ...base, details: { code: 'ESECRET' } });
    expect(m).toMatchObject({ status: 'UNKNOWN', details: { fault: 'monitor' } });
    expect(m.remediation?.setupStep).toBeUndefined();
    const ok = { status: 'OK' as const, details: { code: 'TIMEOUT' } };
    expect(enforceFaultRules(ok)).toBe(ok);
  });
});
