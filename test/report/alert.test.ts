import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/shared/contracts.js';
import {
  alertItems,
  renderAlert,
  renderJsonPayload,
  renderTeamsCard,
  type AlertInput,
} from '../../src/shared/report/alert.js';
import { tokenize } from '../review/html-check.js';

const hostile = '<script>alert(1)</script> \u202Efdp.exe [x](https://evil.example) | next\r\nBcc: a@b';

/** The inbox result the demo produces: mail waiting 3 h and a 30 MB mail, in one result. */
const inbox: CheckResult = {
  check: 'inbox',
  mailbox: 'servicedesk',
  status: 'CRIT',
  summary: '4 messages, 3 waiting, oldest 3 h 0 min (over 120 min); 1 oversized over 25 MB',
  details: {
    folder: 'INBOX',
    waiting: 'all',
    waitingStatus: 'CRIT',
    maxMessageBytes: 26_214_400,
    oldestWaiting: { uid: 1, internalDate: '2026-11-27T07:05:00.000Z' },
    oversized: [
      {
        uid: 2,
        size: 30_000_364,
        date: '2026-11-27T08:05:00.000Z',
        sender: 'Big <big@customer.example>',
        subject: hostile,
      },
    ],
  },
  metrics: {
    inboxMessages: 4,
    waitingMessages: 3,
    oldestWaitingSeconds: 10_805,
    oversizedMessages: 1,
    probeBytes: 322,
    probeMs: 2,
  },
  remediation: { cause: 'messages wait', fix: "check the service desk's mail fetching job" },
  durationMs: 40,
  at: '2026-11-27T10:05:00.000Z',
};
const imapLogin: CheckResult = {
  check: 'imap-login',
  mailbox: 'servicedesk',
  status: 'CRIT',
  summary: `NO AUTHENTICATE failed. ${hostile}`,
  metrics: { durationMs: 12 },
  remediation: {
    cause: 'the token was refused',
    fix: 'register the service principal with the Enterprise Application object id',
    setupStep: 'exchange-service-principal',
  },
  durationMs: 12,
  at: '2026-11-27T10:05:00.000Z',
};
const input: AlertInput = {
  mailboxId: 'servicedesk',
  address: 'servicedesk@contoso.com',
  at: new Date('2026-11-27T10:05:00Z'),
  changes: [
    {
      action: 'resolve',
      result: { ...inbox, check: 'junk', status: 'OK', summary: 'junk ok', details: {}, metrics: {} },
      since: '2026-11-27T10:05:00.000Z',
    },
    { action: 'trigger', result: inbox, since: '2026-11-27T09:30:00.000Z' },
    { action: 'remind', result: imapLogin, since: '2026-11-26T10:00:00.000Z' },
  ],
  actions: {
    'inbox:oversized': [
      { label: 'Move to Oversized', url: 'https://mh.example/api/action?t=1' },
      { label: 'Sneaky', url: 'javascript:alert(1)' },
    ],
  },
};

