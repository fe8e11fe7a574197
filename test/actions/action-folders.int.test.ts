/**
 * Where action links move to is found by the one folder finder, on a Finnish mailbox (Junk is "Roskaposti", no
 * English folders): a release from Roskaposti lands in INBOX; an oversized mail goes to the existing folder
 * `inbox.moveOversizedTo` names even when the configuration spells it in another case (Exchange folder names are
 * case-insensitive: a second folder must not appear); a configured fetched folder that does not exist moves nothing.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab, labEndpoints, requireDovecot } from '../helpers/lab.js';
import { get, mid, post, rawMail, startActionLab, tokenOf, type ActionLab } from './action-lab.js';

const folderList = (user: string) =>
  execFileSync('doveadm', ['-c', labEndpoints().doveadm!.configPath, 'mailbox', 'list', '-u', user], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);

async function confirmAndPost(url: string) {
  const confirm = await get(url);
  expect(confirm.status).toBe(200);
  return post(url, tokenOf(url));
}

describe.runIf(requireDovecot())('action destinations through the folder finder (Finnish mailbox)', () => {
  let a: ActionLab;
  const ids = { anna: mid('anna'), big: mid('big'), old: mid('old') };

  beforeAll(async () => {
    a = await startActionLab({
      name: 'fi-desk',
      mailboxOver: { inbox: { maxMessageBytes: 20_000, moveOversizedTo: 'too large for esm' } },
    });
    const l = lab();
    await l.seedMessages(a.desk.address, 'Roskaposti', [
      {
        raw: rawMail({ id: ids.anna, from: 'Anna <anna@asiakas.example>', subject: 'Re: [ESM-7] tulostin' }),
      },
    ]);
    await l.seedMessages(a.desk.address, 'INBOX', [
      {
        raw: rawMail({ id: ids.big, from: 'Big <big@asiakas.example>', subject: 'Skannaus', bytes: 40_000 }),
      },
    ]);
    // The admin made the folder earlier, in the case Outlook shows it.
    await l.seedMessages(a.desk.address, 'Too large for ESM', [
      { raw: rawMail({ id: ids.old, from: 'Old <old@asiakas.example>', subject: 'Vanha' }) },
    ]);
  }, 60_000);
  afterAll(async () => {
    await a?.close();
  });

  it('a release from Roskaposti lands in INBOX', async () => {
    const url = a.issuer.url({
      action: 'release',
      mailbox: 'servicedesk',
      folder: 'Roskaposti',
      uidValidity: a.uidValidity('Roskaposti'),
      items: [await a.item('Roskaposti', ids.anna, 'Re: [ESM-7] tulostin')],
    });
    const done = await confirmAndPost(url);
    expect(done.status).toBe(200);
    expect(done.body).toMatch(/1 of 1 moved from .*Roskaposti.* to .*INBOX/);
    expect((await a.folder('INBOX')).map((m) => m.messageId)).toContain(ids.anna);
    expect((await a.folder('Roskaposti')).map((m) => m.messageId)).not.toContain(ids.anna);
  });

  it('oversized mail goes to the existing folder the configuration names in another case', async () => {
    const url = a.issuer.url({
      action: 'move-oversized',
      mailbox: 'servicedesk',
      folder: 'INBOX',
      uidValidity: a.uidValidity('INBOX'),
      items: [await a.item('INBOX', ids.big, 'Skannaus')],
    });
    const done = await confirmAndPost(url);
    expect(done.status).toBe(200);
    expect(done.body).toMatch(/1 of 1 moved from .*INBOX.* to .*Too large for ESM/);
    expect((await a.folder('Too large for ESM')).map((m) => m.messageId)).toEqual([ids.old, ids.big]);
    const folders = folderList(a.desk.address);
    expect(folders).toContain('Too large for ESM');
    expect(folders).not.toContain('too large for esm');
  });
});

describe.runIf(requireDovecot())('a configured fetched folder that does not exist', () => {
  let a: ActionLab;
  const id = mid('cleo');

  beforeAll(async () => {
    a = await startActionLab({ name: 'fi-desk', mailboxOver: { folders: { inbox: 'Saapuneet' } } });
    await lab().seedMessages(a.desk.address, 'Roskaposti', [
      { raw: rawMail({ id, from: 'Cleo <cleo@asiakas.example>', subject: 'Kysymys' }) },
    ]);
  }, 60_000);
  afterAll(async () => {
    await a?.close();
  });

  it('moves nothing, creates nothing and says which setting names it', async () => {
    const url = a.issuer.url({
      action: 'release',
      mailbox: 'servicedesk',
      folder: 'Roskaposti',
      uidValidity: a.uidValidity('Roskaposti'),
      items: [await a.item('Roskaposti', id, 'Kysymys')],
    });
    const before = folderList(a.desk.address);
    const done = await confirmAndPost(url);
    expect(done.status).not.toBe(200);
    expect(done.body).toContain('IMAP_FOLDER_MISSING');
    expect(done.body).toContain('folders.inbox');
    expect((await a.folder('Roskaposti')).map((m) => m.messageId)).toEqual([id]);
    expect(folderList(a.desk.address)).toEqual(before);
  });
});
