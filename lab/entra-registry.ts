/**
 * What the lab's Entra ID emulator knows: tenants, users, app registrations, mailbox grants, scripted behaviour
 * and request counters. Plain data, manipulated through the control API (`lab/control.ts`).
 */

export interface LabUser {
  upn: string;
  password: string;
  /** Delegated scopes this user consented to (short names, e.g. `IMAP.AccessAsUser.All`); absent = any. */
  scopes?: string[];
  mfaRequired?: boolean;
  /**
   * A Conditional Access location policy on the account: sign-ins only from these addresses (a named location,
   * e.g. the service desk's own egress IPs); any other source address is blocked with AADSTS53003. The lab sees
   * the monitor at 127.0.0.1.
   */
  signInAllowedFrom?: string[];
  locked?: boolean;
  disabled?: boolean;
  passwordExpired?: boolean;
  /** Object id; generated when absent. */
  oid?: string;
  tokenLifetimeSeconds?: number;
}

export interface LabSecret {
  value: string;
  /** ISO date; a secret past it is refused with AADSTS7000222. */
  expiresOn?: string;
}

export interface LabCertificateCredential {
  certPem: string;
}

export interface LabApp {
  clientId: string;
  displayName?: string;
  /** "Allow public client flows" (a step of the vendor's setup guide): ROPC without a secret. */
  publicClient?: boolean;
  secrets?: LabSecret[];
  certificates?: LabCertificateCredential[];
  /** Delegated permissions consented (short names); absent = any requested. */
  delegatedScopes?: string[];
  /** Application permissions consented (short names, e.g. `IMAP.AccessAsApp`). */
  appRoles?: string[];
  /** Mailboxes the app's service principal has FullAccess to (Exchange `Add-MailboxPermission`). */
  mailboxes?: string[];
  /** Service principal object id; generated when absent. */
  servicePrincipalId?: string;
  tokenLifetimeSeconds?: number;
}

export interface LabTenant {
  tenantId: string;
  /** Other names the tenant answers to in authority URLs (e.g. `contoso.onmicrosoft.com`). */
  domains?: string[];
  users: Map<string, LabUser>;
  apps: Map<string, LabApp>;
}

/**
 * One scripted answer to the next token request of an identity. Without `error`/`status` it only shapes the
 * successful token (latency, lifetime, scopes/roles).
 */
export interface EntraStep {
  latencyMs?: number;
  /** HTTP status: 429 and 5xx give a transient error body; 400/401 with `error` give that AADSTS error. */
  status?: number;
  retryAfterSeconds?: number;
  error?: { code: number; error?: string; description?: string; suberror?: string };
  tokenLifetimeSeconds?: number;
  scopes?: string[];
  roles?: string[];
  /** How many requests this step answers (default 1). */
  times?: number;
  /**
   * A raw body instead of Entra's JSON (with `status`, default 200): what a proxy or captive portal answers
   * (an HTML page, a truncated JSON).
   */
  body?: string;
  contentType?: string;
  /** Answer 400 quoting the whole request body in error_description, as some proxies (and Entra, reportedly) do. */
  echo?: boolean;
}

/** Identity key used for scripts and counters: `tenant/clientId/username` or `tenant/clientId/app`. */
export function identityKey(tenant: string, clientId: string, username?: string): string {
  return `${tenant.toLowerCase()}/${clientId.toLowerCase()}/${username ? username.toLowerCase() : 'app'}`;
}

export class EntraRegistry {
  readonly tenants = new Map<string, LabTenant>();
  readonly #scripts = new Map<string, EntraStep[]>();
  readonly #counters = new Map<string, number>();

  addTenant(tenantId: string, domains: string[] = []): LabTenant {
    const key = tenantId.toLowerCase();
    let t = this.tenants.get(key);
    if (!t) {
      t = { tenantId, domains, users: new Map(), apps: new Map() };
      this.tenants.set(key, t);
    } else {
      t.domains = [...new Set([...(t.domains ?? []), ...domains])];
    }
    return t;
  }

  /** Finds a tenant by id or one of its domains, as Entra resolves the authority's path segment. */
  findTenant(nameOrId: string): LabTenant | undefined {
    const k = nameOrId.toLowerCase();
    const direct = this.tenants.get(k);
    if (direct) return direct;
    for (const t of this.tenants.values()) if (t.domains?.some((d) => d.toLowerCase() === k)) return t;
    return undefined;
  }

  upsertUser(tenantId: string, user: LabUser): LabUser {
    const t = this.addTenant(tenantId);
    const prev = t.users.get(user.upn.toLowerCase());
    const next = { ...prev, ...user, oid: user.oid ?? prev?.oid ?? crypto.randomUUID() };
    t.users.set(user.upn.toLowerCase(), next);
    return next;
  }

  upsertApp(tenantId: string, app: LabApp): LabApp {
    const t = this.addTenant(tenantId);
    const prev = t.apps.get(app.clientId.toLowerCase());
    const next = {
      ...prev,
      ...app,
      servicePrincipalId: app.servicePrincipalId ?? prev?.servicePrincipalId ?? crypto.randomUUID(),
    };
    t.apps.set(app.clientId.toLowerCase(), next);
    return next;
  }

  /** Exchange `Add-MailboxPermission -AccessRights FullAccess` for the app's service principal. */
  grantMailbox(tenantId: string, clientId: string, mailbox: string): LabApp {
    const app = this.findTenant(tenantId)?.apps.get(clientId.toLowerCase());
    if (!app) throw new Error(`unknown app ${clientId} in tenant ${tenantId}`);
    const set = new Set((app.mailboxes ?? []).map((m) => m.toLowerCase()));
    set.add(mailbox.toLowerCase());
    app.mailboxes = [...set];
    return app;
  }

  revokeMailbox(tenantId: string, clientId: string, mailbox: string): void {
    const app = this.findTenant(tenantId)?.apps.get(clientId.toLowerCase());
    if (app) app.mailboxes = (app.mailboxes ?? []).filter((m) => m.toLowerCase() !== mailbox.toLowerCase());
  }

  /** Appends steps to an identity's queue of scripted answers. */
  script(key: string, steps: EntraStep[]): void {
    const q = this.#scripts.get(key.toLowerCase()) ?? [];
    q.push(...steps.map((s) => ({ ...s })));
    this.#scripts.set(key.toLowerCase(), q);
  }

  /** Takes the next scripted step for an identity, if any. */
  nextStep(key: string): EntraStep | undefined {
    const q = this.#scripts.get(key.toLowerCase());
    const step = q?.[0];
    if (!q || !step) return undefined;
    const times = (step.times ?? 1) - 1;
    if (times <= 0) q.shift();
    else step.times = times;
    return step;
  }

  count(key: string): number {
    const k = key.toLowerCase();
    const n = (this.#counters.get(k) ?? 0) + 1;
    this.#counters.set(k, n);
    return n;
  }

  counters(prefix = ''): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of this.#counters) if (k.startsWith(prefix.toLowerCase())) out[k] = v;
    return out;
  }

  /** Forgets scripts and counters whose key starts with `prefix` (all when empty). */
  reset(prefix = ''): void {
    const p = prefix.toLowerCase();
    for (const k of [...this.#scripts.keys()]) if (k.startsWith(p)) this.#scripts.delete(k);
    for (const k of [...this.#counters.keys()]) if (k.startsWith(p)) this.#counters.delete(k);
  }
}
