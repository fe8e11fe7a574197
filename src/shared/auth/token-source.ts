/**
 * `createTokenSource(mailbox, deps)`: the mailbox's access token, obtained the way the service desk obtains it —
 * ROPC with a public client (the vendor guide's setup), or app-only client credentials with a secret or a
 * certificate — through @azure/msal-node, shared through the process-wide TokenCache.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type {
  AuthenticationResult,
  ConfidentialClientApplication,
  Configuration,
  PublicClientApplication,
} from '@azure/msal-node';
import type { Clock } from '../clock.js';
import type { MailboxConfig } from '../config/load.js';
import type { SecretResolver } from '../config/secrets.js';
import type { Logger } from '../logger.js';
import type { Deadline } from '../deadline.js';
import type { TokenGrant, TokenOutcome, TokenSource } from './ports.js';
import { normalizePrivateKey, readCertificatePem } from './certificate.js';
import { decodeClaims } from './claims.js';
import { processScrubber, type Scrubber } from '../faults/index.js';
import { classifyAuthError } from './classify.js';
import { identityOf, type Identity } from './identity.js';
import { RetryingNetworkClient, type AttemptLog } from './network-client.js';
import { processTokenCache, type CacheEntry, type CachedGrant, type TokenCache } from './token-cache.js';

export interface TokenSourceDeps {
  secrets: SecretResolver;
  clock: Clock;
  logger: Logger;
  cache?: TokenCache;
  /** The mailbox run's deadline: retries never wait past it. Without one, 30 s from the acquisition's start. */
  deadline?: Deadline;
}

type Credential =
  | { mode: 'password'; password: string }
  | { mode: 'clientSecret'; clientSecret: string }
  | { mode: 'certificate'; thumbprintSha256: string; privateKey: string; x5c: string };

/** Reads the credential when it is needed (never at load time). Throws SecretError / CertificateError. */
function readCredential(mailbox: MailboxConfig, secrets: SecretResolver): Credential {
  const field = (f: string) => `mailbox "${mailbox.id}" auth.${f}`;
  const auth = mailbox.auth;
  if (auth.mode === 'password')
    return { mode: 'password', password: secrets(auth.password, field('password')) };
  if (auth.mode === 'clientSecret')
    return { mode: 'clientSecret', clientSecret: secrets(auth.clientSecret, field('clientSecret')) };
  const certPem = secrets(auth.certificate, field('certificate'));
  const keyPem = secrets(auth.privateKey, field('privateKey'));
  const info = readCertificatePem(certPem);
  return {
    mode: 'certificate',
    thumbprintSha256: info.thumbprintSha256,
    privateKey: normalizePrivateKey(keyPem, certPem),
    x5c: info.x5c,
  };
}

/**
 * Keyed so that the fingerprint — part of a cache key, which tests and diagnostics may print — reveals nothing
 * about the secret even to someone who can guess candidates: the key lives only in this process's memory.
 */
const FINGERPRINT_KEY = randomBytes(32);

/**
 * A keyed hash of the credential itself (the resolved secret, or the certificate thumbprint and its private
 * key — never the secret): two mailboxes of one app share a token only when they would authenticate
 * identically, so a mailbox configured with a wrong or expired secret never borrows its neighbour's token.
 */
function fingerprint(c: Credential): string {
  return createHmac('sha256', FINGERPRINT_KEY).update(materialOf(c)).digest('hex').slice(0, 32);
}

/** What identifies the credential itself: the fingerprint's input, and the key of its sealed grant. */
function materialOf(c: Credential): string {
  const material =
    c.mode === 'password'
      ? c.password
      : c.mode === 'clientSecret'
        ? c.clientSecret
        : c.thumbprintSha256 + '\0' + c.privateKey;
  return `${c.mode}\0${material}`;
}

/** The identity's own secrets, for the scrubber (the certificate is public; its private key is not). */
function secretsOf(c: Credential): string[] {
  return c.mode === 'password' ? [c.password] : c.mode === 'clientSecret' ? [c.clientSecret] : [c.privateKey];
}

function newEntry(cred: Credential, cache: TokenCache, clock: Clock): CacheEntry {
  const network = new RetryingNetworkClient(cache.retryPolicy, cache.sleep, () => clock.now().getTime());
  return { credentialFingerprint: fingerprint(cred), network, networkAcquisitions: 0 };
}

