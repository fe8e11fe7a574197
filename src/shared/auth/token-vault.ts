/**
 * Access tokens kept between CLI runs, in the state directory (`state.tables: { "directory": … }`), so that a
 * Nagios or cron run every few minutes asks Entra for a token once per token lifetime, as the Function App does in
 * its warm process — not once per run.
 *
 * A token is a bearer credential, so it is never written in clear:
 * - each identity's grant is sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the credential that
 *   obtained it — the client secret, the certificate's private key or the password — which the state directory
 *   does not hold. A copy of the directory alone opens nothing; a rotated secret cannot open the old grant, so the
 *   next run signs in with the new one (and proves it works);
 * - the file is named by a hash of the identity (authority, tenant, client, user, scopes), mode 0600, in the
 *   state directory (0700), written to a temporary file and renamed over the old one.
 * Anything unreadable — another version, a torn file, a changed credential — is a miss: the run asks Entra.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CachedGrant } from './token-cache.js';

export interface GrantVault {
  /** The identity's sealed grant, opened with the credential's material; undefined when absent or unreadable. */
  load(identityKey: string, credentialMaterial: string): CachedGrant | undefined;
  save(identityKey: string, credentialMaterial: string, grant: CachedGrant): void;
  discard(identityKey: string): void;
}

const VERSION = 1;
const FOLDER = 'token-vault';

interface Sealed {
  v: number;
  iv: string;
  data: string;
  tag: string;
}

function fileId(identityKey: string): string {
  return createHash('sha256').update(identityKey).digest('hex').slice(0, 40);
}

function keyFor(identityKey: string, credentialMaterial: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', credentialMaterial, 'mailbox-health token vault', `v${VERSION}\0${identityKey}`, 32),
  );
}

/** A vault in `<state directory>/token-vault/`. */
export function directoryGrantVault(stateDirectory: string): GrantVault {
  const dir = join(resolve(stateDirectory), FOLDER);
  const fileOf = (identityKey: string) => join(dir, `${fileId(identityKey)}.sealed`);
  return {
    load(identityKey, credentialMaterial) {
      let sealed: Sealed;
      try {
        sealed = JSON.parse(readFileSync(fileOf(identityKey), 'utf8')) as Sealed;
      } catch {
        return undefined;
      }
      if (sealed?.v !== VERSION) return undefined;
      try {
        const decipher = createDecipheriv(
          'aes-256-gcm',
          keyFor(identityKey, credentialMaterial),
          Buffer.from(sealed.iv, 'base64'),
        );
        decipher.setAAD(Buffer.from(fileId(identityKey)));
        decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
        const plain = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
        const g = JSON.parse(plain.toString('utf8')) as Omit<CachedGrant, 'expiresOn'> & {
          expiresOn: string;
        };
        const expiresOn = new Date(g.expiresOn);
        if (typeof g.accessToken !== 'string' || Number.isNaN(expiresOn.getTime())) return undefined;
        return { accessToken: g.accessToken, expiresOn, claims: g.claims ?? {}, kind: g.kind };
      } catch {
        // Another credential sealed it (rotated secret), or the file was altered: not ours to use.
        return undefined;
      }
    },
    save(identityKey, credentialMaterial, grant) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keyFor(identityKey, credentialMaterial), iv);
      cipher.setAAD(Buffer.from(fileId(identityKey)));
      const data = Buffer.concat([cipher.update(JSON.stringify(grant), 'utf8'), cipher.final()]);
      const sealed: Sealed = {
        v: VERSION,
        iv: iv.toString('base64'),
        data: data.toString('base64'),
        tag: cipher.getAuthTag().toString('base64'),
      };
      const file = fileOf(identityKey);
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        writeFileSync(tmp, JSON.stringify(sealed), { mode: 0o600 });
        renameSync(tmp, file);
      } catch {
        // A vault that cannot be written costs the next run one token request, nothing else.
        rmSync(tmp, { force: true });
      }
    },
    discard(identityKey) {
      rmSync(fileOf(identityKey), { force: true });
    },
  };
}
