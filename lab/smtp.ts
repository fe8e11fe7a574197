/**
 * SMTP submission like smtp.office365.com:587: `smtp-server` on 127.0.0.1 with STARTTLS (lab certificate) that
 * must happen before AUTH, XOAUTH2 only, tokens checked against the Entra emulator (SMTP.Send for the user's own
 * delegated token, SMTP.SendAsApp + mailbox grant for app-only), Exchange's replies scripted per user, sent
 * messages captured, and concurrent authenticated connections counted per user (Exchange allows 3).
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { Routes } from './control.js';
import type { EntraEmulator } from './entra.js';

export interface SmtpStep {
  at: 'auth' | 'mail' | 'rcpt' | 'data';
  code: number;
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

interface UserStats {
  connections: number;
  current: number;
  maxConcurrent: number;
}

/** Exchange Online's limit on concurrent SMTP AUTH connections per mailbox. */
const MAX_CONCURRENT = 3;
const AUTH_FAILED = '5.7.3 Authentication unsuccessful';
const MAX_MESSAGES_KEPT = 500;

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export class LabSmtp {
  #server: SMTPServer | null = null;
  readonly #scripts = new Map<string, SmtpStep[]>();
  readonly #messages = new Map<string, CapturedMessage[]>();
  readonly #stats = new Map<string, UserStats>();
  port = 0;

  constructor(readonly entra: EntraEmulator) {}

  async start(tls: { cert: string; key: string }): Promise<void> {
    const server = new SMTPServer({
      secure: false,
      key: tls.key,
      cert: tls.cert,
      name: 'lab.outlook.office365.com',
      banner: 'Microsoft ESMTP MAIL Service ready (mailbox-health lab)',
      authMethods: ['XOAUTH2'],
      // AUTH before STARTTLS is refused, as smtp.office365.com does.
      allowInsecureAuth: false,
      size: 36 * 1024 * 1024,
      logger: false,
      // No reverse DNS of the client: the lab stays off the network (the machine's resolver may be slow or absent
      // and would hold every greeting up to smtp-server's 1.5 s lookup timeout).
      disableReverseLookup: true,
      disabledCommands: [],
      onAuth: (auth, session, cb) => {
        const user = (auth.username ?? '').toLowerCase();
        const scripted = this.#take(user, 'auth');
        if (scripted) return cb(smtpError(scripted.code, scripted.message));
        const verdict = this.entra.authorizeMailbox(
          auth.accessToken ?? '',
          user,
          'SMTP.Send',
          'SMTP.SendAsApp',
        );
        if (!verdict.ok) return cb(smtpError(535, AUTH_FAILED));
        const st = this.#statsFor(user);
        if (st.current >= MAX_CONCURRENT) {
          return cb(
            smtpError(
              432,
              '4.3.2 Concurrent connections limit exceeded. Visit https://aka.ms/concurrent_sending for more information.',
            ),
          );
        }
        st.connections++;
        st.current++;
        st.maxConcurrent = Math.max(st.maxConcurrent, st.current);
        cb(null, { user: { mailbox: user, kind: verdict.kind } });
      },
      onClose: (session) => {
        const u = sessionUser(session);
        if (u) this.#statsFor(u.mailbox).current--;
      },
      onMailFrom: (address, session, cb) => {
        const u = sessionUser(session)!;
        const s = this.#take(u.mailbox, 'mail');
        if (s) return cb(smtpError(s.code, s.message));
        if (address.address.toLowerCase() !== u.mailbox) {
          return cb(
            smtpError(
              554,
              `5.2.252 SendAsDenied; ${u.mailbox} not allowed to send as ${address.address}; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied`,
            ),
          );
        }
        cb();
      },
      onRcptTo: (_address, session, cb) => {
        const s = this.#take(sessionUser(session)!.mailbox, 'rcpt');
        cb(s ? smtpError(s.code, s.message) : undefined);
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const u = sessionUser(session)!;
          // Exchange refuses over-quota submissions after the data is in (554 5.2.0 on the final dot).
          const s = this.#take(u.mailbox, 'data');
          if (s) return cb(smtpError(s.code, s.message));
          if (stream.sizeExceeded)
            return cb(smtpError(552, '5.3.4 Message size exceeds fixed maximum message size'));
          const list = this.#messages.get(u.mailbox) ?? [];
          list.push({
            user: u.mailbox,
            authKind: u.kind,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
            receivedAt: new Date().toISOString(),
          });
          if (list.length > MAX_MESSAGES_KEPT) list.shift();
          this.#messages.set(u.mailbox, list);
          cb(null, 'Ok: queued as lab');
        });
      },
    });
    server.on('error', () => {
      // Client-side protocol errors are the tests' business; the server keeps running.
    });
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (server.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.#server;
    this.#server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  #statsFor(user: string): UserStats {
    let st = this.#stats.get(user);
    if (!st) this.#stats.set(user, (st = { connections: 0, current: 0, maxConcurrent: 0 }));
    return st;
  }

  #take(user: string, at: SmtpStep['at']): SmtpStep | undefined {
    const q = this.#scripts.get(user);
    const i = q?.findIndex((s) => s.at === at) ?? -1;
    if (!q || i < 0) return undefined;
    const step = q[i]!;
    const left = (step.times ?? 1) - 1;
    if (left <= 0) q.splice(i, 1);
    else step.times = left;
    return step;
  }

  routes(): Routes {
    const user = (v: unknown) => {
      if (typeof v !== 'string' || !v) throw new Error('user: expected a mailbox address');
      return v.toLowerCase();
    };
    return {
      'POST /smtp/script': (b) => {
        const u = user(b.user);
        this.#scripts.set(u, [
          ...(this.#scripts.get(u) ?? []),
          ...((b.steps as SmtpStep[] | undefined) ?? []),
        ]);
        return { ok: true };
      },
      'GET /smtp/messages': (_b, q) => this.#messages.get(user(q.get('user'))) ?? [],
      'GET /smtp/stats': (_b, q) =>
        this.#stats.get(user(q.get('user'))) ?? { connections: 0, current: 0, maxConcurrent: 0 },
      'POST /smtp/reset': (b) => {
        const u = user(b.user);
        this.#scripts.delete(u);
        this.#messages.delete(u);
        this.#stats.delete(u);
        return { ok: true };
      },
    };
  }
}

function sessionUser(session: SMTPServerSession): { mailbox: string; kind: 'delegated' | 'app' } | undefined {
  return session.user as unknown as { mailbox: string; kind: 'delegated' | 'app' } | undefined;
}
