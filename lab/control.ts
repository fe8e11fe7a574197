/**
 * The lab's control endpoint: plain HTTP on 127.0.0.1 (a test-only side door, never TLS-relevant), JSON in and
 * out. Tests reach it through `LabClient` (lab/client.ts). Each lab component contributes its routes.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EntraEmulator } from './entra.js';
import type { EntraStep, LabApp, LabUser } from './entra-registry.js';

export type RouteHandler = (body: Record<string, unknown>, query: URLSearchParams) => unknown;
/** Keyed by `METHOD /path`, e.g. `POST /entra/users`. */
export type Routes = Record<string, RouteHandler>;

export class ControlServer {
  #server: Server | null = null;
  readonly #routes: Routes = {};
  port = 0;

  add(routes: Routes): void {
    Object.assign(this.#routes, routes);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body ?? null));
      };
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const handler = this.#routes[`${req.method} ${url.pathname}`];
      if (!handler) return send(404, { error: `no route ${req.method} ${url.pathname}` });
      readJson(req)
        .then((body) => handler(body, url.searchParams))
        .then(
          (out) => send(200, out),
          (err: unknown) => send(400, { error: err instanceof Error ? err.message : String(err) }),
        );
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
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  const v = JSON.parse(text) as unknown;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('body must be a JSON object');
  return v as Record<string, unknown>;
}

function str(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (typeof v !== 'string' || !v) throw new Error(`${key}: expected a non-empty string`);
  return v;
}

export function entraRoutes(entra: EntraEmulator): Routes {
  const r = entra.registry;
  return {
    'GET /health': () => ({ ok: true }),
    'POST /entra/tenants': (b) => {
      const t = r.addTenant(str(b, 'tenantId'), (b.domains as string[] | undefined) ?? []);
      return { tenantId: t.tenantId, domains: t.domains };
    },
    'POST /entra/users': (b) => {
      const { tenantId, ...user } = b;
      str(b, 'upn');
      return r.upsertUser(String(tenantId ?? str(b, 'tenantId')), user as unknown as LabUser);
    },
    'POST /entra/apps': (b) => {
      const { tenantId, ...app } = b;
      str(b, 'clientId');
      const out = r.upsertApp(String(tenantId ?? str(b, 'tenantId')), app as unknown as LabApp);
      entra.notifyAppAccessChanged();
      return entra
        .appAccessSettled()
        .then(() => ({ clientId: out.clientId, servicePrincipalId: out.servicePrincipalId }));
    },
    'POST /entra/grants': (b) => {
      if (b.revoke === true) r.revokeMailbox(str(b, 'tenantId'), str(b, 'clientId'), str(b, 'mailbox'));
      else r.grantMailbox(str(b, 'tenantId'), str(b, 'clientId'), str(b, 'mailbox'));
      entra.notifyAppAccessChanged();
      return entra.appAccessSettled().then(() => ({ ok: true }));
    },
    'POST /entra/script': (b) => {
      r.script(str(b, 'key'), (b.steps as EntraStep[] | undefined) ?? []);
      return { ok: true };
    },
    'GET /entra/counters': (_b, q) => r.counters(q.get('prefix') ?? ''),
    'POST /entra/mint': async (b) => {
      const token = entra.mintToken({
        tenantId: str(b, 'tenantId'),
        clientId: str(b, 'clientId'),
        ...(typeof b.upn === 'string' ? { upn: b.upn } : {}),
        ...(Array.isArray(b.scopes) ? { scopes: b.scopes as string[] } : {}),
        ...(Array.isArray(b.roles) ? { roles: b.roles as string[] } : {}),
        ...(typeof b.lifetimeSeconds === 'number' ? { lifetimeSeconds: b.lifetimeSeconds } : {}),
        ...(typeof b.resource === 'string' ? { resource: b.resource } : {}),
      });
      await entra.appAccessSettled();
      return token;
    },
    'POST /entra/validate': (b) => entra.validateAccessToken(str(b, 'token')),
    'POST /reset/entra': (b) => {
      r.reset(typeof b.prefix === 'string' ? b.prefix : '');
      return { ok: true };
    },
  };
}
