/**
 * The configuration of a large fleet as a blob: `MAILBOX_HEALTH_CONFIG` may hold, instead of the document,
 * `{ "blob": "https://<account>.blob.core.windows.net/<container>/mailboxes.json" }`. App settings are limited in
 * size (a thousand mailboxes make a document of a few hundred kB), and a blob can be replaced without redeploying.
 * The blob is read with the Function App's managed identity (role Storage Blob Data Reader on the container,
 * infra/main.bicep); its ETag tells a warm process when to read it again (cycle/config-watch.ts).
 *
 * `@azure/storage-blob` is imported only when the setting names a blob.
 */
import type { TokenCredential } from '@azure/identity';
import type { StorageSharedKeyCredential } from '@azure/storage-blob';
import { ConfigError } from './errors.js';
import { CONFIG_SETTING, parseConfigText, type LoadedConfig } from './load.js';

/** The managed identity in Azure; tests hand the emulator's account key (Azurite accepts no Entra token). */
export type BlobCredential = TokenCredential | StorageSharedKeyCredential;

export interface ConfigBlob {
  url: string;
  /** Reads the whole document and its ETag. */
  read(): Promise<{ text: string; etag: string }>;
  /** The current ETag only (a HEAD request): cheap enough to ask once a minute. */
  etag(): Promise<string>;
}

const bad = (message: string) => new ConfigError([{ path: 'blob', message }], CONFIG_SETTING);

/**
 * The blob URL when the setting is a blob reference, undefined when it holds the document itself. A reference with
 * anything else in it, or a URL that is not https (plain http only on loopback, for the emulator), is an error.
 */
export function configBlobReference(env: NodeJS.ProcessEnv): string | undefined {
  const text = env[CONFIG_SETTING]?.trim();
  if (!text || !text.startsWith('{') || !/"blob"\s*:/.test(text)) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined; // not JSON: the document loader reports it
  }
  if (!doc || typeof doc !== 'object' || !('blob' in doc)) return undefined;
  const keys = Object.keys(doc);
  if (keys.length !== 1) {
    throw new ConfigError(
      keys.filter((k) => k !== 'blob').map((k) => ({ path: k, message: 'unknown key beside "blob"' })),
      CONFIG_SETTING,
    );
  }
  const raw = (doc as { blob: unknown }).blob;
  if (typeof raw !== 'string') throw bad('expected the blob URL as a string');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('expected a URL like https://<account>.blob.core.windows.net/<container>/mailboxes.json');
  }
  const loopback = /^(127\.0\.0\.1|localhost)$/.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw bad('expected an https:// URL');
  if (url.search || url.username || url.password) {
    // A SAS token or credentials in the URL would be a secret in an app setting: the identity reads the blob.
    throw bad('no query string or credentials in the URL: the managed identity reads the blob');
  }
  if (url.pathname.split('/').filter(Boolean).length < (loopback ? 3 : 2)) {
    throw bad('expected <container>/<blob name> in the URL path');
  }
  return url.toString();
}

export async function openConfigBlob(url: string, credential: BlobCredential): Promise<ConfigBlob> {
  const { BlobClient } = await import('@azure/storage-blob');
  // The emulator speaks plain http on loopback; in Azure the URL is https (checked above).
  const client = new BlobClient(url, credential, {
    allowInsecureConnection: url.startsWith('http:'),
  } as never);
  const failed = (err: unknown): ConfigError => {
    const status = (err as { statusCode?: number }).statusCode;
    const why =
      status === 404
        ? 'the blob does not exist (upload it: docs/deploy.md)'
        : status === 403
          ? 'access denied: the identity needs Storage Blob Data Reader on the container'
          : `cannot read the blob (${status ? `HTTP ${status}` : err instanceof Error ? err.name : 'error'})`;
    return bad(why);
  };
  return {
    url,
    async read() {
      try {
        // One request: the content and the ETag of that very version.
        const res = await client.download();
        const chunks: Buffer[] = [];
        for await (const c of res.readableStreamBody ?? []) chunks.push(Buffer.from(c as Buffer));
        return { text: Buffer.concat(chunks).toString('utf8'), etag: res.etag ?? '' };
      } catch (err) {
        throw failed(err);
      }
    },
    async etag() {
      try {
        return (await client.getProperties()).etag ?? '';
      } catch (err) {
        throw failed(err);
      }
    },
  };
}

/** Reads and validates the document in the blob; errors name the blob and the field. */
export async function loadConfigBlob(blob: ConfigBlob): Promise<LoadedConfig & { etag: string }> {
  const { text, etag } = await blob.read();
  return { ...parseConfigText(text, `blob ${blob.url}`), etag };
}