/**
 * The identity's MSAL client, made on its first network acquisition: MSAL is loaded only then, so a process
 * that never asks Entra for a token (the status page, a run answered from the cache) never parses it.
 */
async function appOf(
  entry: CacheEntry,
  id: Identity,
  cred: Credential,
): Promise<PublicClientApplication | ConfidentialClientApplication> {
  if (entry.app) return entry.app;
  const { ConfidentialClientApplication, LogLevel, PublicClientApplication } =
    await import('@azure/msal-node');
  const system: Configuration['system'] = {
    networkClient: entry.network,
    // MSAL's own log stays off: even with PII disabled it is not ours to vet for secrets.
    loggerOptions: { piiLoggingEnabled: false, logLevel: LogLevel.Error, loggerCallback: () => undefined },
  };
  const auth = { clientId: id.clientId, authority: id.authority, knownAuthorities: id.knownAuthorities };
  let app: PublicClientApplication | ConfidentialClientApplication;
  if (cred.mode === 'password') app = new PublicClientApplication({ auth, system });
  else if (cred.mode === 'clientSecret')
    app = new ConfidentialClientApplication({ auth: { ...auth, clientSecret: cred.clientSecret }, system });
  else
    app = new ConfidentialClientApplication({
      auth: {
        ...auth,
        clientCertificate: {
          thumbprintSha256: cred.thumbprintSha256,
          privateKey: cred.privateKey,
          x5c: cred.x5c,
        },
      },
      system,
    });
  entry.app = app;
  return app;
}

/** One network acquisition. Our cache already decided a new token is needed, so MSAL's cache is bypassed. */
async function requestToken(
  entry: CacheEntry,
  id: Identity,
  cred: Credential,
  log: AttemptLog,
): Promise<AuthenticationResult | null> {
  const client = await appOf(entry, id, cred);
  if (cred.mode !== 'password') {
    const app = client as ConfidentialClientApplication;
    return app.acquireTokenByClientCredential({ scopes: id.scopes, skipCache: true });
  }
  const app = client as PublicClientApplication;
  if (entry.account) {
    // ROPC always calls the network; a refresh token from the last sign-in renews without resending the password.
    try {
      return await app.acquireTokenSilent({ account: entry.account, scopes: id.scopes, forceRefresh: true });
    } catch (err) {
      // Entra throttled or down: a password sign-in now would only meet the same outage (and cost retries).
      if (log.lastTransient || log.aborted) throw err;
      // Refresh token expired or revoked (700082, 50173, 70043 …): sign in again; a real problem shows there.
      entry.account = undefined;
    }
  }
  // The vendor's setup is ROPC; msal-node marks it deprecated but keeps it (docs/exchange-online.md).
  return app.acquireTokenByUsernamePassword({
    scopes: id.scopes,
    username: id.user!,
    password: cred.password,
  });
}

function toGrant(result: AuthenticationResult, id: Identity, now: Date): CachedGrant {
  const claims = decodeClaims(result.accessToken) ?? {};
  const expiresOn =
    result.expiresOn ??
    (claims.exp !== undefined ? new Date(claims.exp * 1000) : new Date(now.getTime() + 3_600_000));
  return { accessToken: result.accessToken, expiresOn, claims, kind: id.kind };
}

function outcomeOf(grant: CachedGrant, fromCache: boolean, retries: number): TokenOutcome {
  const g: TokenGrant = { ...grant, fromCache, retries };
  return { ok: true, grant: g };
}

/** Waits for a shared acquisition, but no longer than this caller's own deadline. */
function untilAborted(
  work: Promise<TokenOutcome>,
  signal: AbortSignal | undefined,
  host: string,
): Promise<TokenOutcome> {
  if (!signal) return work;
  const timedOut = (): TokenOutcome => ({
    ok: false,
    failure: classifyAuthError(undefined, { requests: 0, tokenRequests: 0, retries: 0, aborted: true }, host),
  });
  if (signal.aborted) return Promise.resolve(timedOut());
  return new Promise((resolve) => {
    const onAbort = () => resolve(timedOut());
    signal.addEventListener('abort', onAbort, { once: true });
    void work.then((o) => {
      signal.removeEventListener('abort', onAbort);
      resolve(o);
    });
  });
}

