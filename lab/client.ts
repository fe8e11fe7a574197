/**
 * Typed client for the lab's control API. Tests get one from `test/helpers/lab.ts` (`lab()`), scripts build one
 * from the endpoints JSON. Use unique tenants/users/apps per test file (`lab.unique('x')`) so files run in parallel.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { LabEndpoints } from './endpoints.js';
import type { EntraStep, LabApp, LabUser } from './entra-registry.js';

export type { EntraStep, LabApp, LabUser } from './entra-registry.js';
export type { LabEndpoints } from './endpoints.js';

/** One scripted SMTP reply for a user at a stage of the session. */
export interface SmtpStep {
  at: 'auth' | 'mail' | 'rcpt' | 'data';
  /** e.g. 535 */
  code: number;
  /** e.g. `5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. …` */
  message: string;
  times?: number;
}

export interface CapturedMessage {
  user: string;
  authKind: 'delegated' | 'app';
  from: string;
  to: string[];
  raw: string;
  receivedAt: string;
}

export interface SeedMessage {
  raw: string;
  flags?: string[];
  /** ISO date: the message's INTERNALDATE (when it "arrived"). */
  internalDate?: string;
}

export interface TokenResponse {
  access_token: string;
  expires_in: number;
}

export type TokenCheckResult =
  | {
      ok: true;
      kind: 'delegated' | 'app';
      tenantId: string;
      appId: string;
      upn?: string;
      scopes: string[];
      roles: string[];
    }
  | { ok: false; reason: string };

export class LabClient {
  constructor(readonly endpoints: LabEndpoints) {}

  async #call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.endpoints.controlUrl + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as unknown;
    if (!res.ok)
      throw new Error(`lab ${method} ${path}: ${(json as { error?: string }).error ?? res.status}`);
    return json as T;
  }

  /** A unique name with a readable prefix, e.g. `unique('svc')` → `svc-3f9a1c`. */
  unique(prefix: string): string {
    return `${prefix}-${randomBytes(4).toString('hex')}`;
  }

  /** Authority URL for MSAL: `https://localhost:PORT/<tenant>`; pair with `knownAuthorities: [authorityHost]`. */
  authority(tenant: string): string {
    return `${this.endpoints.entraBaseUrl}/${tenant}`;
  }
  get authorityHost(): string {
    return this.endpoints.authorityHost;
  }

  // ── Entra ──────────────────────────────────────────────────────────────────────────────────────────────────
  addTenant(tenantId: string, domains: string[] = []): Promise<{ tenantId: string }> {
    return this.#call('POST', '/entra/tenants', { tenantId, domains });
  }
  /** Creates or updates (merges) a user. */
  addUser(tenantId: string, user: LabUser): Promise<LabUser> {
    return this.#call('POST', '/entra/users', { tenantId, ...user });
  }
  /** Creates or updates (merges) an app registration. */
  addApp(tenantId: string, app: LabApp): Promise<{ clientId: string; servicePrincipalId: string }> {
    return this.#call('POST', '/entra/apps', { tenantId, ...app });
  }
  /** Exchange `Add-MailboxPermission` for the app (app-only IMAP/SMTP to that mailbox). */
  grantMailbox(tenantId: string, clientId: string, mailbox: string): Promise<void> {
    return this.#call('POST', '/entra/grants', { tenantId, clientId, mailbox });
  }
  revokeMailbox(tenantId: string, clientId: string, mailbox: string): Promise<void> {
    return this.#call('POST', '/entra/grants', { tenantId, clientId, mailbox, revoke: true });
  }
  /** Queues scripted answers for an identity's next token requests (see `identityKey`). */
  scriptEntra(key: string, steps: EntraStep[]): Promise<void> {
    return this.#call('POST', '/entra/script', { key, steps });
  }
  /** Token requests counted per identity key, filtered by key prefix. */
  entraCounters(prefix = ''): Promise<Record<string, number>> {
    return this.#call('GET', `/entra/counters?prefix=${encodeURIComponent(prefix)}`);
  }
  async tokenRequests(key: string): Promise<number> {
    return (await this.entraCounters(key))[key.toLowerCase()] ?? 0;
  }
  /** A token issued directly (no MSAL): delegated when `upn` is given, else app-only. */
  mintToken(opts: {
    tenantId: string;
    clientId: string;
    upn?: string;
    scopes?: string[];
    roles?: string[];
    lifetimeSeconds?: number;
    resource?: string;
  }): Promise<TokenResponse> {
    return this.#call('POST', '/entra/mint', opts);
  }
  /**
   * A mailbox user with a delegated IMAP token minted for it directly — for tests and benchmarks that measure
   * what happens after sign-in, not the sign-in. Returns the token (an hour's unless said otherwise).
   */
  async imapUser(tenantId: string, clientId: string, upn: string, lifetimeSeconds = 3600): Promise<string> {
    const scopes = ['IMAP.AccessAsUser.All'];
    await this.addUser(tenantId, { upn, password: randomUUID(), scopes });
    return (await this.mintToken({ tenantId, clientId, upn, scopes, lifetimeSeconds })).access_token;
  }
  validateToken(token: string): Promise<TokenCheckResult> {
    return this.#call('POST', '/entra/validate', { token });
  }
  resetEntra(prefix = ''): Promise<void> {
    return this.#call('POST', '/reset/entra', { prefix });
  }

  // ── SMTP ───────────────────────────────────────────────────────────────────────────────────────────────────
  scriptSmtp(user: string, steps: SmtpStep[]): Promise<void> {
    return this.#call('POST', '/smtp/script', { user, steps });
  }
  smtpMessages(user: string): Promise<CapturedMessage[]> {
    return this.#call('GET', `/smtp/messages?user=${encodeURIComponent(user)}`);
  }
  /** Connections per user: total authenticated, open now, most open at once. */
  smtpStats(user: string): Promise<{ connections: number; current: number; maxConcurrent: number }> {
    return this.#call('GET', `/smtp/stats?user=${encodeURIComponent(user)}`);
  }
  resetSmtp(user: string): Promise<void> {
    return this.#call('POST', '/smtp/reset', { user });
  }

  // ── IMAP (Dovecot) ─────────────────────────────────────────────────────────────────────────────────────────
  /** APPENDs messages with chosen flags and INTERNALDATE; the folder is created when missing. Returns UIDs. */
  seedMessages(user: string, folder: string, messages: SeedMessage[]): Promise<{ uids: number[] }> {
    return this.#call('POST', '/imap/seed', { user, folder, messages });
  }
  /** Messages (UID, flags, INTERNALDATE, size, Message-ID) of a folder, read through the lab's own login. */
  listMessages(
    user: string,
    folder: string,
  ): Promise<{ uid: number; flags: string[]; internalDate: string; size: number; messageId: string }[]> {
    return this.#call(
      'GET',
      `/imap/messages?user=${encodeURIComponent(user)}&folder=${encodeURIComponent(folder)}`,
    );
  }
}
