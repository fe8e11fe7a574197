/**
 * The process-wide token cache: one MSAL client per identity (authority, tenant, client, credential kind, user,
 * scopes) and credential (a keyed hash of the secret or certificate, see token-source.ts), the last grant of each, and the acquisition in flight — so IMAP and SMTP of one mailbox, and every
 * mailbox of one app, share one token request within a warm Functions process. Tokens are renewed
 * `renewBeforeMs` ahead of expiry (MSAL itself treats tokens as expired 300 s early).
 */
import type { AccountInfo, ConfidentialClientApplication, PublicClientApplication } from '@azure/msal-node';
import type { TokenClaims, TokenOutcome } from './ports.js';
import type { GrantKind } from './claims.js';
import type { RetryingNetworkClient } from './network-client.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
import { realSleep, type Sleep } from './network-client.js';
import type { GrantVault } from './token-vault.js';

export interface CachedGrant {
  accessToken: string;
  expiresOn: Date;
  claims: TokenClaims;
  kind: GrantKind;
}

/** One identity's state. Held in memory only; never serialised or logged. */
export interface CacheEntry {
  /** The keyed hash of the credential that is part of this entry's key (never the secret itself). */
  credentialFingerprint: string;
  network: RetryingNetworkClient;
  /** The MSAL client, made on the first network acquisition (token-source.ts). */
  app?: PublicClientApplication | ConfidentialClientApplication;
  account?: AccountInfo;
  grant?: CachedGrant;
  inflight?: Promise<TokenOutcome>;
  /** Acquisitions that went to the network (not answered from this cache). */
  networkAcquisitions: number;
}

export interface TokenCacheOptions {
  /** Renew this long before the token expires. Default 5 minutes. */
  renewBeforeMs?: number;
  retryPolicy?: RetryPolicy;
  /** How the network client waits between retries (tests pass a fast or recording one). */
  sleep?: Sleep;
  /** Where grants outlive the process (the CLI's state directory, token-vault.ts); none by default. */
  vault?: GrantVault;
}

export class TokenCache {
  readonly renewBeforeMs: number;
  readonly retryPolicy: RetryPolicy;
  readonly sleep: Sleep;
  readonly vault: GrantVault | undefined;
  readonly #entries = new Map<string, CacheEntry>();

  constructor(options: TokenCacheOptions = {}) {
    this.renewBeforeMs = options.renewBeforeMs ?? 5 * 60_000;
    this.retryPolicy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.sleep = options.sleep ?? realSleep;
    this.vault = options.vault;
  }

  get(key: string): CacheEntry | undefined {
    return this.#entries.get(key);
  }

  set(key: string, entry: CacheEntry): void {
    this.#entries.set(key, entry);
  }

  /** A grant still usable at `now` (not within the renewal margin of its expiry). */
  freshGrant(key: string, now: Date): CachedGrant | undefined {
    const grant = this.#entries.get(key)?.grant;
    return grant && this.isFresh(grant, now) ? grant : undefined;
  }

  isFresh(grant: CachedGrant, now: Date): boolean {
    return grant.expiresOn.getTime() - this.renewBeforeMs > now.getTime();
  }

  /** Network acquisitions per identity key, for tests and diagnostics (keys hold no secret). */
  stats(): Map<string, number> {
    return new Map([...this.#entries].map(([k, e]) => [k, e.networkAcquisitions]));
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** The cache every mailbox and every invocation in this process shares. */
export const processTokenCache = new TokenCache();