export function createTokenSource(mailbox: MailboxConfig, deps: TokenSourceDeps): TokenSource {
  const cache = deps.cache ?? processTokenCache;
  const id = identityOf(mailbox);

  async function acquireFromNetwork(
    entry: CacheEntry,
    cred: Credential,
    scrubber: Scrubber,
    signal?: AbortSignal,
  ): Promise<TokenOutcome> {
    const started = deps.clock.now().getTime();
    const remainingMs = () =>
      deps.deadline
        ? deps.deadline.remainingMs()
        : Math.max(0, started + 30_000 - deps.clock.now().getTime());
    const log: AttemptLog = { requests: 0, tokenRequests: 0, retries: 0 };
    entry.network.begin({ log, remainingMs, ...(signal ? { signal } : {}) });
    entry.networkAcquisitions++;
    try {
      const result = await requestToken(entry, id, cred, log);
      if (!result?.accessToken) throw new Error('MSAL returned no access token');
      const grant = toGrant(result, id, deps.clock.now());
      entry.grant = grant;
      cache.vault?.save(id.key, materialOf(cred), grant);
      if (result.account) entry.account = result.account;
      deps.logger.debug('token acquired', {
        mailbox: mailbox.id,
        kind: id.kind,
        retries: log.retries,
        expiresInSeconds: Math.round((grant.expiresOn.getTime() - deps.clock.now().getTime()) / 1000),
      });
      return outcomeOf(grant, false, log.retries);
    } catch (err) {
      if (signal?.aborted) log.aborted = true;
      const failure = classifyAuthError(err, log, id.authorityHost, scrubber);
      deps.logger.debug('token acquisition failed', {
        mailbox: mailbox.id,
        code: failure.code,
        retries: log.retries,
      });
      return { ok: false, failure };
    } finally {
      entry.network.end();
    }
  }

  /** The last grant handed out, for `forget`. */
  let handedOut: { key: string; accessToken: string } | undefined;
  const handOut = (key: string, o: TokenOutcome): TokenOutcome => {
    if (o.ok) handedOut = { key, accessToken: o.grant.accessToken };
    return o;
  };

  return {
    forget(scope) {
      if (!handedOut) return;
      if (scope === 'everywhere') {
        const entry = cache.get(handedOut.key);
        if (entry?.grant?.accessToken === handedOut.accessToken) entry.grant = undefined;
      }
      cache.vault?.discard(id.key);
      handedOut = undefined;
    },
    async acquire(signal?: AbortSignal): Promise<TokenOutcome> {
      const sig = signal ?? deps.deadline?.signal;
      // The credential is read first: the cache key includes its fingerprint (see `fingerprint`).
      let cred: Credential;
      try {
        cred = readCredential(mailbox, deps.secrets);
      } catch (err) {
        return {
          ok: false,
          failure: classifyAuthError(err, { requests: 0, tokenRequests: 0, retries: 0 }, id.authorityHost),
        };
      }
      const key = `${id.key}|${fingerprint(cred)}`;
      const fresh = cache.freshGrant(key, deps.clock.now());
      if (fresh) return handOut(key, outcomeOf(fresh, true, 0));
      const existing = cache.get(key);
      if (existing?.inflight) {
        // IMAP and SMTP of one mailbox, or another mailbox of the same app, already asked: share that request.
        const shared = await untilAborted(existing.inflight, sig, id.authorityHost);
        return handOut(key, shared.ok ? outcomeOf(shared.grant, true, shared.grant.retries) : shared);
      }
      let entry = existing;
      if (!entry) {
        entry = newEntry(cred, cache, deps.clock);
        cache.set(key, entry);
      }
      // A grant an earlier process sealed with this very credential (the CLI's state directory).
      const kept = cache.vault?.load(id.key, materialOf(cred));
      if (kept && kept.kind === id.kind && cache.isFresh(kept, deps.clock.now())) {
        entry.grant = kept;
        return handOut(key, outcomeOf(kept, true, 0));
      }
      const e = entry;
      e.inflight = acquireFromNetwork(e, cred, processScrubber.with(secretsOf(cred)), sig).finally(() => {
        e.inflight = undefined;
      });
      return handOut(key, await e.inflight);
    },
  };
}
