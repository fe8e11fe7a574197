/**
 * runSpamReview end to end against the memory IMAP server: token → one TLS/XOAUTH2 session (closed afterwards) →
 * collect → digest to the reviewers → review record. Failures are values, and the review time only advances when
 * the digest went out.
 */
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImapSessionPort } from '../../src/shared/mail/ports.js';
import type { TokenOutcome, TokenSource } from '../../src/shared/auth/ports.js';
import { ManualClock } from '../../src/shared/clock.js';
import { runSpamReview, type DigestMail } from '../../src/shared/review/run.js';
import type { ReviewRecord, ReviewStore } from '../../src/shared/review/types.js';
import { ADDRESS, mailboxConfig, NOW, startReviewLab, TOKEN, type ReviewLab } from './review-lab.js';

let lab: ReviewLab;
beforeAll(async () => {
  lab = await startReviewLab();
});
afterAll(async () => {
  await lab?.stop();
});

class Session implements ImapSessionPort {
  #client: ImapFlow | undefined;
  closed = 0;
  client() {
    return this.#client;
  }
  async open(accessToken: string) {
    const c = new ImapFlow({
      host: 'localhost',
      port: lab.server.port,
      secure: true,
      auth: { user: ADDRESS, accessToken },
      logger: false,
      tls: { ca: lab.ca.caPem },
    });
    await c.connect();
    this.#client = c;
    return c;
  }
  async close() {
    this.closed++;
    await this.#client?.logout().catch(() => undefined);
    this.#client = undefined;
  }
}

const tokens = (token = TOKEN): TokenSource & { calls: number } => {
  const t = {
    calls: 0,
    async acquire(): Promise<TokenOutcome> {
      t.calls++;
      return {
        ok: true,
        grant: {
          accessToken: token,
          expiresOn: new Date(NOW.getTime() + 3600_000),
          fromCache: false,
          claims: {},
          retries: 0,
          kind: 'delegated',
        },
      };
    },
  };
  return t;
};

function memoryStore(initial?: ReviewRecord): ReviewStore & { records: Map<string, ReviewRecord> } {
  const records = new Map<string, ReviewRecord>(initial ? [['servicedesk', initial]] : []);
  return {
    records,
    get: async (m) => records.get(m),
    put: async (m, r) => void records.set(m, structuredClone(r)),
  };
}

describe('runSpamReview', () => {
  it('sends one digest to the reviewers over one IMAP connection and records the review', async () => {
    const sent: DigestMail[] = [];
    const store = memoryStore({ lastReviewAt: '2026-11-16T07:00:00.000Z', weeklyJunk: [] });
    const session = new Session();
    const before = lab.server.stats();
    const out = await runSpamReview({
      mailbox: mailboxConfig({ reviewers: ['admin@contoso.com', 'admin@contoso.com', 'second@contoso.com'] }),
      tokens: tokens(),
      imap: session,
      store,
      send: async (m) => void sent.push(m),
      clock: new ManualClock(NOW),
    });
    expect(out).toMatchObject({
      status: 'sent',
      recipients: ['admin@contoso.com', 'second@contoso.com'],
      recorded: true,
      newSinceReview: 15,
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.subject).toMatch(
      /^Weekly Junk review: servicedesk@contoso.com - 15 new, \d+ in Junk Email$/,
    );
    expect(sent[0]?.html).toContain('<table');
    // Exactly one connection for the whole review, closed in finally.
    const after = lab.server.stats();
    expect(after.connections - before.connections).toBe(1);
    expect(session.closed).toBe(1);
    expect(session.client()).toBeUndefined();
    const rec = store.records.get('servicedesk');
    expect(rec?.lastReviewAt).toBe(NOW.toISOString());
    expect(rec?.weeklyJunk).toHaveLength(8);

    // A week later nothing new arrived: the record's review time is the new baseline.
    const next = await runSpamReview({
      mailbox: mailboxConfig(),
      tokens: tokens(),
      imap: new Session(),
      store,
      send: async (m) => void sent.push(m),
      clock: new ManualClock(NOW.getTime() + 7 * 86_400_000),
    });
    expect(next).toMatchObject({ status: 'sent', newSinceReview: 0 });
    // The chart moved one week on; the week that left the folder keeps its earlier count.
    expect(store.records.get('servicedesk')?.weeklyJunk.map((w) => w.week)[7]).toBe('2026-11-30');
  });

  it('returns an auth failure without opening IMAP, and a refused token as an IMAP failure', async () => {
    const session = new Session();
    const store = memoryStore();
    const out = await runSpamReview({
      mailbox: mailboxConfig(),
      tokens: {
        acquire: async () => ({
          ok: false,
          failure: {
            code: 'AADSTS50126',
            fault: 'setup',
            transient: false,
            message: 'Error validating credentials',
            remediation: { cause: 'wrong password', fix: 'fix it', setupStep: 'account' },
            retries: 0,
          },
        }),
      },
      imap: session,
      store,
      send: async () => {
        throw new Error('must not send');
      },
      clock: new ManualClock(NOW),
    });
    expect(out).toMatchObject({
      status: 'failed',
      stage: 'auth',
      code: 'AADSTS50126',
      remediation: { setupStep: 'account' },
    });
    expect(store.records.size).toBe(0);

    const refused = await runSpamReview({
      mailbox: mailboxConfig(),
      tokens: tokens('expired-token'),
      imap: new Session(),
      store,
      send: async () => undefined,
      clock: new ManualClock(NOW),
    });
    expect(refused).toMatchObject({ status: 'failed', stage: 'imap' });
    expect(JSON.stringify(refused)).not.toContain('expired-token');
  });

  it('keeps the last review time when the send fails, but records the weekly counts', async () => {
    const store = memoryStore({ lastReviewAt: '2026-11-16T07:00:00.000Z', weeklyJunk: [] });
    const out = await runSpamReview({
      mailbox: mailboxConfig(),
      tokens: tokens(),
      imap: new Session(),
      store,
      send: async () => {
        throw Object.assign(new Error('535 5.7.3 Authentication unsuccessful'), { code: 'EAUTH' });
      },
      clock: new ManualClock(NOW),
    });
    expect(out).toMatchObject({
      status: 'failed',
      stage: 'send',
      code: 'EAUTH',
      message: '535 5.7.3 Authentication unsuccessful',
    });
    expect(store.records.get('servicedesk')?.lastReviewAt).toBe('2026-11-16T07:00:00.000Z');
    expect(store.records.get('servicedesk')?.weeklyJunk).toHaveLength(8);
  });

  it('with no reviewers sends nothing and does not mark the Junk as reviewed', async () => {
    const store = memoryStore();
    let sends = 0;
    const out = await runSpamReview({
      mailbox: mailboxConfig({ reviewers: [] }),
      tokens: tokens(),
      imap: new Session(),
      store,
      send: async () => void sends++,
      clock: new ManualClock(NOW),
    });
    expect(out.status).toBe('no-reviewers');
    expect(sends).toBe(0);
    expect(store.records.get('servicedesk')?.lastReviewAt).toBeUndefined();
  });
});
