import { describe, expect, it } from 'vitest';
import { checkPermissions, decodeClaims, permissionRemediation } from '../../src/shared/auth/index.js';

function jwt(payload: Record<string, unknown>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc(payload)}.c2ln`;
}

describe('decodeClaims', () => {
  it('reads aud, scp, roles, exp, tid, upn and appid without validating', () => {
    const c = decodeClaims(
      jwt({
        aud: 'https://outlook.office365.com',
        scp: 'IMAP.AccessAsUser.All SMTP.Send',
        exp: 1_900_000_000,
        tid: 't1',
        upn: 'desk@contoso.com',
        appid: 'app',
        roles: ['IMAP.AccessAsApp', 5],
      }),
    );
    expect(c).toEqual({
      aud: 'https://outlook.office365.com',
      scp: 'IMAP.AccessAsUser.All SMTP.Send',
      exp: 1_900_000_000,
      tid: 't1',
      upn: 'desk@contoso.com',
      appid: 'app',
      roles: ['IMAP.AccessAsApp'],
    });
  });

  it('returns undefined for opaque or malformed tokens', () => {
    expect(decodeClaims('opaque-token')).toBeUndefined();
    expect(decodeClaims('a.!!!.c')).toBeUndefined();
    expect(decodeClaims(`a.${Buffer.from('[1]').toString('base64url')}.c`)).toBeUndefined();
  });

  it('falls back to unique_name / azp for v2-style tokens', () => {
    expect(decodeClaims(jwt({ unique_name: 'u@x.com', azp: 'cid' }))).toEqual({
      upn: 'u@x.com',
      appid: 'cid',
    });
  });
});

describe('checkPermissions', () => {
  it('accepts a delegated token with both scopes (case-insensitive)', () => {
    const r = checkPermissions(
      { aud: 'https://outlook.office.com', scp: 'imap.accessasuser.all SMTP.Send offline_access' },
      'delegated',
      'outlook.office365.com',
    );
    expect(r.missing).toEqual([]);
    expect(permissionRemediation(r, 'delegated')).toBeUndefined();
  });

  it('names the missing SMTP permission with the api-permissions step', () => {
    const r = checkPermissions({ scp: 'IMAP.AccessAsUser.All' }, 'delegated', 'outlook.office365.com');
    expect(r.missing).toEqual(['SMTP.Send']);
    const rem = permissionRemediation(r, 'delegated');
    expect(rem?.setupStep).toBe('api-permissions');
    expect(rem?.cause).toContain('SMTP.Send');
  });

  it('reads app-only roles and reports both missing', () => {
    const r = checkPermissions({ roles: [] }, 'app-only', 'outlook.office365.com');
    expect(r.missing).toEqual(['IMAP.AccessAsApp', 'SMTP.SendAsApp']);
    expect(
      checkPermissions({ roles: ['IMAP.AccessAsApp', 'SMTP.SendAsApp'] }, 'app-only', 'x').missing,
    ).toEqual([]);
  });

  it('flags a Graph token as the wrong audience', () => {
    const r = checkPermissions(
      { aud: 'https://graph.microsoft.com', scp: 'IMAP.AccessAsUser.All SMTP.Send' },
      'delegated',
      'outlook.office365.com',
    );
    expect(r.wrongAudience).toBe('https://graph.microsoft.com');
    expect(permissionRemediation(r, 'delegated')?.setupStep).toBe('api-permissions');
    // The lab issues tokens for its own resource host.
    expect(
      checkPermissions({ aud: 'https://localhost:4443' }, 'delegated', 'localhost:4443').wrongAudience,
    ).toBeUndefined();
  });
});
