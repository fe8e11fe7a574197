/**
 * The `mailboxAction` endpoint over HTTP against the lab (Dovecot, Entra emulator, Azurite tables): GET changes
 * nothing, the POST moves with IMAP MOVE and confirms by Message-ID; replays, expired, tampered, wrong-key and
 * other-mailbox links change nothing and each gets its page; a busy or unreachable mailbox changes nothing and the
 * link stays usable; no secret reaches a page or a log line.
 */
import { createHmac } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLease, releaseLease } from '../../src/shared/state/lease.js';
import { createLinkIssuer } from '../../src/shared/actions/issue.js';
import { ManualClock } from '../../src/shared/clock.js';
import { tokenSourceFor } from '../../src/shared/cycle/deps.js';
import { lab, requireDovecot } from '../helpers/lab.js';
import {
  get,
  KEY,
  mid,
  OLD_KEY,
  post,
  rawMail,
  startActionLab,
  tokenOf,
  type ActionLab,
} from './action-lab.js';

const EXPECTED_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
};

describe.runIf(requireDovecot())('mailboxAction against Dovecot', () => {
  let a: ActionLab;
  const pages: string[] = [];
  const ids = {
    anna: mid('anna'),
    ben: mid('ben'),
    cleo: mid('cleo'),
    dora: mid('dora'),
    eve: mid('eve'),
    big: mid('big'),
  };

  beforeAll(async () => {
    a = await startActionLab();
    const l = lab();
    await l.seedMessages(
      a.desk.address,
      'Junk Email',
      [
        ['anna', 'Re: [ESM-1] printer <b>still</b> broken'],
        ['ben', 'RE: quote'],
        ['cleo', 'Question'],
        ['dora', 'Hello'],
        ['eve', 'Cheap pills'],
      ].map(([n, subject]) => ({
        raw: rawMail({
          id: ids[n as keyof typeof ids],
          from: `${n} <${n}@customer.example>`,
          subject: subject!,
        }),
      })),
    );
    await l.seedMessages(a.desk.address, 'INBOX', [
      { raw: rawMail({ id: ids.big, from: 'Big <big@customer.example>', subject: 'Scan', bytes: 40_000 }) },
    ]);
  });
  afterAll(async () => {
    await a?.close();
  });

  const link = async (action: 'release' | 'move-oversized', folder: string, names: Array<keyof typeof ids>) =>
    a.issuer.url({
      action,
      mailbox: 'servicedesk',
      folder,
      uidValidity: a.uidValidity(folder),
      items: await Promise.all(names.map((n) => a.item(folder, ids[n], `subject of ${n}`))),
    });
  const keep = <T extends { body: string }>(r: T) => (pages.push(r.body), r);

  it('GET shows what will move and changes nothing; the POST moves it to INBOX, unread, confirmed by Message-ID', async () => {
    const url = await link('release', 'Junk Email', ['anna']);
    const before = await a.snapshot();
    const page = keep(await get(url));
    expect(page.status).toBe(200);
    for (const [h, v] of Object.entries(EXPECTED_HEADERS)) expect(page.headers.get(h)).toBe(v);
    expect(page.body).toContain('Move to INBOX?');
    expect(page.body).toContain('&ldquo;Junk Email&rdquo;');
    expect(page.body).toMatch(/<form method="post" action="\/api\/mailboxAction">/);
    expect(page.body).not.toMatch(/<script|<a |src=/i);
    expect(await a.snapshot()).toEqual(before);
    expect(await a.deps.store.actions.list('servicedesk')).toEqual([]);

    const done = keep(await post(url, tokenOf(url)));
    expect(done.status).toBe(200);
    expect(done.body).toContain('1 of 1 moved from &ldquo;Junk Email&rdquo; to &ldquo;INBOX&rdquo;');
    const inbox = await a.folder('INBOX');
    const moved = inbox.find((m) => m.messageId === ids.anna);
    expect(moved).toBeDefined();
    expect(moved!.flags).not.toContain('\\Seen');
    expect((await a.folder('Junk Email')).some((m) => m.messageId === ids.anna)).toBe(false);
    expect((await a.folder('Junk Email')).length).toBe(4); // nothing else left Junk
    const row = (await a.deps.store.actions.list('servicedesk'))[0]!.value;
    expect(row).toMatchObject({ action: 'release', state: 'done', keyUsed: 'current', destination: 'INBOX' });
    expect(row.items[0]).toMatchObject({ messageId: ids.anna, outcome: 'moved' });
    expect(a.events.at(-1)).toMatchObject({
      name: 'mailboxAction',
      properties: { mailbox: 'servicedesk', action: 'release', state: 'done' },
    });

    // Replays: GET and POST both say it was done, when and by which link, and change nothing.
    const after = await a.snapshot();
    for (const replay of [await get(url), await post(url, tokenOf(url))]) {
      keep(replay);
      expect(replay.status).toBe(200);
      expect(replay.body).toContain('Already done');
      expect(replay.body).toMatch(
        /already used \d{4}-\d\d-\d\d \d\d:\d\d UTC — the link issued .* \(id [\w-]{8}\)/,
      );
    }
    expect(await a.snapshot()).toEqual(after);
  });

  it('expired, tampered, wrong-key, other-mailbox and unknown-mailbox links change nothing, each with its page', async () => {
    const before = await a.snapshot();
    const past = new ManualClock(Date.now() - 9 * 86_400_000);
    const expired = createLinkIssuer(a.deps.actionLinks, past)!.url({
      action: 'release',
      mailbox: 'servicedesk',
      folder: 'Junk Email',
      uidValidity: a.uidValidity('Junk Email'),
      items: [await a.item('Junk Email', ids.ben)],
    });
    const good = tokenOf(await link('release', 'Junk Email', ['ben']))!;
    const [payload, sig] = good.split('.') as [string, string];
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const sign = (b: unknown, key: string) => {
      const p = Buffer.from(JSON.stringify(b)).toString('base64url');
      return `${p}.${createHmac('sha256', key).update(p).digest('base64url')}`;
    };
    const otherMailbox = `${Buffer.from(JSON.stringify({ ...body, m: 'other-desk' })).toString('base64url')}.${sig}`;
    const cases: Array<[string, string | undefined, number, string]> = [
      ['expired', tokenOf(expired), 410, 'This link has expired'],
      ['tampered', `${payload.slice(0, -2)}AA.${sig}`, 400, 'This link is not valid'],
      ['wrong key', sign(body, `wrong-${KEY}`), 400, 'This link is not valid'],
      ['other mailbox', otherMailbox, 400, 'This link is not valid'],
      ['unknown mailbox', sign({ ...body, m: 'elsewhere' }, KEY), 404, 'Not a mailbox this app monitors'],
      ['no token', undefined, 400, 'This link is not valid'],
    ];
    for (const [name, token, status, words] of cases) {
      const url = `${a.server.url}${token ? `?t=${token}` : ''}`;
      for (const r of [await get(url), await post(url, token)]) {
        keep(r);
        expect(r.status, name).toBe(status);
        expect(r.body, name).toContain(words);
        expect(r.headers.get('content-security-policy'), name).toBe(
          EXPECTED_HEADERS['content-security-policy'],
        );
      }
      expect(await a.snapshot(), name).toEqual(before);
    }
    // A link signed with the previous key still works (rotation), and says so in the audit row.
    const rotated = sign({ ...body, n: 'rotatedNonce0000000000' }, OLD_KEY);
    const r = keep(await post(a.server.url, rotated));
    expect(r.status).toBe(200);
    expect((await a.deps.store.actions.get('servicedesk', 'rotatedNonce0000000000'))?.value.keyUsed).toBe(
      'previous',
    );
    expect((await a.folder('INBOX')).some((m) => m.messageId === ids.ben)).toBe(true);
  });

  it('finds a message by Message-ID when its UID is stale; says so when it left Junk or is already in INBOX', async () => {
    const item = await a.item('Junk Email', ids.cleo);
    const stale = a.issuer.url({
      action: 'release',
      mailbox: 'servicedesk',
      folder: 'Junk Email',
      uidValidity: '1', // another UIDVALIDITY: the UID means nothing, the Message-ID still does
      items: [{ ...item, uid: 99999 }],
    });
    const moved = keep(await post(stale, tokenOf(stale)));
    expect(moved.status).toBe(200);
    expect((await a.folder('INBOX')).some((m) => m.messageId === ids.cleo)).toBe(true);

    // Already moved (a second link for the same message): nothing to move, it is in INBOX.
    const again = a.issuer.url({
      action: 'release',
      mailbox: 'servicedesk',
      folder: 'Junk Email',
      uidValidity: a.uidValidity('Junk Email'),
      items: [item],
    });
    const before = await a.snapshot();
    const there = keep(await post(again, tokenOf(again)));
    expect(there.body).toContain('Already in INBOX');
    expect(await a.snapshot()).toEqual(before);

    // Gone from Junk and not in INBOX (deleted by someone): "no longer in Junk", nothing changed.
    const gone = a.issuer.url({
      action: 'release',
      mailbox: 'servicedesk',
      folder: 'Junk Email',
      uidValidity: a.uidValidity('Junk Email'),
      items: [{ uid: 77777, messageId: '<never-seen@nowhere.example>', subject: 'x', from: 'y' }],
    });
    const none = keep(await post(gone, tokenOf(gone)));
    expect(none.status).toBe(409);
    expect(none.body).toContain('No longer in Junk Email');
    expect(await a.snapshot()).toEqual(before);
  });

  it('moves an oversized mail to the default folder, creating it', async () => {
    expect(await a.folder('Too large for ESM')).toEqual([]);
    const url = await link('move-oversized', 'INBOX', ['big']);
    const page = keep(await get(url));
    expect(page.body).toContain('Move oversized mail?');
    expect(page.body).toContain('&ldquo;Too large for ESM&rdquo;');
    const done = keep(await post(url, tokenOf(url)));
    expect(done.status).toBe(200);
    expect((await a.folder('Too large for ESM')).map((m) => m.messageId)).toEqual([ids.big]);
    expect((await a.folder('INBOX')).some((m) => m.messageId === ids.big)).toBe(false);
  });

  it('a busy mailbox changes nothing and leaves the link usable', async () => {
    const url = await link('release', 'Junk Email', ['dora']);
    const lease = await acquireLease(a.deps.store, 'servicedesk', 'check:test-run', 60_000, new Date());
    expect(lease.ok).toBe(true);
    const before = await a.snapshot();
    const busy = keep(await post(url, tokenOf(url)));
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('60');
    expect(busy.body).toContain('a check run is using this mailbox');
    expect(await a.snapshot()).toEqual(before);
    await releaseLease(a.deps.store, 'servicedesk', 'check:test-run');
    expect((await post(url, tokenOf(url))).status).toBe(200);
    expect((await a.folder('INBOX')).some((m) => m.messageId === ids.dora)).toBe(true);
  });

  it('an unreachable mailbox: the fault in words, nothing moved, and the link can be used again', async () => {
    const url = await link('release', 'Junk Email', ['eve']);
    const closed = await new Promise<number>((resolve) => {
      const srv = createServer();
      srv.listen(0, '127.0.0.1', () => {
        const port = (srv.address() as AddressInfo).port;
        srv.close(() => resolve(port));
      });
    });
    const cloud = a.deps.config.mailboxes[0]!.cloud;
    const port = cloud.imapPort;
    const before = await a.snapshot();
    cloud.imapPort = closed;
    try {
      const down = keep(await post(url, tokenOf(url)));
      expect(down.status).toBe(503);
      expect(down.body).toContain('The mailbox could not be reached');
      expect(down.body).toMatch(/refused|ECONNREFUSED/i);
      expect(down.body).toContain('Nothing was moved. The link can be used again');
    } finally {
      cloud.imapPort = port;
    }
    expect(await a.snapshot()).toEqual(before);
    const again = keep(await post(url, tokenOf(url)));
    expect(again.status).toBe(200);
    expect((await a.folder('INBOX')).some((m) => m.messageId === ids.eve)).toBe(true);
  });

  it('no secret in any page or log line', async () => {
    const token = await tokenSourceFor(a.deps, a.deps.config.mailboxes[0]!).acquire();
    if (!token.ok) throw new Error('no token');
    const texts = [...pages, ...a.logs];
    expect(pages.length).toBeGreaterThan(20);
    for (const t of texts) {
      expect(t).not.toContain(KEY);
      expect(t).not.toContain(OLD_KEY);
      expect(t).not.toContain(a.desk.password);
      expect(t).not.toContain(token.grant.accessToken);
      expect(t).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/); // any JWT (three parts)
    }
  });
});
