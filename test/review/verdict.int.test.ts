/**
 * Microsoft's verdict decides the hints, against Dovecot: Junk mails with Exchange's anti-spam headers on top and
 * forged copies lower down, collected through the real ImapSession (BODY.PEEK[HEADER.FIELDS …]) by runSpamReview,
 * and judged by what the digest shows an admin.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { TokenSource } from '../../src/shared/auth/ports.js';
import { ManualClock, systemClock } from '../../src/shared/clock.js';
import { createDeadline } from '../../src/shared/deadline.js';
import { silentLogger } from '../../src/shared/logger.js';
import { ImapSession } from '../../src/shared/mail/imap-session.js';
import { runSpamReview } from '../../src/shared/review/run.js';
import { lab, labEndpoints, requireDovecot } from '../helpers/lab.js';
import { exchangeStamp, rawMessage, type StampSpec } from './fixtures.js';
import { daysAgo, mailboxConfig, NOW } from './review-lab.js';

/** Junk mails, each with a unique subject the digest is searched by. */
const JUNK: Array<{ subject: string; from: string; headers: string[] }> = [
  {
    // Microsoft says phishing; the sender is known and the subject a reply: still never likely legitimate.
    subject: 'Re: your invoice (phishing verdict)',
    from: 'Known <known@customer.example>',
    headers: exchangeStamp({ cat: 'PHSH', sfv: 'SPM', scl: 9, dmarc: 'pass', domain: 'customer.example' }),
  },
  {
    // Exchange's topmost Authentication-Results says dmarc=fail; the sender wrote a passing copy lower down.
    subject: 'Forged pass below the real fail',
    from: 'Known <known@customer.example>',
    headers: [
      ...exchangeStamp({ cat: 'SPM', sfv: 'SPM', scl: 5, dmarc: 'fail', domain: 'customer.example' }),
      'Received: from mail.customer.example (192.0.2.7) by forged.example',
      'Authentication-Results: spf=pass smtp.mailfrom=customer.example; dkim=pass header.d=customer.example;' +
        'dmarc=pass action=none header.from=customer.example;compauth=pass reason=100',
      'X-Forefront-Antispam-Report: CAT:NONE;SFV:NSPM;SCL:1;',
    ],
  },
  {
    // A known sender whose mail passed DMARC but was filed as spam: the real customer the digest exists for.
    subject: 'Printer broken again',
    from: 'Known <known@customer.example>',
    headers: exchangeStamp({ cat: 'SPM', sfv: 'SPM', scl: 5, dmarc: 'pass', domain: 'customer.example' }),
  },
  {
    // One mail from attacker@phish.test sits in the Inbox; this other phish.test sender fails DMARC.
    subject: 'Shared document for you',
    from: 'Docs <docs@phish.test>',
    headers: exchangeStamp({ cat: 'SPM', sfv: 'SPM', scl: 6, dmarc: 'fail', domain: 'phish.test' }),
  },
  {
    // Topmost X-Forefront-Antispam-Report says phishing; a forged "not spam" copy below it counts for nothing.
    subject: 'Duplicated report header',
    from: 'Known <known@customer.example>',
    headers: [
      ...exchangeStamp({ cat: 'HPHSH', sfv: 'SPM', scl: 9, dmarc: 'pass', domain: 'customer.example' }),
      'X-Forefront-Antispam-Report: CAT:NONE;SFV:SKN;SCL:-1;',
      'X-Microsoft-Antispam: BCL:0;',
    ],
  },
  {
    // No anti-spam headers at all (not delivered by Exchange): a known From address alone proves nothing.
    subject: 'No headers at all',
    from: 'Known <known@customer.example>',
    headers: [],
  },
  {
    // A subject built to make a backtracking ticket pattern like (a+)+$ run for minutes, then 10 kB more.
    subject: `${'a'.repeat(48)}!${'b'.repeat(10_000)}`,
    from: 'Slow <slow@spam.example>',
    headers: exchangeStamp({ cat: 'SPM', sfv: 'SPM', scl: 5 }),
  },
  {
    // Hostile header values: huge, garbled, out of range, control characters. Parsed without a throw.
    subject: 'Hostile header values',
    from: 'Bulk <news@bulk.example>',
    headers: [
      `Authentication-Results: ${'('.repeat(5000)}dmarc=pass${')'.repeat(10)}; spf=${'x'.repeat(20_000)}`,
      'X-Forefront-Antispam-Report: CAT:<script>;SFV:\u0007;SCL:99;SRV:BULK;',
      `X-Microsoft-Antispam: BCL:7;${'ARA:1|'.repeat(3000)}`,
    ],
  },
];

const stamp = (s: StampSpec) => exchangeStamp(s);

