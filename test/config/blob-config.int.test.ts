/**
 * MAILBOX_HEALTH_CONFIG as a reference to a blob, read from Azurite's blob service with an injected credential
 * (the emulator's account key; in Azure the managed identity), and re-read by a warm process when its ETag changes.
 */
import { randomBytes } from 'node:crypto';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { configBlobReference } from '../../src/shared/config/blob-source.js';
import { ConfigError } from '../../src/shared/config/errors.js';
import { composeCycleDeps } from '../../src/shared/cycle/compose.js';
import { watchConfig } from '../../src/shared/cycle/config-watch.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';
import type { Logger } from '../../src/shared/logger.js';
import { DEV_ACCOUNT, DEV_KEY } from '../../lab/azurite.js';
import { labEndpoints } from '../helpers/lab.js';

const credential = new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY);

function doc(ids: string[]): string {
  return JSON.stringify({
    mailboxes: ids.map((id) => ({
      id,
      address: `${id}@contoso.com`,
      tenantId: '11111111-2222-3333-4444-555555555555',
      clientId: '66666666-7777-8888-9999-000000000000',
      auth: { mode: 'clientSecret', clientSecret: { env: 'SECRET' } },
    })),
  });
}

function env(url: string): NodeJS.ProcessEnv {
  return { MAILBOX_HEALTH_CONFIG: JSON.stringify({ blob: url }) };
}

describe('configuration blob reference', () => {
  it('is recognised only as { "blob": url }, with clear errors naming the field', () => {
    expect(configBlobReference({ MAILBOX_HEALTH_CONFIG: doc(['a']) })).toBeUndefined();
    expect(configBlobReference(env('https://acct.blob.core.windows.net/config/mailboxes.json'))).toBe(
      'https://acct.blob.core.windows.net/config/mailboxes.json',
    );
    const error = (e: NodeJS.ProcessEnv) => {
      try {
        configBlobReference(e);
      } catch (err) {
        return err instanceof ConfigError ? err.message : 'not a ConfigError';
      }
      return 'no error';
    };
    expect(error(env('http://acct.blob.core.windows.net/c/m.json'))).toMatch(
      /blob: expected an https:\/\/ URL/,
    );
    expect(error(env('https://acct.blob.core.windows.net/c/m.json?sv=2024&sig=abc'))).toMatch(
      /blob: no query string or credentials/,
    );
    expect(error(env('https://acct.blob.core.windows.net/m.json'))).toMatch(
      /blob: expected <container>\/<blob name>/,
    );
    expect(
      error({
        MAILBOX_HEALTH_CONFIG: JSON.stringify({ blob: 'https://a.blob.core.windows.net/c/m.json', x: 1 }),
      }),
    ).toMatch(/x: unknown key beside "blob"/);
  });
});

describe('configuration from a blob (Azurite)', () => {
  let url: string;
  let upload: (text: string) => Promise<void>;

  beforeAll(async () => {
    const az = labEndpoints().azurite!;
    const service = new BlobServiceClient(az.blobUrl, credential, { allowInsecureConnection: true } as never);
    const container = service.getContainerClient(`config-${randomBytes(4).toString('hex')}`);
    await container.create();
    const blob = container.getBlockBlobClient('mailboxes.json');
    url = blob.url;
    upload = async (text) => {
      await blob.upload(text, Buffer.byteLength(text), {
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
    };
  });

  it('builds the deps from the blob, and a missing blob is a configuration error naming it', async () => {
    await upload(doc(['desk-1', 'desk-2']));
    const deps = await composeCycleDeps({
      env: env(url),
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      store: createMemoryStore(),
      blobCredential: credential,
    });
    expect(deps.config.mailboxes.map((m) => m.id)).toEqual(['desk-1', 'desk-2']);
    expect(deps.configBlob?.etag).toMatch(/\S/);
    await expect(
      composeCycleDeps({
        env: env(url.replace('mailboxes.json', 'missing.json')),
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        store: createMemoryStore(),
        blobCredential: credential,
      }),
    ).rejects.toThrow(/blob: the blob does not exist/);
  });

  it('a warm process re-reads the blob when its ETag changes, and keeps the last good one after a bad upload', async () => {
    await upload(doc(['desk-1']));
    const clock = new ManualClock('2026-12-01T00:00:00Z');
    const errors: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn() {}, error: (m) => errors.push(m) };
    let builds = 0;
    const watched = watchConfig(
      async () => {
        builds++;
        return composeCycleDeps({
          env: env(url),
          logger,
          store: createMemoryStore(),
          blobCredential: credential,
        });
      },
      clock,
      60_000,
    );
    expect((await watched.get()).config.mailboxes).toHaveLength(1);
    await upload(doc(['desk-1', 'desk-2', 'desk-3']));
    // Within the interval the ETag is not asked: the same deps.
    clock.advance(30_000);
    expect((await watched.get()).config.mailboxes).toHaveLength(1);
    clock.advance(31_000);
    expect((await watched.get()).config.mailboxes.map((m) => m.id)).toEqual(['desk-1', 'desk-2', 'desk-3']);
    // Unchanged blob: no rebuild at the next check.
    clock.advance(61_000);
    await watched.get();
    expect(builds).toBe(2);
    await upload('{ "mailboxes": [ { "id": "Bad Id" } ] }');
    clock.advance(61_000);
    expect((await watched.get()).config.mailboxes).toHaveLength(3);
    expect(errors.join('\n')).toMatch(/configuration blob changed but cannot be used/);
  });
});
