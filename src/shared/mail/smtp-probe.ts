/**
 * SMTP AUTH probe (SmtpProbePort) with nodemailer: STARTTLS required, AUTH XOAUTH2, `verify()` only — it
 * authenticates and quits, nothing is sent — and the connection closed at once, bounded by the deadline.
 * nodemailer is loaded on the first probe (see imap-session.ts for why adapters load late).
 */
import { connect, type Socket } from 'node:net';
import type { Clock } from '../clock.js';
import type { MailboxConfig } from '../config/load.js';
import { raceDeadline } from '../deadline.js';
import type { Deadline } from '../deadline.js';
import type { SmtpProbeOutcome, SmtpProbePort } from './ports.js';
import { splitHost } from './imap-session.js';

export interface SmtpProbeOptions {
  /** Extra CA certificates to trust (PEM). */
  ca?: string | Buffer;
}

export function createSmtpProbe(
  mailbox: MailboxConfig,
  deadline: Deadline,
  clock: Clock,
  options: SmtpProbeOptions = {},
): SmtpProbePort {
  return {
    async verify(accessToken: string, signal: AbortSignal): Promise<SmtpProbeOutcome> {
      const { host, port } = splitHost(mailbox.cloud.smtpHost, mailbox.cloud.smtpPort);
      const bound = Math.max(1, deadline.remainingMs()) + 500;
      const started = clock.now().getTime();
      const elapsed = () => Math.max(0, clock.now().getTime() - started);
      // We open the TCP socket ourselves (nodemailer's getSocket hook) so that the deadline can destroy it at
      // once: transport.close() does not stop a verify() in progress. It is opened before nodemailer is loaded:
      // the connect and the server's greeting (which the socket holds until nodemailer reads it) overlap the
      // load, the first probe of a process no longer pays one after the other.
      const socket = connect({ host, port });
      // Until nodemailer takes the socket, an error (a refused connect, a reset after the greeting) is kept here:
      // nodemailer would not see an event that fired before it listened, and would wait for a greeting instead.
      let failed: Error | undefined;
      const keep = (err: Error) => (failed ??= err);
      socket.on('error', keep);
      const connected = new Promise<void>((resolve) => {
        socket.once('connect', () => resolve());
        socket.once('close', () => resolve());
      });
      const getSocket = (_o: unknown, cb: (err: Error | null, info?: { connection: Socket }) => void) => {
        void connected.then(() => {
          socket.removeListener('error', keep);
          if (failed || socket.destroyed)
            cb(failed ?? new Error('the SMTP connection closed before the greeting'));
          else cb(null, { connection: socket });
        });
      };
      const { default: nodemailer } = await raceDeadline(import('nodemailer'), signal).catch(
        (err: unknown) => {
          socket.destroy();
          throw err;
        },
      );
      const transport = nodemailer.createTransport({
        getSocket,
        host,
        port,
        // Port 587 submission: plain connect, then STARTTLS, which must succeed before AUTH.
        secure: port === 465,
        requireTLS: true,
        auth: { type: 'OAuth2', user: mailbox.address, accessToken },
        connectionTimeout: bound,
        greetingTimeout: bound,
        socketTimeout: bound,
        logger: false,
        debug: false,
        ...(options.ca ? { tls: { ca: options.ca } } : {}),
      });
      try {
        await raceDeadline(transport.verify(), signal);
        return { ok: true, latencyMs: elapsed() };
      } catch (error) {
        return { ok: false, error, latencyMs: elapsed() };
      } finally {
        transport.close();
        socket.destroy();
      }
    },
  };
}
