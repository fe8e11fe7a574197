import { describe, expect, it } from 'vitest';
import { esmProblems, identityOf } from '../../src/shared/auth/index.js';
import { parseConfig, type MailboxConfig } from '../../src/shared/config/index.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

function mb(over: Record<string, unknown> = {}): MailboxConfig {
  return parseConfig(
    {
      mailboxes: [
        {
          id: 'desk',
          address: 'Desk@Contoso.com',
          tenantId: TENANT,
          clientId: CLIENT,
          auth: { mode: 'password', password: { env: 'PW' } },
          ...over,
        },
      ],
    },
    't',
  ).config.mailboxes[0]!;
}
const app = (address: string) => mb({ address, auth: { mode: 'clientSecret', clientSecret: { env: 'S' } } });

describe('identityOf', () => {
  it('uses the authority, delegated scopes and the user for ROPC', () => {
    const id = identityOf(mb());
    expect(id.authority).toBe(`https://login.microsoftonline.com/${TENANT}`);
    expect(id.scopes).toEqual([
      'https://outlook.office365.com/IMAP.AccessAsUser.All',
      'https://outlook.office365.com/SMTP.Send',
      'offline_access',
    ]);
    expect(id.user).toBe('desk@contoso.com');
    expect(id.kind).toBe('delegated');
  });

  it('gives every mailbox of one app the same app-only key (one token serves them all)', () => {
    const a = identityOf(app('a@contoso.com'));
    const b = identityOf(app('b@contoso.com'));
    expect(a.key).toBe(b.key);
    expect(a.scopes).toEqual(['https://outlook.office365.com/.default']);
    expect(identityOf(mb({ address: 'a@contoso.com' })).key).not.toBe(
      identityOf(mb({ address: 'b@contoso.com' })).key,
    );
  });

  it('declares knownAuthorities only for hosts MSAL has no metadata for', () => {
    expect(identityOf(mb()).knownAuthorities).toEqual([]);
    expect(identityOf(mb({ cloud: { authorityHost: 'login.microsoftonline.us' } })).knownAuthorities).toEqual(
      [],
    );
    expect(identityOf(mb({ cloud: { authorityHost: 'localhost:4443' } })).knownAuthorities).toEqual([
      'localhost:4443',
    ]);
  });
});

describe('esmProblems', () => {
  const good = {
    'mail.store.oauth.enabled': 'true',
    'mail.transport.oauth.enabled': 'TRUE ',
    'mail.oauth.authorize.endpoint': `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/authorize`,
    'mail.oauth.client.id': CLIENT.toUpperCase(),
    'mail.oauth.scopes':
      'https://outlook.office365.com/IMAP.AccessAsUser.All,https://outlook.office365.com/SMTP.Send',
  };

  it('accepts the vendor guide’s settings', () => {
    expect(esmProblems(mb(), good)).toEqual([]);
    // Microsoft's docs spell the resource outlook.office.com, separated by spaces.
    expect(
      esmProblems(mb(), {
        ...good,
        'mail.oauth.scopes':
          'https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send',
      }),
    ).toEqual([]);
  });

  it('names each drift with its setting and the value to paste', () => {
    const p = esmProblems(mb(), {
      'mail.store.oauth.enabled': 'false',
      'mail.oauth.authorize.endpoint': 'https://login.microsoftonline.com/{tenantID}/oauth2/v2.0/authorize',
      'mail.oauth.client.id': 'bbbbbbbb-bbbb-cccc-dddd-eeeeeeeeeeee',
      'mail.oauth.scopes': 'https://graph.microsoft.com/IMAP.AccessAsUser.All',
      'mail.oauth.scope': 'typo',
    });
    const by = (k: string) => p.filter((x) => x.key === k).map((x) => x.message);
    expect(by('mail.oauth.scope')).toEqual(['not an ESM OAuth setting (typo?)']);
    expect(by('mail.store.oauth.enabled')).toEqual(['is "false", not "true"']);
    expect(by('mail.transport.oauth.enabled')[0]).toContain('basic authentication for SMTP');
    expect(by('mail.oauth.authorize.endpoint')[0]).toContain('placeholder');
    expect(by('mail.oauth.client.id')[0]).toContain('another app registration');
    expect(by('mail.oauth.scopes')).toEqual([
      'IMAP.AccessAsUser.All is asked of "graph.microsoft.com", not of Exchange Online',
      'does not contain SMTP.Send',
    ]);
    const endpointFix = p.find((x) => x.key === 'mail.oauth.authorize.endpoint')!.fix;
    expect(endpointFix).toContain(`https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/authorize`);
  });

  it('catches a tenant that differs from the app registration’s', () => {
    const other = '99999999-2222-3333-4444-555555555555';
    const p = esmProblems(mb(), {
      ...good,
      'mail.oauth.authorize.endpoint': `https://login.microsoftonline.com/${other}/oauth2/v2.0/authorize`,
    });
    expect(p.map((x) => x.message)).toEqual([
      `tenant "${other}" is not the app registration's tenant "${TENANT}"`,
    ]);
  });
});
