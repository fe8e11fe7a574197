/**
 * Email channel: sends from the configured sender mailbox over SMTP submission with OAuth2 (XOAUTH2), exactly
 * the way the service desk sends — so a sent alert also lands in that mailbox's Sent Items and its quota ledger.
 * STARTTLS is required (never plain text auth); TLS verification stays on (a private CA is passed as `ca`).
 * The access token comes from the sender mailbox's TokenSource; it is handed to nodemailer and never logged.
 */
import { scrub } from '../../faults/index.js';
import type { MailboxConfig } from '../../config/load.js';
import type { TokenSource } from '../../auth/ports.js';
import { splitHost } from '../../mail/imap-session.js';
import { ChannelError, type Channel, type Notification } from './types.js';

export interface EmailChannelOptions {
  sender: Pick<MailboxConfig, 'id' | 'address' | 'cloud'>;
  tokens: TokenSource;
  /** Extra trusted CA (PEM) — the lab's; production uses the system store. */
  ca?: string;
  timeoutMs?: number;
}

export function createEmailChannel(options: EmailChannelOptions): Channel {
  const name = `email (from ${options.sender.id})`;
  const timeout = options.timeoutMs ?? 30_000;
  return {
    name,
    validate() {
      const problems: string[] = [];
      if (!options.sender.address.includes('@')) problems.push(`${name}: sender has no mail address`);
      return problems;
    },
    async send(n: Notification) {
      if (n.recipients.length === 0)
        throw new ChannelError(name, 'ENORECIPIENTS', 'no recipients configured');
      const token = await options.tokens.acquire();
      if (!token.ok)
        throw new ChannelError(
          name,
          token.failure.code,
          `no access token for the sender mailbox (${token.failure.code})`,
        );
      const { default: nodemailer } = await import('nodemailer');
      // `smtpHost` may carry its own port (`localhost:2525`, allowed by the config schema).
      const { host, port } = splitHost(options.sender.cloud.smtpHost, options.sender.cloud.smtpPort);
      const transport = nodemailer.createTransport({
        host,
        port,
        // 587 is submission with STARTTLS (Exchange Online); 465 would be implicit TLS.
        secure: port === 465,
        requireTLS: true,
        auth: { type: 'OAuth2', user: options.sender.address, accessToken: token.grant.accessToken },
        ...(options.ca ? { tls: { ca: options.ca } } : {}),
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout,
        logger: false,
        debug: false,
      });
      try {
        await transport.sendMail({
          from: options.sender.address,
          to: n.recipients,
          subject: scrub(n.rendered.subject),
          // Results are scrubbed where they are made; the mail is scrubbed again on its way out.
          text: scrub(n.rendered.text),
          html: scrub(n.rendered.html),
          // Readable in raw form and never base64: admins grep mail logs, and tests can read the parts.
          textEncoding: 'quoted-printable',
          headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
        });
      } catch (err) {
        const e = err as { code?: string; responseCode?: number; response?: string };
        // The server reply (e.g. 535 5.7.139, 554 5.2.0 quota) explains the failure; it carries no token.
        const reply = typeof e.response === 'string' ? e.response.split(/\r?\n/)[0]!.slice(0, 200) : '';
        throw new ChannelError(
          name,
          e.code ?? 'ESEND',
          `send failed${e.responseCode ? ` (${e.responseCode})` : ''}${reply ? `: ${reply}` : ''}`,
          e.responseCode,
        );
      } finally {
        transport.close();
      }
    },
  } satisfies Channel;
}