describe('alert items', () => {
  const items = alertItems(input);

  it('splits the inbox result into one item per problem, worst first, resolved last', () => {
    expect(items.map((i) => [i.key, i.status, i.change])).toEqual([
      ['inbox:waiting', 'CRIT', 'trigger'],
      ['imap-login', 'CRIT', 'remind'],
      ['inbox:oversized', 'WARN', 'trigger'],
      ['junk', 'OK', 'resolve'],
    ]);
  });

  it('dates each problem from when it began: the oldest waiting mail, the oversized mail, the first failing run', () => {
    const since = Object.fromEntries(items.map((i) => [i.key, i.since?.at]));
    expect(since['inbox:waiting']).toBe('2026-11-27T07:05:00.000Z');
    expect(since['inbox:oversized']).toBe('2026-11-27T08:05:00.000Z');
    expect(since['imap-login']).toBe('2026-11-26T10:00:00.000Z');
  });

  it('gives each item its own fix, a setup step only where one applies, and only https buttons', () => {
    const byKey = new Map(items.map((i) => [i.key, i]));
    expect(byKey.get('inbox:waiting')?.todo).toMatch(/ESM's mail fetching job/);
    expect(byKey.get('inbox:waiting')?.setupStep).toBeUndefined();
    expect(byKey.get('inbox:oversized')?.todo).toMatch(/^Move the mail out of INBOX/);
    expect(byKey.get('inbox:oversized')?.setupStep).toBeUndefined();
    expect(byKey.get('imap-login')?.setupStep).toBe('exchange-service-principal');
    expect(byKey.get('inbox:oversized')?.actions).toEqual([
      { label: 'Move to Oversized', url: 'https://mh.example/api/action?t=1' },
    ]);
  });
});

describe('renderAlert', () => {
  const r = renderAlert(input);

  it('names the mailbox and the problems in words in the subject', () => {
    expect(r.subject).toBe(
      'CRIT servicedesk@contoso.com: mail not fetched for 3 h · IMAP login fails · 1 mail too large for ESM',
    );
  });

  it('writes numbers with units: no raw byte or second counts, no metric keys', () => {
    for (const out of [r.text, tokenize(r.html.replace(/<style>[^<]*<\/style>/, '')).texts.join(' ')]) {
      expect(out).toContain('Mail not fetched for 3 h');
      expect(out).toContain('28.6 MB from Big <big@customer.example>');
      expect(out).toContain('the limit is 25 MB');
      expect(out).toContain('2026-11-27 07:05 UTC');
      expect(out).not.toMatch(/\b\d{5,}\b/);
      expect(out).not.toMatch(/oldestWaitingSeconds|waitingMessages|probeMs|\b[a-z]+[A-Z]\w*=\d/);
    }
  });

  it('summarises one sentence per problem at the top, in the same order as the items', () => {
    const summary = r.text.slice(r.text.indexOf('Summary:'), r.text.indexOf('\n1. '));
    expect(summary.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(4);
    expect(summary.indexOf('Critical: 3 mails are waiting')).toBeLessThan(summary.indexOf('Resolved:'));
    const headings = tokenize(r.html).tags.filter((t) => t.name === 'table' && t.attrs.has('data-item'));
    expect(headings.map((t) => t.attrs.get('data-item'))).toEqual(items().map((i) => i.key));
  });

  it('names the setup step and its section of docs/deploy.md, as a link when a docs URL is configured', () => {
    expect(r.text).toContain(
      'Setup step: Exchange Online: New-ServicePrincipal for the app — docs/deploy.md, section “App-only (client credentials)”',
    );
    const linked = renderAlert({ ...input, docsUrl: 'https://docs.example/mailbox-health/deploy' });
    const hrefs = tokenize(linked.html)
      .tags.filter((t) => t.attrs.has('href'))
      .map((t) => t.attrs.get('href'));
    expect(hrefs).toContain('https://docs.example/mailbox-health/deploy#app-only-client-credentials');
  });

  it('makes hostile mailbox text inert in HTML, text and subject; links are only our own', () => {
    expect(r.html).not.toContain('<script>');
    expect(r.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const hrefs = tokenize(r.html)
      .tags.filter((t) => t.attrs.has('href'))
      .map((t) => t.attrs.get('href'));
    expect(hrefs).toEqual(['https://mh.example/api/action?t=1']);
    expect(r.html).not.toContain('https://evil');
    for (const out of [r.text, r.html, r.subject]) expect(out).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    expect(r.text).not.toContain('\r');
    expect(r.text).toContain('| next Bcc: a@b'); // the injected line break is gone: no fake header line
  });

  it('has a charset, a 600 px column and no status colour under 4.5:1 on white', () => {
    expect(r.html).toContain('<meta charset="utf-8">');
    expect(r.html).toMatch(/width="600"[^>]*max-width:600px/);
    expect(r.html).not.toContain('#c19c00');
  });

  it('sends a resolved mail when everything cleared', () => {
    const resolved = renderAlert({ ...input, changes: [{ ...input.changes[1]!, action: 'resolve' }] });
    expect(resolved.subject).toBe('RESOLVED servicedesk@contoso.com: mail is fetched again');
    expect(resolved.text).toContain('All clear for servicedesk@contoso.com');
  });

  it('carries the same summary and items in the Teams card and the JSON payload, escaped for each', () => {
    const card = renderTeamsCard(input);
    const cardText = JSON.stringify(card);
    expect(card.version).toBe('1.4');
    expect(cardText).toContain('\\\\[x\\\\]\\\\(https\\\\[:\\\\]//evil\\\\.example\\\\)');
    expect(cardText).toContain(
      '"type":"Action.OpenUrl","title":"Move to Oversized","url":"https://mh.example/api/action?t=1"',
    );
    expect(cardText).not.toContain('javascript:alert(1)');
    const containers = (card.body as Array<{ type: string }>).filter((b) => b.type === 'Container');
    expect(containers).toHaveLength(4);
    const json = renderJsonPayload(input);
    expect(json.text).toContain('&lt;script&gt;');
    expect(json.status).toBe('CRIT');
    expect((json.items as Array<{ key: string }>).map((i) => i.key)).toEqual(items().map((i) => i.key));
    expect(json.summary).toHaveLength(4);
  });
});

function items() {
  return alertItems(input);
}
