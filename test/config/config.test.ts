import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  createSecretResolver,
  loadConfigFile,
  loadConfigFromEnv,
  parseConfig,
  parseConfigText,
} from '../../src/shared/config/index.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

function mailbox(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'servicedesk',
    address: 'servicedesk@contoso.com',
    tenantId: TENANT,
    clientId: CLIENT,
    auth: { mode: 'password', password: { env: 'SERVICEDESK_PASSWORD' } },
    ...over,
  };
}

/** Returns the issues of a config that must fail, as "path: message" lines. */
function issuesOf(doc: unknown): string[] {
  try {
    parseConfig(doc, 'test.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected the configuration to be rejected');
}

describe('configuration: valid documents', () => {
  it('applies the documented defaults', () => {
    const { config, warnings } = parseConfig({ mailboxes: [mailbox()] }, 'test.json');
    const m = config.mailboxes[0]!;
    expect(m.cloud).toEqual({
      authorityHost: 'login.microsoftonline.com',
      resourceHost: 'outlook.office365.com',
      imapHost: 'outlook.office365.com',
      imapPort: 993,
      smtpHost: 'smtp.office365.com',
      smtpPort: 587,
    });
    expect(m.folders).toEqual({ inbox: 'INBOX', junk: 'auto', sent: 'auto' });
    expect(m.inbox.maxMessageBytes).toBe(26_214_400);
    expect(m.inbox.waiting).toBe('all');
    expect(m.inbox.moveOversizedTo).toBeNull();
    expect(m.limits).toEqual({
      recipientsPerDay: 10_000,
      messagesPerMinute: 30,
      warnPercent: 80,
      critPercent: 95,
    });
    expect(m.deadlineSeconds).toBe(60);
    expect(config.alerts.policy).toEqual({ failuresBeforeAlert: 2, remindAfterHours: 24 });
    expect(config.alerts.docsUrl).toBeUndefined();
    expect(config.state.tables).toBe('memory');
    expect(warnings).toEqual([]);
  });

  it('takes clientId and tenantId from the ESM platform settings', () => {
    const { config } = parseConfig(
      {
        mailboxes: [
          mailbox({
            clientId: undefined,
            tenantId: undefined,
            esm: {
              'mail.oauth.client.id': CLIENT,
              'mail.oauth.authorize.endpoint': `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/authorize`,
              'mail.oauth.scopes':
                'https://outlook.office365.com/IMAP.AccessAsUser.All,https://outlook.office365.com/SMTP.Send',
              'mail.store.oauth.enabled': 'true',
              'mail.transport.oauth.enabled': 'true',
            },
          }),
        ],
      },
      'test.json',
    );
    expect(config.mailboxes[0]!.clientId).toBe(CLIENT);
    expect(config.mailboxes[0]!.tenantId).toBe(TENANT);
  });

  it('accepts sovereign-cloud and lab hosts', () => {
    const { config } = parseConfig(
      {
        mailboxes: [
          mailbox({
            cloud: { authorityHost: 'login.microsoftonline.us', imapHost: 'localhost', imapPort: 9993 },
          }),
        ],
      },
      'test.json',
    );
    expect(config.mailboxes[0]!.cloud.authorityHost).toBe('login.microsoftonline.us');
    expect(config.mailboxes[0]!.cloud.smtpHost).toBe('smtp.office365.com');
  });

  it('warns about an inline secret without repeating it', () => {
    const { warnings } = parseConfig(
      { mailboxes: [mailbox({ auth: { mode: 'password', password: { value: 'Sup3rSecret!' } } })] },
      'test.json',
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('mailboxes[0].auth.password');
    expect(warnings.join('\n')).not.toContain('Sup3rSecret!');
  });

  it('reads the document from MAILBOX_HEALTH_CONFIG', () => {
    const { config } = loadConfigFromEnv({
      MAILBOX_HEALTH_CONFIG: JSON.stringify({ mailboxes: [mailbox()] }),
    });
    expect(config.mailboxes[0]!.id).toBe('servicedesk');
    expect(() => loadConfigFromEnv({})).toThrow(/MAILBOX_HEALTH_CONFIG is not set/);
  });
});

describe('configuration: every error names the field and what was expected', () => {
  it('missing field', () => {
    const { address: _a, ...rest } = mailbox();
    expect(issuesOf({ mailboxes: [rest] })).toContain('mailboxes[0].address: required (expected a string)');
  });

  it('wrong type', () => {
    expect(issuesOf({ mailboxes: [mailbox({ cloud: { imapPort: '993' } })] })).toContain(
      'mailboxes[0].cloud.imapPort: expected a port number',
    );
  });

  it('alerts.docsUrl: an https URL without a fragment', () => {
    const doc = (docsUrl: string) => ({ mailboxes: [mailbox()], alerts: { docsUrl } });
    expect(issuesOf(doc('http://wiki.contoso.com/deploy'))).toEqual([
      'alerts.docsUrl: expected an https:// URL of docs/deploy.md',
    ]);
    expect(issuesOf(doc('https://wiki.contoso.com/deploy#steps'))).toEqual([
      'alerts.docsUrl: expected no #fragment (the section is added per setup step)',
    ]);
    expect(parseConfig(doc('https://wiki.contoso.com/deploy'), 't').config.alerts.docsUrl).toBe(
      'https://wiki.contoso.com/deploy',
    );
  });

  it('malformed GUID', () => {
    expect(issuesOf({ mailboxes: [mailbox({ clientId: 'not-a-guid' })] })).toEqual([
      'mailboxes[0].clientId: expected a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)',
    ]);
  });

  it('malformed URL', () => {
    const issues = issuesOf({
      mailboxes: [
        mailbox({ esm: { 'mail.oauth.authorize.endpoint': 'login.microsoftonline.com/x/authorize' } }),
      ],
    });
    expect(issues).toEqual([
      'mailboxes[0].esm["mail.oauth.authorize.endpoint"]: expected a URL like https://login.microsoftonline.com/{tenantID}/oauth2/v2.0/authorize',
    ]);
    expect(issuesOf({ mailboxes: [mailbox()], state: { tables: { accountUrl: 'nope' } } })[0]).toMatch(
      /^state\.tables/,
    );
  });

  it('state.tables.directory: errors name the field; a relative path is the config file’s neighbour', () => {
    const tables = (t: unknown) => issuesOf({ mailboxes: [mailbox()], state: { tables: t } });
    expect(tables({ directory: '' })).toEqual(['state.tables.directory: expected a directory path']);
    expect(tables({ directory: '/var/lib/mh', lock: false })).toEqual(['state.tables.lock: unknown key']);
    expect(tables({ dir: '/x' })[0]).toMatch(/^state\.tables: expected .*\{ "directory": "path" \}/);
    const dir = mkdtempSync(join(tmpdir(), 'mh-cfg-'));
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({ mailboxes: [mailbox()], state: { tables: { directory: 'state' } } }),
    );
    expect(loadConfigFile(file).config.state.tables).toEqual({ directory: join(dir, 'state') });
    writeFileSync(
      file,
      JSON.stringify({ mailboxes: [mailbox()], state: { tables: { directory: '/srv/mh' } } }),
    );
    expect(loadConfigFile(file).config.state.tables).toEqual({ directory: '/srv/mh' });
  });

  it('an authorize endpoint with the {tenantID} placeholder left in', () => {
    expect(
      issuesOf({
        mailboxes: [
          mailbox({
            esm: {
              'mail.oauth.authorize.endpoint':
                'https://login.microsoftonline.com/{tenantID}/oauth2/v2.0/authorize',
            },
          }),
        ],
      }),
    ).toEqual([
      'mailboxes[0].esm["mail.oauth.authorize.endpoint"]: the {tenantID} placeholder was not replaced with the tenant id',
    ]);
  });

  it('malformed e-mail address', () => {
    expect(
      issuesOf({
        mailboxes: [mailbox({ address: 'servicedesk.contoso.com', reviewers: ['ok@contoso.com', 'x@'] })],
      }),
    ).toEqual([
      'mailboxes[0].address: expected an e-mail address (name@domain)',
      'mailboxes[0].reviewers[1]: expected an e-mail address (name@domain)',
    ]);
  });

  it('duplicate mailbox id', () => {
    expect(issuesOf({ mailboxes: [mailbox(), mailbox({ address: 'other@contoso.com' })] })).toEqual([
      'mailboxes[1].id: duplicate mailbox id "servicedesk" (also mailboxes[0])',
    ]);
  });

  it('unknown key', () => {
    expect(issuesOf({ mailboxes: [mailbox({ adress: 'typo@contoso.com' })] })).toEqual([
      'mailboxes[0].adress: unknown key',
    ]);
    expect(issuesOf({ mailboxes: [mailbox({ inbox: { warnAfterMinute: 5 } })] })).toEqual([
      'mailboxes[0].inbox.warnAfterMinute: unknown key',
    ]);
  });

  it('unreadable file', () => {
    expect(() => loadConfigFile('/nonexistent/mailbox-health.json')).toThrow(
      /mailbox-health\.json[^]*cannot read the file \(ENOENT\)/,
    );
  });

  it('non-JSON file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mh-config-'));
    const path = join(dir, 'config.json');
    writeFileSync(path, '{ "mailboxes": [ }');
    let error: unknown;
    try {
      loadConfigFile(path);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(path);
    expect((error as ConfigError).issues[0]!.message).toMatch(/^not valid JSON/);
  });

  it('empty mailbox list', () => {
    expect(issuesOf({ mailboxes: [] })).toEqual(['mailboxes: expected at least one mailbox']);
  });

  it('a bare string where a secret belongs', () => {
    expect(issuesOf({ mailboxes: [mailbox({ auth: { mode: 'password', password: 'hunter2' } })] })).toEqual([
      'mailboxes[0].auth.password: expected a secret reference: { "env": "NAME" }, { "file": "path" } or { "value": "…" }',
    ]);
  });

  it('a bare string secret never appears in the error', () => {
    const err = (() => {
      try {
        parseConfigText(
          JSON.stringify({
            mailboxes: [mailbox({ auth: { mode: 'clientSecret', clientSecret: 'hunter2' } })],
          }),
          'x',
        );
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err?.message).toContain('mailboxes[0].auth.clientSecret');
    expect(err?.message).not.toContain('hunter2');
  });

  it('esm disagreeing with clientId', () => {
    expect(
      issuesOf({
        mailboxes: [mailbox({ esm: { 'mail.oauth.client.id': 'ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee' } })],
      }),
    ).toEqual([
      'mailboxes[0].esm["mail.oauth.client.id"]: disagrees with mailboxes[0].clientId (ESM uses another app registration)',
    ]);
  });

  it('esm tenant disagreeing with tenantId', () => {
    expect(
      issuesOf({
        mailboxes: [
          mailbox({
            esm: {
              'mail.oauth.authorize.endpoint':
                'https://login.microsoftonline.com/contoso.com/oauth2/v2.0/authorize',
            },
          }),
        ],
      }),
    ).toEqual([
      `mailboxes[0].esm["mail.oauth.authorize.endpoint"]: tenant "contoso.com" disagrees with mailboxes[0].tenantId "${TENANT}"`,
    ]);
  });

  it('missing clientId when no ESM block supplies it', () => {
    expect(issuesOf({ mailboxes: [mailbox({ clientId: undefined })] })).toEqual([
      'mailboxes[0].clientId: required (a GUID, or esm["mail.oauth.client.id"])',
    ]);
  });

  it('unknown auth mode', () => {
    expect(issuesOf({ mailboxes: [mailbox({ auth: { mode: 'basic' } })] })).toEqual([
      'mailboxes[0].auth.mode: expected mode "password", "clientSecret" or "certificate"',
    ]);
  });

  it('an alert sender that is not a configured mailbox', () => {
    expect(issuesOf({ mailboxes: [mailbox()], alerts: { email: { from: 'nobody', to: [] } } })).toEqual([
      'alerts.email.from: expected the id of a configured mailbox, got "nobody"',
    ]);
  });

  it('reports all errors at once', () => {
    const issues = issuesOf({
      mailboxes: [mailbox({ id: 'Bad Id', clientId: 'x', address: 'y' })],
      alerts: { webhooks: [{ kind: 'slack', url: { env: 'HOOK' } }] },
    });
    expect(issues.map((i) => i.split(':')[0])).toEqual(
      expect.arrayContaining([
        'mailboxes[0].id',
        'mailboxes[0].clientId',
        'mailboxes[0].address',
        'alerts.webhooks[0].kind',
      ]),
    );
    expect(issues.length).toBeGreaterThanOrEqual(4);
  });
});

describe('secret references', () => {
  it('resolves env and file references when used, naming the field when missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mh-secret-'));
    const file = join(dir, 'secret.txt');
    writeFileSync(file, 'from-file\n');
    const resolve = createSecretResolver({ PW: 'from-env' });
    expect(resolve({ env: 'PW' }, 'mailboxes[0].auth.password')).toBe('from-env');
    expect(resolve({ file }, 'mailboxes[0].auth.password')).toBe('from-file');
    expect(() => resolve({ env: 'MISSING' }, 'mailboxes[0].auth.password')).toThrow(
      'mailboxes[0].auth.password: environment variable MISSING is not set',
    );
    chmodSync(dir, 0o700);
    expect(() => resolve({ file: join(dir, 'nope') }, 'f')).toThrow(/f: cannot read file .*nope \(ENOENT\)/);
  });
});
