/**
 * imapflow, as this project drives it: the client class that sends ID once per session and the logger adapter.
 * Imported only by ImapSession.open (imap-session.ts), so that code which never opens IMAP never loads imapflow.
 */
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { Logger } from '../logger.js';

/**
 * imapflow logs pino-style objects; its debug/info entries include protocol lines (message data) and its errors
 * repeat what the check's result already reports. Only warnings and errors pass, at debug level, reduced to their
 * message and error code — never the error object (it can hold the command that carried the token).
 */
export function imapflowLogger(logger: Logger, mailboxId: string): NonNullable<ImapFlowOptions['logger']> {
  const pass = (entry: unknown) => {
    const e = (entry ?? {}) as { msg?: unknown; err?: { code?: unknown } };
    const data: Record<string, unknown> = { mailbox: mailboxId };
    if (e.err && typeof e.err.code === 'string') data.code = e.err.code;
    logger.debug(`imap: ${typeof e.msg === 'string' ? e.msg : 'event'}`, data);
  };
  const drop = () => undefined;
  return { trace: drop, debug: drop, info: drop, warn: pass, error: pass, fatal: pass } as never;
}

type Run = (this: ImapFlow, command: string, ...args: unknown[]) => Promise<unknown>;
/** imapflow's internal command runner (`run`, untyped): every command of a session goes through it. */
const baseRun = (ImapFlow.prototype as unknown as { run: Run }).run;
const idSent = new WeakSet<ImapFlow>();

/**
 * imapflow sends ID (RFC 2971) before login and again after it when the server's first answer had fewer than two
 * fields (Dovecot answers with one): two commands where one identifies the client just as well. This connection
 * sends ID once per session, since every command counts against a mailbox check's budget.
 */
export class OneIdImapFlow extends ImapFlow {}
Object.defineProperty(OneIdImapFlow.prototype, 'run', {
  value: function run(this: ImapFlow & { idRequested?: unknown }, command: string, ...args: unknown[]) {
    if (typeof command === 'string' && command.toUpperCase() === 'ID') {
      if (idSent.has(this)) return Promise.resolve(this.idRequested);
      idSent.add(this);
    }
    return baseRun.call(this, command, ...args);
  },
  writable: true,
  configurable: true,
});
