/**
 * Carries out a verified action link (only ever on the confirmation page's POST):
 *
 *   mailbox lease (the same one checks and the spam review take: one IMAP connection per mailbox)
 *   → claim the nonce in `actions` (insert-if-absent, BEFORE anything moves)
 *   → token → the mailbox's one IMAP session, with its configured credentials
 *   → MOVE (actions/move.ts) → confirm by Message-ID → audit row + telemetry event.
 *
 * Every outcome is a value the page renders in words; only bugs throw.
 */
import { createDeadline } from '../deadline.js';
import type { MailboxConfig } from '../config/load.js';
import { takeMailboxLease } from './mailbox-lease.js';
import { tokenSourceFor, type CycleDeps } from './deps.js';
import { classifyMailFailure } from '../mail/catalogue.js';
import { cleanText } from '../report/escape.js';
import { releaseLease } from '../state/lease.js';
import type { ActionEntity, Stored } from '../state/ports.js';
import { destinationOf, destinationSpec } from '../actions/destination.js';
import type { ActionLink } from '../actions/link.js';
import { moveLinkedMessages, MoveUnsupportedError } from '../actions/move.js';
import { NamedFolderMissingError } from '../mail/folder-finder.js';
import { claimAction, finishAction } from '../actions/record.js';

export type PerformOutcome =
  | { kind: 'done'; record: ActionEntity }
  | { kind: 'already'; record: Stored<ActionEntity> }
  | { kind: 'busy'; holder: string; until: Date }
  | { kind: 'unreachable'; record: ActionEntity };

export interface PerformInput {
  mailbox: MailboxConfig;
  link: ActionLink;
  keyUsed: 'current' | 'previous';
  user?: string;
}

/** An event for telemetry: names and counts only — no subject, sender or Message-ID. */
export interface ActionEvent {
  name: 'mailboxAction';
  properties: Record<string, string>;
  measurements: Record<string, number>;
}

export async function performAction(
  deps: CycleDeps,
  input: PerformInput,
  emit: (e: ActionEvent) => void = () => {},
): Promise<PerformOutcome> {
  const { mailbox, link } = input;
  const now = deps.clock.now();
  const destination = destinationOf(mailbox, link.action);
  const holder = `action:${link.nonce.slice(0, 12)}`;
  const lease = await takeMailboxLease(deps.store, mailbox, holder, now);
  if (!lease.ok) return { kind: 'busy', holder: lease.holder, until: lease.until };

  const base: ActionEntity = {
    action: link.action,
    state: 'claimed',
    moveAttempted: false,
    claimedAt: now.toISOString(),
    folder: link.folder,
    destination,
    issuedAt: new Date(link.issuedAt).toISOString(),
    expiresAt: new Date(link.expiresAt).toISOString(),
    keyUsed: input.keyUsed,
    ...(input.user ? { user: cleanText(input.user, 200) } : {}),
    items: link.items.map((i) => ({
      uid: i.uid,
      messageId: i.messageId,
      subject: i.subject,
      from: i.from,
      outcome: 'pending',
    })),
  };

  const deadline = createDeadline(deps.clock, mailbox.deadlineSeconds * 1000);
  const imap = deps.imap(mailbox, deadline, deps.logger);
  try {
    const claim = await claimAction(deps.store, mailbox.id, link.nonce, base);
    if (!claim.ok) return { kind: 'already', record: claim.existing };

    let attempted = false;
    const finish = async (value: ActionEntity) => {
      const saved = await finishAction(deps.store, mailbox.id, link.nonce, claim.etag, value);
      if (!saved) deps.logger.warn('action record changed meanwhile', { mailbox: mailbox.id });
      const moved = value.items.filter((i) => i.outcome === 'moved').length;
      deps.logger.info('mailbox action', {
        mailbox: mailbox.id,
        action: link.action,
        state: value.state,
        moved,
        items: value.items.length,
        ...(value.user ? { user: value.user } : {}),
        ...(value.fault ? { code: value.fault.code } : {}),
      });
      emit({
        name: 'mailboxAction',
        properties: {
          mailbox: mailbox.id,
          action: link.action,
          state: value.state,
          keyUsed: input.keyUsed,
          signedIn: value.user ? 'true' : 'false',
          ...(value.fault ? { code: value.fault.code } : {}),
        },
        measurements: { items: value.items.length, moved },
      });
    };
    const unreachable = async (code: string, message: string, fix?: string): Promise<PerformOutcome> => {
      const record: ActionEntity = {
        ...base,
        state: 'failed',
        moveAttempted: attempted,
        finishedAt: deps.clock.now().toISOString(),
        fault: { code, message: cleanText(message, 300), ...(fix ? { fix: cleanText(fix, 300) } : {}) },
        summary: attempted ? 'failed while moving' : 'nothing moved: the mailbox could not be reached',
      };
      await finish(record);
      return { kind: 'unreachable', record };
    };

    const token = await tokenSourceFor(deps, mailbox, deadline).acquire(deadline.signal);
    if (!token.ok)
      return unreachable(token.failure.code, token.failure.message, token.failure.remediation.fix);
    let client;
    try {
      client = await imap.open(token.grant.accessToken);
    } catch (err) {
      const f = classify(mailbox, err, 'login');
      return unreachable(f.code, f.summary, f.remediation.fix);
    }
    try {
      const report = await moveLinkedMessages(client, link, destinationSpec(mailbox, link.action), {
        beforeFirstMove: () => {
          attempted = true;
        },
      });
      const byUid = new Map(report.items.map((i) => [i.uid, i.outcome]));
      const items = base.items.map((i) => ({ ...i, outcome: byUid.get(i.uid) ?? i.outcome }));
      const moved = items.filter((i) => i.outcome === 'moved').length;
      const record: ActionEntity = {
        ...base,
        state: 'done',
        moveAttempted: attempted,
        finishedAt: deps.clock.now().toISOString(),
        items,
        destination: report.destination,
        summary: `${moved} of ${items.length} moved from ${cleanText(link.folder, 100)} to ${cleanText(report.destination, 100)}`,
      };
      await finish(record);
      return { kind: 'done', record };
    } catch (err) {
      if (err instanceof MoveUnsupportedError)
        return unreachable(err.code, err.message, 'move the message by hand in Outlook on the web');
      if (err instanceof NamedFolderMissingError)
        return unreachable(
          err.code,
          err.message,
          `set ${err.configKey} to the exact name of the folder the desk reads, as the mailbox lists it`,
        );
      const f = classify(mailbox, err, attempted ? 'MOVE' : 'SELECT');
      return unreachable(f.code, f.summary, f.remediation.fix);
    }
  } finally {
    await imap.close().catch(() => undefined);
    deadline.dispose();
    await releaseLease(deps.store, mailbox.id, holder).catch(() => undefined);
  }
}

function classify(mailbox: MailboxConfig, err: unknown, what: string) {
  return classifyMailFailure('IMAP', err, {
    kind: mailbox.auth.mode === 'password' ? 'delegated' : 'app-only',
    mailbox: mailbox.address,
    host: mailbox.cloud.imapHost,
    what,
  });
}
