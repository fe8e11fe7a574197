/**
 * Entra ID emulator over HTTPS (node:https with the lab certificate). Serves OIDC metadata, JWKS, the v2.0 token
 * endpoint (ROPC, client credentials with a secret or a certificate assertion, refresh tokens) and an OAuth2
 * introspection endpoint for Dovecot. Tokens are RS256 JWTs with Exchange Online's claims; errors use Microsoft's
 * body shape so MSAL turns them into `ServerError`s exactly as against login.microsoftonline.com.
 */
import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EntraRegistry, identityKey, type LabApp, type LabTenant, type LabUser } from './entra-registry.js';
import { authenticateClient, type ClientAuthFailure } from './entra-client-auth.js';
import { parseJwt, signJwt, verifyJwtSignature, type JwtClaims } from './jwt.js';

export const DEFAULT_RESOURCE = 'https://outlook.office365.com';
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface AadError {
  status: number;
  error: string;
  code: number;
  description: string;
  suberror?: string;
  retryAfterSeconds?: number;
}

export type TokenCheck =
  | {
      ok: true;
      kind: 'delegated' | 'app';
      claims: JwtClaims;
      tenantId: string;
      appId: string;
      upn?: string;
      scopes: string[];
      roles: string[];
    }
  | { ok: false; reason: string };

interface RefreshGrant {
  tenantId: string;
  clientId: string;
  upn: string;
}

/** An app-only token the emulator issued, kept so mailbox grants can be applied to tokens already out. */
export interface IssuedAppToken {
  tenantId: string;
  clientId: string;
  token: string;
  roles: string[];
  expiresAt: number;
}

export class EntraEmulator extends EventEmitter {
  readonly registry = new EntraRegistry();
  readonly #key: KeyObject;
  readonly #jwk: Record<string, unknown>;
  readonly #kid = randomBytes(8).toString('hex');
  readonly #refresh = new Map<string, RefreshGrant>();
  #appTokens: IssuedAppToken[] = [];
  #server: Server | null = null;
  port = 0;

