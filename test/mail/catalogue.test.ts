/**
 * The IMAP/SMTP failure catalogue, table-driven over the error shapes imapflow and nodemailer really produce:
 * each reply or network failure → code, status, cause, the admin's fix and its setup step. No secret survives
 * classification even when the error object carries the AUTHENTICATE command line.
 */
import { describe, expect, it } from 'vitest';
import { classifyMailFailure } from '../../src/shared/mail/catalogue.js';

const opts = (kind: 'delegated' | 'app-only' = 'delegated') => ({
  kind,
  mailbox: 'desk@contoso.com',
  host: 'outlook.office365.com',
  what: 'XOAUTH2 login',
});
const imapAuth = (status: string, text: string) =>
  Object.assign(new Error('Command failed'), {
    responseStatus: status,
    responseText: text,
    authenticationFailed: true,
    response: `3 ${status} ${text}`,
    executedCommand: '3 AUTHENTICATE XOAUTH2 dXNlcj1kZXNrAWF1dGg9QmVhcmVyIFNFQ1JFVC1UT0tFTgEB',
  });
const smtp = (responseCode: number, response: string) =>
  Object.assign(new Error(`Invalid login: ${response}`), {
    code: 'EAUTH',
    responseCode,
    response,
    command: 'AUTH XOAUTH2',
  });
const net = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('IMAP catalogue', () => {
  it.each([
    [
      'NO',
      'AUTHENTICATE failed.',
      'delegated',
      'IMAP_AUTH_FAILED',
      'api-permissions',
      'IMAP.AccessAsUser.All',
    ],
    [
      'NO',
      'AUTHENTICATE failed.',
      'app-only',
      'IMAP_AUTH_FAILED',
      'exchange-service-principal',
      'New-ServicePrincipal',
    ],
    [
      'BAD',
      'User is authenticated but not connected.',
      'delegated',
      'IMAP_NOT_CONNECTED_SESSION',
      'imap-enabled',
      '-ImapEnabled $true',
    ],
    [
      'BAD',
      'User is authenticated but not connected.',
      'app-only',
      'IMAP_NOT_CONNECTED_SESSION',
      'mailbox-permission',
      'FullAccess',
    ],
  ] as const)('%s %s (%s) → %s, step %s', (status, text, kind, code, step, fix) => {
    const f = classifyMailFailure('IMAP', imapAuth(status, text), opts(kind));
    expect(f).toMatchObject({ code, status: 'CRIT', serverReply: `${status} ${text}` });
    expect(f.remediation.setupStep).toBe(step);
    expect(f.remediation.fix).toContain(fix);
    expect(JSON.stringify(f)).not.toMatch(/dXNlcj1|SECRET-TOKEN/);
  });

  it.each([
    ['BAD', 'Command Argument Error. 11', 'IMAP_FETCH_ARGUMENT_ERROR'],
    ['NO', 'not connected', 'IMAP_NOT_CONNECTED'],
  ])('fetch reply %s %s → %s (CRIT)', (status, text, code) => {
    const err = Object.assign(new Error('Command failed'), { responseStatus: status, responseText: text });
    const f = classifyMailFailure('IMAP', err, { ...opts(), what: 'fetch of UID 7' });
    expect(f.code).toBe(code);
    expect(f.status).toBe('CRIT');
    expect(f.summary).toBe(`IMAP fetch of UID 7 failed: ${status} ${text}`);
  });
});

describe('SMTP catalogue', () => {
  it('535 5.7.139 → SMTP AUTH disabled, Set-CASMailbox fix, step smtp-auth-enabled', () => {
    const f = classifyMailFailure(
      'SMTP',
      smtp(
        535,
        '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.',
      ),
      opts(),
    );
    expect(f.code).toBe('SMTP_AUTH_DISABLED');
    expect(f.status).toBe('CRIT');
    expect(f.remediation.setupStep).toBe('smtp-auth-enabled');
    expect(f.remediation.fix).toContain(
      'Set-CASMailbox -Identity desk@contoso.com -SmtpClientAuthenticationDisabled $false',
    );
    expect(f.remediation.cause).toContain('security defaults');
  });

  it.each([
    [535, '535 5.7.3 Authentication unsuccessful', 'SMTP_AUTH_FAILED', 'CRIT', 'api-permissions'],
    [
      432,
      '432 4.3.2 Concurrent connections limit exceeded. Visit https://aka.ms/concurrent_sending',
      'SMTP_CONCURRENCY',
      'WARN',
      undefined,
    ],
    [
      550,
      '550 5.7.30 Basic authentication is not supported for Client Submission.',
      'SMTP_BASIC_AUTH',
      'CRIT',
      'esm-platform-settings',
    ],
  ] as const)('%i → %s', (responseCode, response, code, status, step) => {
    const f = classifyMailFailure('SMTP', smtp(responseCode, response), opts());
    expect(f).toMatchObject({ code, status, serverReply: response });
    expect(f.remediation.setupStep).toBe(step);
  });

  it('535 5.7.3 for an app-only token points at SMTP.SendAsApp and the service principal', () => {
    const f = classifyMailFailure(
      'SMTP',
      smtp(535, '535 5.7.3 Authentication unsuccessful'),
      opts('app-only'),
    );
    expect(f.remediation.setupStep).toBe('exchange-service-principal');
    expect(f.remediation.fix).toContain('SMTP.SendAsApp');
  });
});

describe('network failures (both protocols)', () => {
  it.each([
    ['ENOTFOUND', 'DNS'],
    ['EAI_AGAIN', 'DNS'],
    ['ECONNREFUSED', 'REFUSED'],
    ['ECONNRESET', 'DROPPED'],
    ['ETIMEDOUT', 'TIMEOUT'],
    ['GREETING_TIMEOUT', 'TIMEOUT'],
    ['CONNECT_TIMEOUT', 'TIMEOUT'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'TLS'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'TLS'],
    ['CERT_HAS_EXPIRED', 'TLS'],
  ])('%s → %s, CRIT, host named in the fix', (code, expected) => {
    for (const protocol of ['IMAP', 'SMTP'] as const) {
      const f = classifyMailFailure(protocol, net(code), opts());
      expect(f.code).toBe(expected);
      expect(f.status).toBe('CRIT');
      if (expected !== 'DROPPED') expect(f.remediation.fix).toContain('outlook.office365.com');
    }
  });

  it('TLS remediation never suggests switching verification off', () => {
    const f = classifyMailFailure(
      'IMAP',
      net('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'),
      opts(),
    );
    expect(f.remediation.fix).toContain('never turn verification off');
    expect(f.remediation.fix).not.toMatch(/reject[U]nauthorized|NODE_TLS_REJECT_[U]NAUTHORIZED/);
  });

  it('an unknown failure stays CRIT and keeps the (cleaned) reply', () => {
    const err = Object.assign(new Error('Command failed'), {
      responseStatus: 'NO',
      responseText: 'Weird\r\nthing',
    });
    const f = classifyMailFailure('IMAP', err, opts());
    expect(f).toMatchObject({ code: 'IMAP_ERROR', status: 'CRIT', serverReply: 'NO Weird thing' });
  });
});
