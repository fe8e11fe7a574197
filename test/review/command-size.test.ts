/**
 * The review's header fetch keeps every IMAP command within 8,192 octets (RFC 7162 §4; mail/uid-sets.ts) even when
 * the UIDs to read are as scattered as they get: mails moved into Junk keep their old dates, so the ones since the
 * last review can be every other UID. Every command imapflow sends is read from its debug log.
 */
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMemoryImap, type MemoryImapServer } from '../../lab/memory-imap.js';
import { ManualClock } from '../../src/shared/clock.js';
import { MAX_COMMAND_OCTETS } from '../../src/shared/mail/uid-sets.js';
import { collectReview } from '../../src/shared/review/collect.js';
import { exchangeStamp, rawMessage } from './fixtures.js';
import { ADDRESS, daysAgo, mailboxConfig, NOW, TOKEN } from './review-lab.js';
import { makeTestCa, type TestCa } from '../helpers/test-ca.js';

const MESSAGES = 3000;
let ca: TestCa;
let server: MemoryImapServer;

beforeAll(async () => {
  ca = makeTestCa();
  const stamp = exchangeStamp({ cat: 'SPM', scl: 5 });
  server = await startMemoryImap({
    mailbox: ADDRESS,
    tls: { key: ca.keyPem, cert: ca.certPem },
    validateToken: (user, token) => user === ADDRESS && token === TOKEN,
    seed: {
      // UIDs 2, 4, 6 … arrived since the last review (3 days ago), the odd ones long before.
      'Junk Email': Array.from({ length: MESSAGES }, (_, i) => {
        const at = i % 2 === 1 ? daysAgo(1) : daysAgo(20);
        return {
          raw: rawMessage({ from: `s${i}@spam.example`, subject: `offer ${i}`, headers: stamp }),
          internalDate: at,
        };
      }),
    },
  });
});
afterAll(async () => {
  await server?.close();
  ca?.cleanup();
});

it('reads the scattered UIDs since the last review in several commands, none longer than 8,192 octets', async () => {
  const commands: string[] = [];
  const log = (e: { src?: string; msg?: string }) => void (e.src === 'c' && e.msg && commands.push(e.msg));
  const client = new ImapFlow({
    host: 'localhost',
    port: server.port,
    secure: true,
    auth: { user: ADDRESS, accessToken: TOKEN },
    logger: { debug: log, info: () => undefined, warn: () => undefined, error: () => undefined },
    tls: { ca: ca.caPem },
  });
  await client.connect();
  try {
    const out = await collectReview({
      client,
      mailbox: mailboxConfig({ spamReview: { maxListed: 10 } }),
      clock: new ManualClock(NOW),
      previous: { lastReviewAt: daysAgo(3).toISOString(), weeklyJunk: [] },
      // A page as large as the folder: only the octet limit splits the set.
      options: { hintPage: MESSAGES },
    });
    if (!out.ok) throw new Error(out.message);
    expect(out.collection.hintsScanned).toBe(MESSAGES / 2);
    expect(out.collection.listed.every((i) => i.verdict?.kind === 'spam')).toBe(true);
  } finally {
    await client.logout().catch(() => undefined);
  }
  const headerFetches = commands.filter((c) => c.includes('HEADER.FIELDS'));
  // 1,500 UIDs like "2,4,6,…" are about 7.4 kB: more than one command's worth.
  expect(headerFetches.length).toBeGreaterThanOrEqual(2);
  expect(headerFetches[0]).toMatch(/BODY\.PEEK\[HEADER\.FIELDS \(/);
  for (const c of commands) expect(Buffer.byteLength(`${c}\r\n`)).toBeLessThanOrEqual(MAX_COMMAND_OCTETS);
});