  constructor() {
    super();
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.#key = privateKey;
    this.#jwk = {
      ...publicKey.export({ format: 'jwk' }),
      kid: this.#kid,
      use: 'sig',
      kty: 'RSA',
      alg: 'RS256',
    };
  }

  /** `localhost:PORT`: the value for MSAL's `knownAuthorities` and the config's `cloud.authorityHost`. */
  get authorityHost(): string {
    return `localhost:${this.port}`;
  }
  get baseUrl(): string {
    return `https://${this.authorityHost}`;
  }
  tokenEndpoint(tenant: string): string {
    return `${this.baseUrl}/${tenant}/oauth2/v2.0/token`;
  }

  async start(tls: { cert: string; key: string }): Promise<void> {
    this.#server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`lab bug: ${String(err)}`);
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.#server;
    this.#server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Mailbox grants changed or an app token was issued: Dovecot's app-token passdb must be rewritten. */
  notifyAppAccessChanged(): void {
    this.emit('app-access-changed');
  }

  /** Waits registered by consumers of app access (Dovecot) until a change is visible to them. */
  readonly settleHooks: (() => Promise<void>)[] = [];
  /** Resolves when every consumer sees the latest grants and app tokens; answer the caller only after it. */
  async appAccessSettled(): Promise<void> {
    for (const h of this.settleHooks) await h();
  }

  /** Valid app-only tokens that may open `mailbox` over IMAP (role IMAP.AccessAsApp + FullAccess grant). */
  imapAppTokensByMailbox(now = Date.now()): Map<string, string[]> {
    this.#appTokens = this.#appTokens.filter((t) => t.expiresAt > now);
    const out = new Map<string, string[]>();
    for (const t of [...this.#appTokens].reverse()) {
      if (!t.roles.includes('IMAP.AccessAsApp')) continue;
      const app = this.registry.findTenant(t.tenantId)?.apps.get(t.clientId.toLowerCase());
      for (const m of app?.mailboxes ?? []) out.set(m, [...(out.get(m) ?? []), t.token]);
    }
    return out;
  }

  /** Earliest expiry among app tokens still held (for scheduling a passdb rewrite), or null. */
  nextAppTokenExpiry(): number | null {
    return this.#appTokens.reduce<number | null>(
      (m, t) => (m === null || t.expiresAt < m ? t.expiresAt : m),
      null,
    );
  }

  /** Checks signature, expiry and audience of an access token this emulator issued. */
  validateAccessToken(token: string, opts: { audience?: string; now?: number } = {}): TokenCheck {
    const jwt = parseJwt(token);
    if (!jwt || jwt.header.kid !== this.#kid || !verifyJwtSignature(jwt, this.#key)) {
      return { ok: false, reason: 'signature' };
    }
    const c = jwt.claims;
    const now = Math.floor((opts.now ?? Date.now()) / 1000);
    if (typeof c.exp !== 'number' || c.exp <= now) return { ok: false, reason: 'expired' };
    if (typeof c.nbf === 'number' && c.nbf > now + 300) return { ok: false, reason: 'not yet valid' };
    if (c.aud !== (opts.audience ?? DEFAULT_RESOURCE)) return { ok: false, reason: 'audience' };
    const scopes = typeof c.scp === 'string' ? c.scp.split(' ').filter(Boolean) : [];
    const roles = Array.isArray(c.roles) ? c.roles.map(String) : [];
    return {
      ok: true,
      kind: typeof c.scp === 'string' ? 'delegated' : 'app',
      claims: c,
      tenantId: String(c.tid),
      appId: String(c.appid),
      ...(typeof c.upn === 'string' ? { upn: c.upn } : {}),
      scopes,
      roles,
    };
  }

  /**
   * Exchange's authorization of a token for a mailbox: a delegated token needs `delegatedScope` and must belong
   * to the mailbox's user; an app-only token needs `appRole` and a FullAccess grant on the mailbox.
   */
  authorizeMailbox(
    token: string,
    mailbox: string,
    delegatedScope: string,
    appRole: string,
  ): { ok: true; kind: 'delegated' | 'app' } | { ok: false; reason: string } {
    const v = this.validateAccessToken(token);
    if (!v.ok) return v;
    const m = mailbox.toLowerCase();
    if (v.kind === 'delegated') {
      if (!v.scopes.includes(delegatedScope)) return { ok: false, reason: `missing scope ${delegatedScope}` };
      if (v.upn?.toLowerCase() !== m) return { ok: false, reason: 'token belongs to another user' };
      return { ok: true, kind: 'delegated' };
    }
    if (!v.roles.includes(appRole)) return { ok: false, reason: `missing role ${appRole}` };
    const app = this.registry.findTenant(v.tenantId)?.apps.get(v.appId.toLowerCase());
    if (!app?.mailboxes?.some((x) => x.toLowerCase() === m))
      return { ok: false, reason: 'no mailbox permission' };
    return { ok: true, kind: 'app' };
  }

  /** Issues a token directly (no HTTP): for tests that need a token but are not about getting one. */
  mintToken(opts: {
    tenantId: string;
    clientId: string;
    upn?: string;
    scopes?: string[];
    roles?: string[];
    lifetimeSeconds?: number;
    resource?: string;
  }): { access_token: string; expires_in: number } {
    const tenant = this.registry.addTenant(opts.tenantId);
    const app =
      tenant.apps.get(opts.clientId.toLowerCase()) ??
      this.registry.upsertApp(opts.tenantId, { clientId: opts.clientId });
    const lifetime = opts.lifetimeSeconds ?? 3600;
    const resource = opts.resource ?? DEFAULT_RESOURCE;
    if (opts.upn) {
      const user = tenant.users.get(opts.upn.toLowerCase()) ?? {
        upn: opts.upn,
        password: '',
        oid: randomUUID(),
      };
      const scp = opts.scopes ?? ['IMAP.AccessAsUser.All', 'SMTP.Send'];
      return {
        access_token: this.#accessToken(tenant, app, resource, lifetime, { user, scp }),
        expires_in: lifetime,
      };
    }
    const roles = opts.roles ?? ['IMAP.AccessAsApp', 'SMTP.SendAsApp'];
    return { access_token: this.#appToken(tenant, app, resource, lifetime, roles), expires_in: lifetime };
  }

  #accessToken(
    tenant: LabTenant,
    app: LabApp,
    resource: string,
    lifetime: number,
    who: { user: LabUser; scp: string[] } | { roles: string[] },
  ): string {
    const now = Math.floor(Date.now() / 1000);
    const base: JwtClaims = {
      aud: resource,
      iss: `https://sts.windows.net/${tenant.tenantId}/`,
      iat: now,
      nbf: now - 5,
      exp: now + lifetime,
      appid: app.clientId,
      app_displayname: app.displayName ?? app.clientId,
      tid: tenant.tenantId,
      ver: '1.0',
    };
    if ('user' in who) {
      return signJwt(
        {
          ...base,
          appidacr: app.publicClient ? '0' : '1',
          oid: who.user.oid,
          sub: who.user.oid,
          upn: who.user.upn,
          unique_name: who.user.upn,
          name: who.user.upn.split('@')[0],
          scp: who.scp.join(' '),
        },
        this.#key,
        this.#kid,
      );
    }
    return signJwt(
      { ...base, appidacr: '1', oid: app.servicePrincipalId, sub: app.servicePrincipalId, roles: who.roles },
      this.#key,
      this.#kid,
    );
  }

  #appToken(tenant: LabTenant, app: LabApp, resource: string, lifetime: number, roles: string[]): string {
    const token = this.#accessToken(tenant, app, resource, lifetime, { roles });
    this.#appTokens.push({
      tenantId: tenant.tenantId,
      clientId: app.clientId,
      token,
      roles,
      expiresAt: Date.now() + lifetime * 1000,
    });
    // A bounded history: enough for tokens held by several test files, small enough to rewrite often.
    if (this.#appTokens.length > 200) this.#appTokens.splice(0, this.#appTokens.length - 200);
    this.notifyAppAccessChanged();
    return token;
  }

  #idToken(tenant: LabTenant, app: LabApp, user: LabUser): string {
    const now = Math.floor(Date.now() / 1000);
    return signJwt(
      {
        aud: app.clientId,
        iss: `${this.baseUrl}/${tenant.tenantId}/v2.0`,
        iat: now,
        nbf: now,
        exp: now + 3600,
        name: user.upn.split('@')[0],
        oid: user.oid,
        preferred_username: user.upn,
        sub: user.oid,
        tid: tenant.tenantId,
        ver: '2.0',
      },
      this.#key,
      this.#kid,
    );
  }

  /** `https://<Host header>` when it names a loopback host, else this server's own base URL. */
  #origin(req: IncomingMessage): string {
    const host = req.headers.host ?? '';
    return /^(localhost|127\.0\.0\.1):\d{1,5}$/.test(host) ? `https://${host}` : this.baseUrl;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const path = url.pathname;
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    let m: RegExpMatchArray | null;
    if (
      req.method === 'GET' &&
      (m = path.match(/^\/([^/]+)\/(?:v2\.0\/)?\.well-known\/openid-configuration$/))
    ) {
      const tenant = this.registry.findTenant(m[1]!)?.tenantId ?? m[1]!;
      // Endpoints on the host the client asked for: behind the benchmarks' delay proxy the token request must go
      // through the proxy too (a reverse proxy that keeps the Host header).
      const b = `${this.#origin(req)}/${tenant}`;
      return send(200, {
        token_endpoint: `${b}/oauth2/v2.0/token`,
        authorization_endpoint: `${b}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${b}/oauth2/v2.0/devicecode`,
        end_session_endpoint: `${b}/oauth2/v2.0/logout`,
        issuer: `${b}/v2.0`,
        jwks_uri: `${b}/discovery/v2.0/keys`,
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        token_endpoint_auth_methods_supported: [
          'client_secret_post',
          'private_key_jwt',
          'client_secret_basic',
        ],
        tenant_region_scope: 'EU',
        cloud_instance_name: 'microsoftonline.com',
      });
    }
    if (req.method === 'GET' && /^\/[^/]+\/discovery\/(v2\.0\/)?keys$/.test(path)) {
      return send(200, { keys: [this.#jwk] });
    }
    if (req.method === 'GET' && path === '/common/discovery/instance') {
      const host = new URL(this.#origin(req)).host;
      return send(200, {
        tenant_discovery_endpoint: `${this.#origin(req)}/common/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      });
    }
    if (req.method === 'POST' && path === '/introspect') {
      const form = await readForm(req);
      const check = this.validateAccessToken(form.get('token') ?? '');
      // Dovecot compares `username` with the login user; app-only tokens go through the passwd-file passdb.
      if (
        check.ok &&
        check.kind === 'delegated' &&
        check.scopes.includes('IMAP.AccessAsUser.All') &&
        check.upn
      ) {
        return send(200, { active: 'true', username: check.upn });
      }
      return send(200, { active: 'false' });
    }
    if (req.method === 'POST' && (m = path.match(/^\/([^/]+)\/oauth2\/v2\.0\/token$/))) {
      const raw = (status: number, contentType: string, body: string) => {
        res.writeHead(status, { 'content-type': contentType });
        res.end(body);
      };
      return this.#token(m[1]!, await readForm(req), req, send, raw);
    }
    send(404, { error: 'not_found', error_description: `lab Entra: no route ${req.method} ${path}` });
  }

  async #token(
    tenantSegment: string,
    form: URLSearchParams,
    req: IncomingMessage,
    send: (status: number, body: unknown, headers?: Record<string, string>) => void,
    raw: (status: number, contentType: string, body: string) => void,
  ): Promise<void> {
    const correlationId = String(
      req.headers['client-request-id'] ?? form.get('client-request-id') ?? randomUUID(),
    );
    const fail = (e: AadError) => {
      const traceId = randomUUID();
      const timestamp = new Date()
        .toISOString()
        .replace('T', ' ')
        .replace(/\.(\d{3})Z$/, '.$1Z');
      const body: Record<string, unknown> = {
        error: e.error,
        error_description: `AADSTS${e.code}: ${e.description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
        error_codes: [e.code],
        timestamp,
        trace_id: traceId,
        correlation_id: correlationId,
        error_uri: `${this.baseUrl}/error?code=${e.code}`,
      };
      if (e.suberror) body.suberror = e.suberror;
      const headers: Record<string, string> = {};
      if (e.retryAfterSeconds !== undefined) headers['retry-after'] = String(e.retryAfterSeconds);
      send(e.status, body, headers);
    };
    const grant = form.get('grant_type') ?? '';
    const clientId = form.get('client_id') ?? '';
    const tenant = this.registry.findTenant(tenantSegment);
    const refreshGrant =
      grant === 'refresh_token' ? this.#refresh.get(form.get('refresh_token') ?? '') : undefined;
    const username = grant === 'password' ? (form.get('username') ?? '') : refreshGrant?.upn;
    const key = identityKey(tenant?.tenantId ?? tenantSegment, clientId, username);
    this.registry.count(key);
    const step = this.registry.nextStep(key);
    if (step?.latencyMs) await sleep(step.latencyMs);
    if (step?.body !== undefined) {
      return raw(step.status ?? 200, step.contentType ?? 'text/html; charset=utf-8', step.body);
    }
    if (step?.echo) {
      return fail({
        status: 400,
        error: 'invalid_request',
        code: 900144,
        description: `The request body must contain the following parameter: 'client_id'. Request body was: ${form.toString()}`,
      });
    }
    if (step && (step.error || (step.status ?? 0) >= 429)) {
      const status = step.status ?? (step.error?.error === 'invalid_client' ? 401 : 400);
      const transient = status === 429 || status >= 500;
      return fail({
        status,
        error: step.error?.error ?? (transient ? 'temporarily_unavailable' : 'invalid_request'),
        code: step.error?.code ?? (status === 429 ? 50196 : 90033),
        description:
          step.error?.description ??
          (transient ? 'A transient error has occurred. Please try again.' : 'Scripted lab error.'),
        ...(step.error?.suberror ? { suberror: step.error.suberror } : {}),
        ...(step.retryAfterSeconds !== undefined ? { retryAfterSeconds: step.retryAfterSeconds } : {}),
      });
    }
    if (!tenant) {
      return fail({
        status: 400,
        error: 'invalid_request',
        code: 90002,
        description: `Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      });
    }
    const app = tenant.apps.get(clientId.toLowerCase());
    if (!app) {
      return fail({
        status: 400,
        error: 'unauthorized_client',
        code: 700016,
        description: `Application with identifier '${clientId}' was not found in the directory '${tenant.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
      });
    }
    const clientAuth = authenticateClient(
      app,
      form,
      grant,
      this.tokenEndpoint(tenantSegment),
      tenant.tenantId,
    );
    if (clientAuth) return fail(clientAuthError(clientAuth));
    const lifetime = step?.tokenLifetimeSeconds ?? app.tokenLifetimeSeconds ?? 3600;
    const requested = (form.get('scope') ?? '').split(' ').filter(Boolean);
    const resourceScopes = requested.filter((s) => !OIDC_SCOPES.has(s));
    const resource = resourceScopes[0]?.match(/^(https?:\/\/[^/]+)\//)?.[1] ?? DEFAULT_RESOURCE;
    const shortNames = resourceScopes.map((s) => s.replace(/^https?:\/\/[^/]+\//, ''));

    if (grant === 'client_credentials') {
      if (shortNames.length !== 1 || shortNames[0] !== '.default') {
        return fail({
          status: 400,
          error: 'invalid_scope',
          code: 1002012,
          description: `The provided value for scope ${requested.join(' ')} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
        });
      }
      const roles = step?.roles ?? app.appRoles ?? [];
      const access = this.#appToken(tenant, app, resource, lifetime, roles);
      await this.appAccessSettled();
      return send(200, {
        token_type: 'Bearer',
        expires_in: lifetime,
        ext_expires_in: lifetime,
        access_token: access,
      });
    }
    if (grant !== 'password' && grant !== 'refresh_token') {
      return fail({
        status: 400,
        error: 'unsupported_grant_type',
        code: 70003,
        description: `The app requested an unsupported grant type '${grant}'.`,
      });
    }
    if (
      grant === 'refresh_token' &&
      (!refreshGrant || refreshGrant.clientId.toLowerCase() !== clientId.toLowerCase())
    ) {
      return fail({
        status: 400,
        error: 'invalid_grant',
        code: 9002313,
        description: 'Invalid request. Request is malformed or invalid.',
      });
    }
    const user = tenant.users.get((username ?? '').toLowerCase());
    const userError = checkUser(
      user,
      username ?? '',
      tenant,
      grant === 'password' ? form.get('password') : null,
      sourceAddress(req),
    );
    if (userError) return fail(userError);
    const wanted = shortNames.includes('.default') ? (app.delegatedScopes ?? []) : shortNames;
    const missing = wanted.filter(
      (s) =>
        (app.delegatedScopes && !app.delegatedScopes.includes(s)) ||
        (user!.scopes && !user!.scopes.includes(s)),
    );
    if (missing.length > 0) {
      return fail({
        status: 400,
        error: 'invalid_grant',
        code: 65001,
        suberror: 'consent_required',
        description: `The user or administrator has not consented to use the application with ID '${app.clientId}' named '${app.displayName ?? app.clientId}'. Send an interactive authorization request for this user and resource.`,
      });
    }
    const scp = step?.scopes ?? wanted;
    const refreshToken = randomBytes(32).toString('base64url');
    this.#refresh.set(refreshToken, { tenantId: tenant.tenantId, clientId: app.clientId, upn: user!.upn });
    send(200, {
      token_type: 'Bearer',
      scope: scp.map((s) => `${resource}/${s}`).join(' '),
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: this.#accessToken(tenant, app, resource, lifetime, { user: user!, scp }),
      refresh_token: refreshToken,
      id_token: this.#idToken(tenant, app, user!),
      // MSAL builds the cached account's home id from client_info (uid.utid); acquireTokenSilent needs it.
      client_info: Buffer.from(JSON.stringify({ uid: user!.oid, utid: tenant.tenantId })).toString(
        'base64url',
      ),
    });
  }
}

/** The account checks Entra makes for ROPC (password given) and refresh (password null), in Entra's order. */
function checkUser(
  user: LabUser | undefined,
  username: string,
  tenant: LabTenant,
  password: string | null,
  from: string,
): AadError | null {
  const err = (code: number, description: string, suberror?: string): AadError => ({
    status: 400,
    error: 'invalid_grant',
    code,
    description,
    ...(suberror ? { suberror } : {}),
  });
  if (!user) {
    return err(
      50034,
      `The user account {EUII Hidden} does not exist in the ${tenant.tenantId} directory. To sign into this application, the account must be added to the directory.`,
    );
  }
  if (user.locked) {
    return err(
      50053,
      "Your account is locked. You've tried to sign in too many times with an incorrect user ID or password.",
    );
  }
  if (password !== null && password !== user.password) {
    return err(50126, 'Error validating credentials due to invalid username or password.');
  }
  if (user.disabled) return err(50057, 'The user account is disabled.');
  if (user.passwordExpired) return err(50055, 'The password is expired.', 'user_password_expired');
  // Conditional Access is evaluated after the credentials are verified (the sign-in log shows "Success" for the
  // first factor and "Failure" for CA), so a wrong password still reports 50126 first.
  if (user.signInAllowedFrom && !user.signInAllowedFrom.includes(from)) {
    return err(
      53003,
      'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
    );
  }
  if (user.mfaRequired) {
    return err(
      50076,
      `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${DEFAULT_RESOURCE}'.`,
      'basic_action',
    );
  }
  void username;
  return null;
}

/** The client's address as Entra would see it (IPv4-mapped IPv6 written as IPv4). */
function sourceAddress(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

function clientAuthError(f: ClientAuthFailure): AadError {
  return { status: 401, error: 'invalid_client', code: f.code, description: f.description };
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 1_000_000) throw new Error('request body too large');
    chunks.push(c as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
