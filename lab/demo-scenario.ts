/**
 * The demo's mailbox, also used by the Function App's handler tests: a service desk whose Inbox has a mail waiting
 * for 3 hours and a 30 MB mail it cannot fetch, whose Junk folder holds 40 messages (hostile subjects among them)
 * spread over 8 weeks, and whose Sent Items carry 85 % of the 10,000 daily recipients. Built with the lab's control
 * API (tenant, user, public-client app registration) and a seeding function (Dovecot or the in-memory server).
 */
import { randomUUID } from 'node:crypto';
import type { LabClient, SeedMessage } from './client.js';
import { exchangeStamp, type StampSpec } from './exchange-stamp.js';

export interface DeskIdentity {
  tenantId: string;
  clientId: string;
  address: string;
  password: string;
  admin: string;
  reviewer: string;
}

/** Registers the desk's tenant, mailbox account and app as the vendor guide sets them up (ROPC, public client). */
export async function registerDesk(l: LabClient, name = 'servicedesk'): Promise<DeskIdentity> {
  const tenantId = randomUUID();
  const clientId = randomUUID();
  const domain = `${l.unique('contoso')}.example`;
  const address = `${name}@${domain}`;
  const password = `pw-${randomUUID()}`;
  await l.addTenant(tenantId, [domain]);
  await l.addUser(tenantId, { upn: address, password });
  await l.addApp(tenantId, {
    clientId,
    publicClient: true,
    delegatedScopes: ['IMAP.AccessAsUser.All', 'SMTP.Send', 'offline_access', 'openid', 'User.Read'],
  });
  return { tenantId, clientId, address, password, admin: `admin@${domain}`, reviewer: `reviewer@${domain}` };
}

export interface DeskEndpoints {
  authorityHost: string;
  imap: { host: string; port: number };
  smtp: { host: string; port: number };
}

/** The configuration document for the desk (before validation), with the password in an env reference. */
export function deskConfig(
  desk: DeskIdentity,
  at: DeskEndpoints,
  state: unknown,
  passwordEnv = 'SERVICEDESK_PASSWORD',
): Record<string, unknown> {
  return {
    mailboxes: [
      {
        id: 'servicedesk',
        address: desk.address,
        esm: {
          'mail.store.oauth.enabled': 'true',
          'mail.transport.oauth.enabled': 'true',
          'mail.oauth.authorize.endpoint': `https://${at.authorityHost}/${desk.tenantId}/oauth2/v2.0/authorize`,
          'mail.oauth.client.id': desk.clientId,
          'mail.oauth.scopes':
            'https://outlook.office365.com/IMAP.AccessAsUser.All,https://outlook.office365.com/SMTP.Send',
        },
        auth: { mode: 'password', password: { env: passwordEnv } },
        cloud: {
          authorityHost: at.authorityHost,
          imapHost: `${at.imap.host}`,
          imapPort: at.imap.port,
          smtpHost: at.smtp.host,
          smtpPort: at.smtp.port,
        },
        reviewers: [desk.reviewer],
      },
    ],
    alerts: { email: { from: 'servicedesk', to: [desk.admin] } },
    state: { tables: state },
  };
}

const HOUR = 3_600_000;

function mail(o: {
  from: string;
  to: string[];
  cc?: string[];
  subject: string;
  date: Date;
  body?: string;
  headers?: string[];
  /** Lines above From: what Exchange stamps on delivery (exchange-stamp.ts). */
  stamp?: string[];
}): string {
  const lines = [
    ...(o.stamp ?? []),
    `From: ${o.from}`,
    `To: ${o.to.join(', ')}`,
    ...(o.cc?.length ? [`Cc: ${o.cc.join(', ')}`] : []),
    `Subject: ${o.subject}`,
    `Date: ${o.date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomUUID()}@demo.example>`,
    'MIME-Version: 1.0',
    ...(o.headers ?? ['Content-Type: text/plain; charset=utf-8']),
    '',
    o.body ?? 'Hello,\r\n\r\nplease help.\r\n',
  ];
  return lines.join('\r\n');
}

/** A 30 MB message: more than the 25 MiB the desk can fetch. */
export function oversizedMail(desk: DeskIdentity, date: Date, bytes = 30_000_000): string {
  const line = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3\r\n';
  const body = line.repeat(Math.ceil(bytes / line.length));
  return mail({
    from: 'Big Customer <big@customer.example>',
    to: [desk.address],
    subject: 'Scanned contract (all pages)',
    date,
    headers: ['Content-Type: application/pdf; name="contract.pdf"', 'Content-Transfer-Encoding: base64'],
    body,
  });
}

