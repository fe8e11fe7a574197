/**
 * The whole path a reviewer takes, in Debian's Chromium: the digest and the alert the app rendered and sent
 * (captured by the lab's SMTP server), a click on "Move to INBOX", "Move all likely legitimate (N)" and "Move to
 * <folder>", the confirmation page, its button — then the message is found by Message-ID in the destination on
 * Dovecot and is gone from where it was.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCheckMailbox } from '../../src/functions/check-mailbox.js';
import { makeSpamReview } from '../../src/functions/spam-review.js';
import { extractHtml } from '../../lab/demo-mime.js';
import { invocation, timerTick } from '../../lab/demo-harness.js';
import { browserUnavailable, launchBrowser, openPage } from '../helpers/browser.js';
import { lab, requireDovecot } from '../helpers/lab.js';
import { mid, rawMail, startActionLab, type ActionLab } from './action-lab.js';

const noBrowser = browserUnavailable();
if (noBrowser) console.warn(`SKIPPING action browser test: ${noBrowser}`);

describe.runIf(requireDovecot() && !noBrowser)('action buttons in a real browser', () => {
  let a: ActionLab;
  let browser: Browser;
  let digest = '';
  let alert = '';
  const ids = { anna: mid('anna'), kai: mid('kai'), spam: mid('spam'), big: mid('big') };

  beforeAll(async () => {
    a = await startActionLab({ mailboxOver: { inbox: { maxMessageBytes: 20_000 } } });
    const l = lab();
    await l.seedMessages(a.desk.address, 'Junk Email', [
      {
        raw: rawMail({ id: ids.anna, from: 'Anna <anna@customer.example>', subject: 'Re: [ESM-12] printer' }),
      },
      { raw: rawMail({ id: ids.kai, from: 'Kai <kai@kunde.example>', subject: 'AW: Ihre Anfrage' }) },
      { raw: rawMail({ id: ids.spam, from: 'Spam <x@spam.example>', subject: 'Cheap watches' }) },
    ]);
    await l.seedMessages(a.desk.address, 'INBOX', [
      {
        raw: rawMail({
          id: ids.big,
          from: 'Big <big@customer.example>',
          subject: 'Scanned contract',
          bytes: 40_000,
        }),
      },
    ]);
    const getDeps = async () => a.deps;
    const reviews = await makeSpamReview(getDeps)(timerTick(), invocation('spamReview'));
    expect(reviews.map((r) => r.status)).toEqual(['sent']);
    const run = await makeCheckMailbox(getDeps)(
      { mailboxId: 'servicedesk', runId: `${new Date().toISOString().slice(0, 19)}Z-servicedesk` },
      invocation('checkMailbox', { dequeueCount: 1 }),
    );
    expect(run.status).toBe('done');
    const sent = await l.smtpMessages(a.desk.address);
    for (const m of sent) {
      const html = extractHtml(m.raw) ?? '';
      if (/Weekly Junk review/.test(html)) digest = html;
      else if (/Oversized mail/.test(html)) alert = html;
    }
    expect(digest).toContain('Move all likely legitimate (2)');
    expect(alert).toContain('Move to Too large for ESM');
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await a?.close();
  });

  /** Follows a button in a mail, checks the confirmation page changed nothing, confirms, returns the result page. */
  async function followAndConfirm(
    mail: string,
    pick: (p: Page) => ReturnType<Page['locator']>,
    title: string,
  ) {
    const { page, errors } = await openPage(browser, { html: mail });
    const before = await a.snapshot();
    await Promise.all([page.waitForURL(/\/api\/mailboxAction\?t=/), pick(page).click()]);
    expect(await page.locator('h1').innerText()).toBe(title);
    expect(await a.snapshot()).toEqual(before); // the GET moved nothing
    await Promise.all([page.waitForLoadState('load'), page.locator('button[type=submit]').click()]);
    await page.waitForSelector('h1');
    const result = await page.locator('main').innerText();
    expect(errors).toEqual([]);
    await page.context().close();
    return result;
  }

  const inFolder = async (folder: string, id: string) =>
    (await a.folder(folder)).some((m) => m.messageId === id);

  it('"Move to INBOX" on one Junk message', async () => {
    const result = await followAndConfirm(
      digest,
      (p) => p.locator('tr', { hasText: 'printer' }).getByRole('link', { name: 'Move to INBOX' }),
      'Move to INBOX?',
    );
    expect(result).toContain('1 of 1 moved from “Junk Email” to “INBOX”');
    expect(await inFolder('INBOX', ids.anna)).toBe(true);
    expect(await inFolder('Junk Email', ids.anna)).toBe(false);
  });

  it('"Move all likely legitimate (2)": the other one moves, the one already moved is reported so', async () => {
    const result = await followAndConfirm(
      digest,
      (p) => p.getByRole('link', { name: 'Move all likely legitimate (2)' }),
      'Move to INBOX?',
    );
    expect(result).toContain('1 of 2 moved');
    expect(result).toContain('already there');
    expect(await inFolder('INBOX', ids.kai)).toBe(true);
    expect(await inFolder('Junk Email', ids.kai)).toBe(false);
    expect(await inFolder('Junk Email', ids.spam)).toBe(true); // not a likely-legitimate one
  });

  it('"Move to Too large for ESM" from the oversized-mail alert', async () => {
    const result = await followAndConfirm(
      alert,
      (p) => p.getByRole('link', { name: 'Move to Too large for ESM' }),
      'Move oversized mail?',
    );
    expect(result).toContain('1 of 1 moved from “INBOX” to “Too large for ESM”');
    expect(await inFolder('Too large for ESM', ids.big)).toBe(true);
    expect(await inFolder('INBOX', ids.big)).toBe(false);
  });
});