describe.runIf(requireDovecot())('Microsoft verdict decides the hints (Dovecot)', () => {
  const l = lab();
  const tenantId = `${l.unique('vrd')}.example`;
  const clientId = '6d1c2a6e-5a3b-4f1e-9a57-0c3f2b1d4e88';
  const upn = `desk@${tenantId}`;

  beforeAll(async () => {
    await l.addTenant(tenantId, [tenantId]);
    await l.addUser(tenantId, { upn, password: 'unused-1!' });
    await l.addApp(tenantId, { clientId, publicClient: true, delegatedScopes: ['IMAP.AccessAsUser.All'] });
    const seed = (folder: string, mails: Array<{ raw: string; at: Date }>) =>
      l.seedMessages(
        upn,
        folder,
        mails.map((m) => ({ raw: m.raw, flags: [], internalDate: m.at.toISOString() })),
      );
    await seed('INBOX', [
      {
        raw: rawMessage({ from: 'Known <known@customer.example>', subject: 'Ticket please' }),
        at: daysAgo(5),
      },
      { raw: rawMessage({ from: 'Attacker <attacker@phish.test>', subject: 'hello' }), at: daysAgo(4) },
    ]);
    await seed(
      'Junk Email',
      JUNK.map((m, i) => ({
        raw: rawMessage({ from: m.from, subject: m.subject, headers: m.headers, date: daysAgo(1 + i / 10) }),
        at: daysAgo(1 + i / 10),
      })),
    );
    // A few plain spam mails so "other messages" is not just the cases above.
    await seed('Junk Email', [
      { raw: rawMessage({ from: 's@spam.example', subject: 'Cheap', headers: stamp({}) }), at: daysAgo(2) },
    ]);
  });

  let once: ReturnType<typeof runReview> | undefined;
  /** One review run serves every assertion below (the digest is the observable outcome). */
  const review = () => (once ??= runReview());

  async function runReview(over: Record<string, unknown> = {}, deadlineMs = 30_000) {
    const imap = labEndpoints().imap!;
    const mailbox = {
      ...mailboxConfig(over),
      address: upn,
      cloud: { ...mailboxConfig().cloud, imapHost: `localhost:${imap.port}` },
    };
    const tokens: TokenSource = {
      acquire: async () => {
        const t = await l.mintToken({ tenantId, clientId, upn, scopes: ['IMAP.AccessAsUser.All'] });
        return {
          ok: true,
          grant: {
            accessToken: t.access_token,
            expiresOn: new Date(Date.now() + t.expires_in * 1000),
            fromCache: false,
            claims: {},
            retries: 0,
            kind: 'delegated',
          },
        };
      },
    };
    const deadline = createDeadline(systemClock, deadlineMs);
    try {
      const out = await runSpamReview({
        mailbox,
        tokens,
        imap: new ImapSession(mailbox, deadline, silentLogger),
        store: { get: async () => undefined, put: async () => undefined },
        send: async () => undefined,
        clock: new ManualClock(NOW),
      });
      if (out.status !== 'sent') throw new Error(`review ${out.status}: ${JSON.stringify(out)}`);
      return out.digest;
    } finally {
      deadline.dispose();
    }
  }

  /**
   * The plain-text digest's "LIKELY LEGITIMATE" section, and the one-line entry of a subject among the other
   * messages ('' when it is not listed there).
   */
  function sections(text: string) {
    const lines = text.split('\n');
    const part = (prefix: string) => {
      const start = lines.findIndex((x) => x.startsWith(prefix));
      return start < 0 ? [] : lines.slice(start, lines.indexOf('', start));
    };
    const legit = part('LIKELY LEGITIMATE').join('\n');
    const others = part('Other messages');
    const lineOf = (subject: string) => others.find((x) => x.startsWith(`- ${subject} |`)) ?? '';
    return { legit, lineOf };
  }

  it('lists only the known sender whose own mail passed DMARC as likely legitimate', async () => {
    const d = await review();
    const { legit } = sections(d.text);
    expect(legit).toContain('Printer broken again');
    expect(legit).toContain('Microsoft: spam (SCL 5) · passed DMARC');
    expect(legit).toContain('Why: the sender corresponded with this mailbox in the last 30 days');
    for (const s of JUNK.map((m) => m.subject).filter((s) => s !== 'Printer broken again'))
      expect(legit, s).not.toContain(s);
    expect(d.subject).toContain('1 likely legitimate mail');
  });

  it('a phishing verdict is never likely legitimate, even for a known sender with a reply subject', async () => {
    const { text, html } = await review();
    expect(sections(text).lineOf('Re: your invoice (phishing verdict)')).toContain(
      'Microsoft: phishing · passed DMARC',
    );
    expect(html).toContain('<span class="mh-verdict"><b>Microsoft: phishing · passed DMARC</b></span>');
  });

  it('trusts only the topmost headers: a forged pass or "not spam" lower down counts for nothing', async () => {
    const { text } = await review();
    const { lineOf } = sections(text);
    expect(lineOf('Forged pass below the real fail')).toContain('Microsoft: spam (SCL 5) · failed DMARC');
    expect(lineOf('Duplicated report header')).toContain(
      'Microsoft: high-confidence phishing · passed DMARC',
    );
  });

  it('a domain seen in the Inbox vouches for no sender that fails DMARC; no headers, no trust', async () => {
    const { text } = await review();
    const { lineOf } = sections(text);
    expect(lineOf('Shared document for you')).toContain('Microsoft: spam (SCL 6) · failed DMARC');
    expect(lineOf('No headers at all')).toContain('no Microsoft verdict');
  });

  it('hostile header values are read without a throw and shown only as our own words', async () => {
    const { text, html } = await review();
    const line = sections(text).lineOf('Hostile header values');
    expect(line).toContain('Microsoft: bulk (BCL 7)');
    expect(line).not.toContain('DMARC');
    expect(html).not.toContain('<script>');
    expect(text).not.toContain('\u0007');
  });

  it('a hostile ticket pattern over a 10 kB subject: the whole review finishes within its deadline', async () => {
    // On a backtracking engine this blocks the event loop, so the 10 s deadline could never fire.
    const d = await runReview({ spamReview: { ticketPattern: '(a+)+$' } }, 10_000);
    expect(d.text).toContain(`- ${'a'.repeat(48)}!b`);
    expect(sections(d.text).legit).toContain('Printer broken again');
  });
});
