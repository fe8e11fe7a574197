/**
 * A seeded mailbox for the review tests, served by the demo's memory IMAP server over TLS with XOAUTH2: Inbox and
 * Sent Items give the "known correspondents", Junk holds hostile and likely-legitimate messages over 8 weeks.
 * `NOW` is Monday 2026-11-23 07:00 UTC, when the spamReview timer fires.
 */
import { ImapFlow } from 'imapflow';
import { parseConfig, type MailboxConfig } from '../../src/shared/config/index.js';
import { startMemoryImap, type MemoryImapMessage, type MemoryImapServer } from '../../lab/memory-imap.js';
import { encodedWord, rawMessage } from './fixtures.js';
import { makeTestCa, type TestCa } from './test-ca.js';

export const NOW = new Date('2026-11-23T07:00:00Z');
export const ADDRESS = 'servicedesk@contoso.com';
export const TOKEN = 'review-test-token';
const DAY = 86_400_000;
export const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY);

export function mailboxConfig(over: Record<string, unknown> = {}): MailboxConfig {
  const { config } = parseConfig(
    {
      mailboxes: [
        {
          id: 'servicedesk',
          address: ADDRESS,
          tenantId: 'contoso.onmicrosoft.com',
          clientId: '11111111-2222-3333-4444-555555555555',
          auth: { mode: 'password', password: { env: 'UNUSED' } },
          reviewers: ['admin@contoso.com'],
          ...over,
        },
      ],
    },
    'review test',
  );
  return config.mailboxes[0]!;
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
  junk.push(msg('Old <old@spam.example>', 'ancient offer', daysAgo(70)));
  for (const [week, n] of FILLER_PER_WEEK) {
    for (let i = 0; i < n; i++) {
      junk.push(
        msg(`Spam <s${i}@spam.example>`, `Cheap pills ${week} #${i}`, new Date(`${week}T1${i}:00:00Z`)),
      );
    }
  }
  // Week of 2026-11-16 (after the last review on 2026-11-16 07:00): the interesting ones.
  junk.push(msg('Customer <anna@customer.example>', 'Printer still broken', daysAgo(3)));
  junk.push(msg('Kunde <kai@kunde.example>', 'AW: Ihre Anfrage', daysAgo(2.9)));
  junk.push(msg('Someone <x@random.example>', 'Question about [ESM-4711] status', daysAgo(2.8)));
  junk.push(msg('Partner <bob@partner.example>', 'Invoice', daysAgo(2.7)));
  junk.push(msg('Other <carl@customer.example>', 'New request', daysAgo(2.65)));
  junk.push(msg('CEO <ceo@contoso.com>', 'Urgent wire transfer', daysAgo(2.6)));
  junk.push(msg('Old friend <z@olddomain.example>', 'hello again', daysAgo(2.5)));
  junk.push(msg('Edge <e@edge.example>', 'hello from the edge', daysAgo(2.4)));
  junk.push(msg('Eve <eve@evil.example>', encodedWord('<img src=x onerror=alert(1)>'), daysAgo(1)));
  junk.push(msg('Eve <eve@evil.example>', encodedWord('<script>alert(1)</script>'), daysAgo(0.9)));
  junk.push(msg('Eve <eve@evil.example>', `Pay \u202Egnp.exe`, daysAgo(0.8)));
  junk.push(msg('Eve <eve@evil.example>', 'y'.repeat(10_000), daysAgo(0.7), { flags: ['\\Seen'] }));
  // This (partial) week: one arrival after the timer's Monday midnight.
  junk.push(msg('Eve <eve@evil.example>', 'Visit http://evil.example now', new Date('2026-11-23T03:00:00Z')));
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
