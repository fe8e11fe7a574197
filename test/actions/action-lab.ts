/**
 * A service-desk mailbox on the lab's Dovecot with the real `mailboxAction` handler served on a local port: the
 * Function App's deps (Entra emulator, Dovecot, Azurite tables), a key and a base URL as app settings, every log
 * line kept for the canary scan, telemetry events recorded. Shared by the action tests.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createLinkIssuer, type LinkIssuer } from '../../src/shared/actions/issue.js';
import type { LinkItem } from '../../src/shared/actions/link.js';
import { parseConfig } from '../../src/shared/config/load.js';
import { composeCycleDeps } from '../../src/shared/cycle/compose.js';
import type { CycleDeps } from '../../src/shared/cycle/deps.js';
import { streamLogger } from '../../src/shared/logger.js';
import { createTableStoreFromConnectionString } from '../../src/shared/state/table-store.js';
import { noopTelemetry, type TelemetrySink } from '../../src/shared/telemetry/app-insights.js';
import { startActionServer, type ActionServer } from '../../lab/action-server.js';
import { deskConfig, registerDesk, type DeskIdentity } from '../../lab/demo-scenario.js';
import { lab, labEndpoints } from '../helpers/lab.js';

export const KEY = `key-${randomBytes(32).toString('base64url')}`;
export const OLD_KEY = `old-${randomBytes(32).toString('base64url')}`;

export function rawMail(o: { id: string; from: string; subject: string; bytes?: number }): string {
  const body = o.bytes
    ? 'x'
        .repeat(76)
        .concat('\r\n')
        .repeat(Math.ceil(o.bytes / 78))
    : 'Hello, please help.\r\n';
  return [
    `From: ${o.from}`,
    'To: desk@example.invalid',
    `Subject: ${o.subject}`,
    'Date: Mon, 23 Nov 2026 06:00:00 +0000',
    `Message-ID: ${o.id}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
  ].join('\r\n');
}

export const mid = (name: string) => `<${name}-${randomUUID().slice(0, 8)}@customer.example>`;

export interface MessageView {
  uid: number;
  flags: string[];
  messageId: string;
}

export interface ActionLab {
  desk: DeskIdentity;
  deps: CycleDeps;
  server: ActionServer;
  issuer: LinkIssuer;
  logs: string[];
  events: Array<{ name: string; properties: Record<string, string> }>;
  /** Every folder of the mailbox → its messages (UID, flags, Message-ID), for "nothing changed" assertions. */
  snapshot(): Promise<Record<string, MessageView[]>>;
  folder(name: string): Promise<MessageView[]>;
  uidValidity(folder: string): string;
  /** One link item for a seeded message (found by Message-ID). */
  item(folder: string, messageId: string, subject?: string): Promise<LinkItem>;
  close(): Promise<void>;
}

export const FOLDERS = ['INBOX', 'Junk Email', 'Too large for ESM'];

export async function startActionLab(
  opts: { mailboxOver?: Record<string, unknown>; name?: string } = {},
): Promise<ActionLab> {
  const l = lab();
  const e = labEndpoints();
  // A name starting with a language prefix (fi-, de-) gets the lab's folders in that language (lab/dovecot-config.ts).
  const desk = await registerDesk(l, opts.name ?? 'desk');
  const logs: string[] = [];
  const events: ActionLab['events'] = [];
  const sink: TelemetrySink = {
    ...noopTelemetry,
    recordEvent: (name, properties) => void events.push({ name, properties }),
  };
  const holder: { deps?: CycleDeps } = {};
  const server = await startActionServer(async () => holder.deps!);
  const doc = deskConfig(desk, { authorityHost: e.authorityHost, imap: e.imap!, smtp: e.smtp! }, 'memory');
  const mb = (doc.mailboxes as Array<Record<string, unknown>>)[0]!;
  Object.assign(mb, opts.mailboxOver ?? {});
  const deps = await composeCycleDeps({
    env: {
      SERVICEDESK_PASSWORD: desk.password,
      ACTION_LINK_KEY: KEY,
      ACTION_LINK_KEY_PREVIOUS: OLD_KEY,
      ACTION_LINK_BASE_URL: server.url,
    },
    logger: streamLogger((line) => logs.push(line), 'debug'),
    config: parseConfig(doc, 'action test').config,
    store: createTableStoreFromConnectionString(e.azurite!.connectionString, {
      prefix: `act${randomBytes(4).toString('hex')}`,
    }),
    sink: () => sink,
  });
  holder.deps = deps;
  const issuer = createLinkIssuer(deps.actionLinks, deps.clock)!;
  const folder = async (name: string): Promise<MessageView[]> => {
    try {
      return (await l.listMessages(desk.address, name)).map(({ uid, flags, messageId }) => ({
        uid,
        flags,
        messageId,
      }));
    } catch {
      return []; // the folder does not exist (yet)
    }
  };
  const uidValidity = (name: string) => {
    const out = execFileSync(
      'doveadm',
      ['-c', e.doveadm!.configPath, 'mailbox', 'status', '-u', desk.address, 'uidvalidity', name],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const m = /uidvalidity=(\d+)/.exec(out);
    if (!m) throw new Error(`no uidvalidity for ${name}`);
    return m[1]!;
  };
  return {
    desk,
    deps,
    server,
    issuer,
    logs,
    events,
    folder,
    uidValidity,
    async snapshot() {
      const out: Record<string, MessageView[]> = {};
      for (const f of FOLDERS) out[f] = await folder(f);
      return out;
    },
    async item(name, messageId, subject = '') {
      const m = (await folder(name)).find((x) => x.messageId === messageId);
      if (!m) throw new Error(`${messageId} not in ${name}`);
      return { uid: m.uid, messageId, subject, from: 'customer@customer.example' };
    },
    close: () => server.close(),
  };
}

export interface Fetched {
  status: number;
  headers: Headers;
  body: string;
}

export async function get(url: string): Promise<Fetched> {
  const r = await fetch(url, { redirect: 'manual' });
  return { status: r.status, headers: r.headers, body: await r.text() };
}

/** The confirmation form's POST, as a browser sends it. */
export async function post(url: string, token: string | undefined): Promise<Fetched> {
  const u = new URL(url);
  const r = await fetch(u.origin + u.pathname, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: token === undefined ? '' : new URLSearchParams({ t: token }).toString(),
    redirect: 'manual',
  });
  return { status: r.status, headers: r.headers, body: await r.text() };
}

export const tokenOf = (url: string) => new URL(url).searchParams.get('t') ?? undefined;
