/**
 * The folder finder's choice on folder lists as servers return them (imapflow's ListResponse shape): every language
 * of the table finds its Junk and Sent folders in a mailbox that has no English folders; a configured name wins
 * and must exist; SPECIAL-USE counts only when advertised; not found names the folders and the config key, with
 * hostile folder names cleaned. The live counterpart, against Dovecot, is folder-languages.int.test.ts.
 */
import type { ListResponse } from 'imapflow';
import { describe, expect, it } from 'vitest';
import { LOCALIZED_FOLDER_NAMES } from '../../src/shared/mail/folder-names.js';
import { pickFolder, pickNamedFolder, type FolderConfig } from '../../src/shared/mail/folder-finder.js';

function folder(path: string, flags: string[] = []): ListResponse {
  const parts = path.split('/');
  return {
    path,
    pathAsListed: path,
    name: parts[parts.length - 1]!,
    delimiter: '/',
    parent: parts.slice(0, -1),
    parentPath: parts.slice(0, -1).join('/'),
    flags: new Set(flags),
    listed: true,
    subscribed: false,
  } as ListResponse;
}

const AUTO: FolderConfig = { folders: { inbox: 'INBOX', junk: 'auto', sent: 'auto' }, junk: { names: [] } };

describe('pickFolder: one finder for every caller', () => {
  const languages = Object.keys(LOCALIZED_FOLDER_NAMES.junk);

  it('covers the languages the desk market needs', () => {
    for (const lang of ['en', 'fi', 'sv', 'nb', 'da', 'is', 'et', 'de', 'fr', 'nl', 'es', 'it', 'pt', 'pl']) {
      expect(LOCALIZED_FOLDER_NAMES.junk[lang], `junk ${lang}`).toBeDefined();
      expect(LOCALIZED_FOLDER_NAMES.sent[lang], `sent ${lang}`).toBeDefined();
    }
  });

  it.each(languages)('%s: Junk and Sent found by name in a mailbox with no English folders', (lang) => {
    for (const junkName of LOCALIZED_FOLDER_NAMES.junk[lang]!) {
      const sentName = LOCALIZED_FOLDER_NAMES.sent[lang]![0]!;
      // Servers may send decomposed Unicode and any case: the finder compares NFC, case-folded.
      const list = [
        folder('INBOX'),
        folder('Archive'),
        folder(junkName.toUpperCase().normalize('NFD')),
        folder(sentName.normalize('NFD')),
      ];
      const junk = pickFolder(list, false, 'junk', AUTO);
      const sent = pickFolder(list, false, 'sent', AUTO);
      expect(junk).toMatchObject({ found: true, foundBy: 'name', language: lang, path: list[2]!.path });
      expect(sent).toMatchObject({ found: true, foundBy: 'name', language: lang, path: list[3]!.path });
    }
  });

  it('a configured name wins over every guess, and must exist exactly', () => {
    const list = [folder('INBOX'), folder('Junk Email'), folder('Spam filter'), folder('Roskaposti')];
    const cfg = { ...AUTO, folders: { ...AUTO.folders, junk: 'Spam filter' } };
    expect(pickFolder(list, false, 'junk', cfg)).toMatchObject({
      found: true,
      path: 'Spam filter',
      foundBy: 'config',
    });
    const missing = pickFolder(list, false, 'junk', {
      ...AUTO,
      folders: { ...AUTO.folders, junk: 'spam FILTER' },
    });
    expect(missing).toMatchObject({ found: false, configKey: 'folders.junk', configured: 'spam FILTER' });
    if (!missing.found) {
      expect(missing.summary).toContain('"Spam filter"');
      expect(missing.remediation.fix).toContain('folders.junk');
    }
  });

  it('SPECIAL-USE decides only when the server advertises it', () => {
    const list = [folder('INBOX'), folder('Junk Email'), folder('Filtered', ['\\Junk'])];
    expect(pickFolder(list, true, 'junk', AUTO)).toMatchObject({ path: 'Filtered', foundBy: 'special-use' });
    expect(pickFolder(list, false, 'junk', AUTO)).toMatchObject({ path: 'Junk Email', foundBy: 'name' });
  });

  it('junk.names from the configuration are tried before the built-in table', () => {
    const list = [folder('INBOX'), folder('Junk Email'), folder('Roskapostit')];
    const cfg = { ...AUTO, junk: { names: ['Roskapostit'] } };
    expect(pickFolder(list, false, 'junk', cfg)).toMatchObject({ path: 'Roskapostit', foundBy: 'name' });
  });

  it('a top-level folder wins over one nested under INBOX; nested is found when alone', () => {
    expect(pickFolder([folder('INBOX/Sent Items'), folder('Sent Items')], false, 'sent', AUTO)).toMatchObject(
      {
        path: 'Sent Items',
      },
    );
    expect(pickFolder([folder('INBOX'), folder('INBOX/Skickat')], false, 'sent', AUTO)).toMatchObject({
      path: 'INBOX/Skickat',
      language: 'sv',
    });
  });

  it('not found: UNKNOWN material naming the folders that exist and the key to set, hostile names cleaned', () => {
    const list = [folder('INBOX'), folder('Tickets'), folder('Evil\r\n* OK [ALERT] fake\u0007')];
    const r = pickFolder(list, false, 'sent', AUTO);
    expect(r.found).toBe(false);
    if (r.found) return;
    expect(r.configKey).toBe('folders.sent');
    expect(r.existingCount).toBe(3);
    expect(r.summary).toMatch(/^Sent Items folder not found/);
    expect(r.summary).toContain('"Tickets"');
    for (const c of ['\r', '\n', '\u0007']) expect(r.summary).not.toContain(c);
    expect(r.remediation.fix).toContain('folders.sent');
  });
});

describe('pickNamedFolder: the destinations of moves (fetched folder, oversized-mail folder)', () => {
  const list = ['INBOX', 'Roskaposti', 'Too large for ESM', 'Projects/Too large for ESM'].map((p) =>
    folder(p),
  );

  it('INBOX in any case, as the server spells it', () => {
    expect(pickNamedFolder(list, 'Inbox')).toBe('INBOX');
    expect(pickNamedFolder([folder('Inbox')], 'INBOX')).toBe('Inbox');
  });

  it('the exact name first, then the same name in another case (Exchange names are case-insensitive)', () => {
    expect(pickNamedFolder(list, 'Too large for ESM')).toBe('Too large for ESM');
    expect(pickNamedFolder(list, 'too LARGE for esm')).toBe('Too large for ESM');
    expect(pickNamedFolder([folder('A'), folder('a')], 'a')).toBe('a');
  });

  it('under the personal namespace prefix, never a same-named folder elsewhere', () => {
    const prefixed = ['INBOX', 'INBOX.Too large for ESM'].map((p) => folder(p));
    expect(pickNamedFolder(prefixed, 'Too large for ESM', 'INBOX.')).toBe('INBOX.Too large for ESM');
    expect(pickNamedFolder(prefixed, 'Too large for ESM')).toBeUndefined();
    expect(pickNamedFolder([folder('Projects/Big')], 'Big')).toBeUndefined();
  });

  it('a missing folder is undefined (the caller creates it or reports IMAP_FOLDER_MISSING)', () => {
    expect(pickNamedFolder(list, 'Saapuneet')).toBeUndefined();
  });
});
