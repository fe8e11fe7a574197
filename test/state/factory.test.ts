import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeStateStore, createStateStore } from '../../src/shared/state/factory.js';

const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const CS = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${KEY};TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;`;

describe('createStateStore', () => {
  it('builds the store the configuration names, resolving the connection string only through the resolver', async () => {
    expect((await createStateStore('memory', () => 'unused')).description).toBe('memory');
    const seen: string[] = [];
    const table = await createStateStore({ connectionString: { env: 'STATE_CS' } }, (ref, field) => {
      seen.push(`${'env' in ref ? ref.env : '?'}@${field}`);
      return CS;
    });
    expect(seen).toEqual(['STATE_CS@state.tables.connectionString']);
    expect(table.description).toBe('Table Storage (connection string, local emulator)');
    const mi = await createStateStore(
      { accountUrl: 'https://acct.table.core.windows.net/' },
      () => 'unused',
      {
        managedIdentityClientId: '99999999-8888-7777-6666-555555555555',
      },
    );
    expect(mi.description).toBe('Table Storage acct.table.core.windows.net (managed identity)');
    for (const s of [table, mi]) expect(s.description).not.toContain(KEY);
  });

  it('rejects a table prefix that would make an invalid table name', async () => {
    await expect(
      createStateStore({ connectionString: { value: CS } }, () => CS, { prefix: '1bad' }),
    ).rejects.toThrow(/invalid table name "1badstatus"/);
  });

  it('opens a directory store (locked until closed), unless the caller cannot use one', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'mh-factory-')), 'state');
    try {
      const s = await createStateStore({ directory: dir }, () => 'unused');
      expect(s.description).toBe(`directory ${dir}`);
      expect(existsSync(join(dir, '.lock'))).toBe(true);
      closeStateStore(s);
      expect(existsSync(join(dir, '.lock'))).toBe(false);
      await expect(
        createStateStore({ directory: dir }, () => 'unused', { forbidDirectory: 'use Table Storage' }),
      ).rejects.toThrow('state.tables.directory is for the CLI on one monitoring host: use Table Storage');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