/** Subjects an attacker chooses: markup, encoded-word markup, bidi tricks, a 10 kB line, URLs. */
export const HOSTILE_SUBJECTS = [
  '<script>alert("junk")</script>Invoice overdue',
  '=?UTF-8?B?PGltZyBzcmM9eCBvbmVycm9yPWFsZXJ0KDEpPg==?=',
  'Your parcel \u202Efdp.exe',
  `Win big ${'A'.repeat(10_000)}`,
  'Reset your password at http://evil.example/login',
  'javascript:alert(document.cookie)',
];

export interface DeskMail {
  inbox: SeedMessage[];
  junk: SeedMessage[];
  sent: SeedMessage[];
}

/**
 * The demo's mail, relative to `now`: Inbox — one mail waiting 3 h, one 30 MB mail, two fresh ones; Junk — 40
 * messages over 8 weeks (6 hostile subjects, 2 that look legitimate); Sent Items — 170 replies of 50 recipients in
 * the last 20 h = 8,500 recipients, 85 % of 10,000.
 */
export function deskMail(desk: DeskIdentity, now: Date, opts: { oversizedBytes?: number } = {}): DeskMail {
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const inbox: SeedMessage[] = [
    {
      raw: mail({
        from: 'Anna Customer <anna@customer.example>',
        to: [desk.address],
        subject: 'Printer on the 3rd floor is broken',
        date: ago(3 * HOUR),
      }),
      internalDate: ago(3 * HOUR).toISOString(),
    },
    {
      raw: oversizedMail(desk, ago(2 * HOUR), opts.oversizedBytes),
      internalDate: ago(2 * HOUR).toISOString(),
    },
    {
      raw: mail({
        from: 'Ben <ben@customer.example>',
        to: [desk.address],
        subject: 'VPN drops every hour',
        date: ago(10 * 60_000),
      }),
      internalDate: ago(10 * 60_000).toISOString(),
    },
    {
      raw: mail({
        from: 'Cleo <cleo@customer.example>',
        to: [desk.address],
        subject: 'New laptop request',
        date: ago(5 * 60_000),
      }),
      internalDate: ago(5 * 60_000).toISOString(),
      flags: ['\\Seen'],
    },
  ];
  const junk: SeedMessage[] = [];
  for (let i = 0; i < 40; i++) {
    // Most arrive this week; the rest spread over the 7 weeks before, for the digest's chart.
    const age = i < 16 ? (i + 1) * 6 * HOUR : (7 + ((i - 16) % 7) * 7 + (i % 5)) * 24 * HOUR;
    let subject = `Cheap watches, offer ${i + 1}`;
    let from = `Spammer ${i} <offers${i}@spam.example>`;
    // What Exchange Online said about each (its anti-spam headers): spam, some bulk, the hostile ones phishing.
    let stamp: StampSpec = i % 4 === 3 ? { cat: 'BULK', scl: 6, bcl: 7 } : { cat: 'SPM', scl: 5 };
    if (i < HOSTILE_SUBJECTS.length) {
      subject = HOSTILE_SUBJECTS[i]!;
      stamp = { cat: i === 4 ? 'HPHSH' : 'PHSH', scl: 9, dmarc: 'fail' };
    }
    if (i === 6) {
      // A real customer's reply that Microsoft filed as spam: its own mail passed DMARC.
      subject = 'Re: [ESM-12345] Printer still broken';
      from = 'Anna Customer <anna@customer.example>';
      stamp = { cat: 'SPM', scl: 5, dmarc: 'pass', domain: 'customer.example' };
    }
    if (i === 7) subject = 'RE: quote for 20 licences';
    junk.push({
      raw: mail({ from, to: [desk.address], subject, date: ago(age), stamp: exchangeStamp(stamp) }),
      internalDate: ago(age).toISOString(),
    });
  }
  const sent: SeedMessage[] = [];
  for (let i = 0; i < 170; i++) {
    const at = ago(Math.round(((i + 0.5) / 170) * 20 * HOUR));
    const to = Array.from({ length: 30 }, (_, k) => `user${(i * 50 + k) % 900}@customer.example`);
    const cc = Array.from({ length: 20 }, (_, k) => `cc${(i * 50 + k) % 400}@customer.example`);
    sent.push({
      raw: mail({ from: desk.address, to, cc, subject: `Re: [ESM-${20_000 + i}] Your request`, date: at }),
      internalDate: at.toISOString(),
      flags: ['\\Seen'],
    });
  }
  return { inbox, junk, sent };
}
