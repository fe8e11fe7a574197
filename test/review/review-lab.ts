/**
 * A seeded mailbox for the review tests, served by the demo's memory IMAP server over TLS with XOAUTH2: Inbox and
 * Sent Items give the "known correspondents", Junk holds hostile and likely-legitimate messages over 8 weeks.
 * `NOW` is Monday 2026-11-23 07:00 UTC, when the spamReview timer fires.
 */
import { ImapFlow } from 'imapflow';
import type { MailboxConfig } from '../../src/shared/config/index.js';
import { startMemoryImap, type MemoryImapMessage, type MemoryImapServer } from '../../lab/memory-imap.js';
import { encodedWord, exchangeStamp, rawMessage, type StampSpec } from './fixtures.js';
import { mailboxConfig as checksMailboxConfig } from '../checks/helpers.js';
import { makeTestCa, type TestCa } from '../helpers/test-ca.js';

export const NOW = new Date('2026-11-23T07:00:00Z');
export const ADDRESS = 'servicedesk@contoso.com';
export const TOKEN = 'review-test-token';
const DAY = 86_400_000;
export const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY);

/** The review tests' mailbox: the checks' builder (test/checks/helpers.ts) with a reviewer. */
export function mailboxConfig(over: Record<string, unknown> = {}): MailboxConfig {
  return checksMailboxConfig({ address: ADDRESS, reviewers: ['admin@contoso.com'], ...over });
}

const msg = (
  from: string,
  subject: string,
  at: Date,
  extra: Partial<MemoryImapMessage> = {},
  to?: string,
) => ({
  raw: rawMessage({ from, subject, date: at, ...(to ? { to } : {}) }),
  internalDate: at,
  ...extra,
});

/** A Junk message as Exchange Online delivers it: its anti-spam headers stamped on top. */
const junkMsg = (
  stamp: StampSpec,
  from: string,
  subject: string,
  at: Date,
  extra: Partial<MemoryImapMessage> = {},
) => ({
  raw: rawMessage({ from, subject, date: at, headers: exchangeStamp(stamp) }),
  internalDate: at,
  ...extra,
});
const SPAM: StampSpec = { cat: 'SPM', sfv: 'SPM', scl: 5 };
const PHISH: StampSpec = { cat: 'PHSH', sfv: 'SPM', scl: 9, dmarc: 'fail' };
/** A real customer's mail that Microsoft filed as spam: DMARC passed for its own domain. */
const passing = (domain: string): StampSpec => ({ ...SPAM, dmarc: 'pass', domain });

/** Junk arrivals per week (Mondays), oldest first, for the chart; the hostile/hinted messages come on top. */
export const FILLER_PER_WEEK: Array<[string, number]> = [
  ['2026-10-05', 2],
  ['2026-10-12', 0],
  ['2026-10-19', 4],
  ['2026-10-26', 1],
  ['2026-11-02', 3],
  ['2026-11-09', 6],
  ['2026-11-16', 2],
];

export function seed(): Record<string, MemoryImapMessage[]> {
  const junk: MemoryImapMessage[] = [];
  // Older than 8 weeks: counted in the folder, not in the chart.
  junk.push(junkMsg(SPAM, 'Old <old@spam.example>', 'ancient offer', daysAgo(70)));
  for (const [week, n] of FILLER_PER_WEEK) {
    for (let i = 0; i < n; i++) {
      junk.push(
        junkMsg(
          SPAM,
          `Spam <s${i}@spam.example>`,
          `Cheap pills ${week} #${i}`,
          new Date(`${week}T1${i}:00:00Z`),
        ),
      );
    }
  }
  // Week of 2026-11-16 (after the last review on 2026-11-16 07:00): the interesting ones.
  const j = (stamp: StampSpec, from: string, subject: string, days: number, extra = {}) =>
    junk.push(junkMsg(stamp, from, subject, daysAgo(days), extra));
  j(passing('customer.example'), 'Customer <anna@customer.example>', 'Printer still broken', 3);
  j(passing('kunde.example'), 'Kunde <kai@kunde.example>', 'AW: Ihre Anfrage', 2.9);
  j(
    { cat: 'BULK', sfv: 'SPM', scl: 6, bcl: 7 },
    'Someone <x@random.example>',
    'Question about [ESM-4711] status',
    2.8,
  );
  j(passing('partner.example'), 'Partner <bob@partner.example>', 'Invoice', 2.7);
  j(passing('customer.example'), 'Other <carl@customer.example>', 'New request', 2.65);
  j(
    { cat: 'SPOOF', sfv: 'SPM', scl: 5, dmarc: 'fail', domain: 'contoso.com' },
    'CEO <ceo@contoso.com>',
    'Urgent wire transfer',
    2.6,
  );
  j(passing('olddomain.example'), 'Old friend <z@olddomain.example>', 'hello again', 2.5);
  j(passing('edge.example'), 'Edge <e@edge.example>', 'hello from the edge', 2.4);
  j(PHISH, 'Eve <eve@evil.example>', encodedWord('<img src=x onerror=alert(1)>'), 1);
  j(PHISH, 'Eve <eve@evil.example>', encodedWord('<script>alert(1)</script>'), 0.9);
  j(PHISH, 'Eve <eve@evil.example>', `Pay \u202Egnp.exe`, 0.8);
  j(SPAM, 'Eve <eve@evil.example>', 'y'.repeat(10_000), 0.7, { flags: ['\\Seen'] });
  // This (partial) week: one arrival after the timer's Monday midnight.
  junk.push(
    junkMsg(
      { ...PHISH, cat: 'HPHSH' },
      'Eve <eve@evil.example>',
      'Visit http://evil.example now',
      new Date('2026-11-23T03:00:00Z'),
    ),
  );
  return {
    INBOX: [
      msg('Anna <anna@customer.example>', 'Ticket please', daysAgo(10)),
      msg('Olaf <olaf@olddomain.example>', 'Long ago', daysAgo(45)),
      // 30.5 days: inside SEARCH SINCE's day-early window, outside the exact 30-day comparison.
      msg('Edna <edna@edge.example>', 'Just too long ago', daysAgo(30.5)),
      msg('Colleague <it@contoso.com>', 'internal', daysAgo(5)),
    ],
    'Sent Items': [
      msg(`Desk <${ADDRESS}>`, 'Re: your request', daysAgo(4), {}, 'Bob <bob@partner.example>'),
      msg(`Desk <${ADDRESS}>`, '[ESM-1] answer', daysAgo(6), {}, 'Kai <kai@kunde.example>'),
    ],
    'Junk Email': junk,
  };
}

export interface ReviewLab {
  ca: TestCa;
  server: MemoryImapServer;
  client(): ImapFlow;
  stop(): Promise<void>;
}

export async function startReviewLab(opts: { specialUse?: boolean } = {}): Promise<ReviewLab> {
  const ca = makeTestCa();
  const server = await startMemoryImap({
    mailbox: ADDRESS,
    tls: { key: ca.keyPem, cert: ca.certPem },
    validateToken: (user, token) => user === ADDRESS && token === TOKEN,
    seed: seed(),
    ...(opts.specialUse ? { specialUse: true } : {}),
  });
  return {
    ca,
    server,
    client: () =>
      new ImapFlow({
        host: 'localhost',
        port: server.port,
        secure: true,
        auth: { user: ADDRESS, accessToken: TOKEN },
        logger: false,
        tls: { ca: ca.caPem },
      }),
    stop: async () => {
      await server.close();
      ca.cleanup();
    },
  };
}
