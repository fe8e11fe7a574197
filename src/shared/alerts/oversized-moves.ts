/**
 * The alert's "Move to <folder>" buttons: for an `inbox` change that lists oversized messages the desk cannot
 * fetch (and that the check did not move itself), one signed single-use link per message (at most 5, the first
 * listed), moving it out of the fetched folder to `inbox.moveOversizedTo` or the default folder.
 */
import { destinationOf } from '../actions/destination.js';
import type { LinkIssuer } from '../actions/issue.js';
import type { MailboxConfig } from '../config/load.js';
import type { AlertChange, AlertMove } from '../report/alert.js';

export const MAX_ALERT_MOVES = 5;

interface OversizedDetail {
  uid?: unknown;
  size?: unknown;
  sender?: unknown;
  subject?: unknown;
  messageId?: unknown;
}

export function oversizedMoves(
  issuer: LinkIssuer,
  mailbox: Pick<MailboxConfig, 'id' | 'folders' | 'inbox'>,
  changes: readonly AlertChange[],
): AlertMove[] {
  const to = destinationOf(mailbox, 'move-oversized');
  const out: AlertMove[] = [];
  for (const c of changes) {
    if (c.action === 'resolve' || c.result.check !== 'inbox') continue;
    const d = (c.result.details ?? {}) as Record<string, unknown>;
    const uidValidity = typeof d.uidValidity === 'string' ? d.uidValidity : undefined;
    if (!uidValidity || d.moved || !Array.isArray(d.oversized)) continue;
    const folder = typeof d.folder === 'string' ? d.folder : mailbox.folders.inbox;
    for (const o of (d.oversized as OversizedDetail[]).slice(0, MAX_ALERT_MOVES)) {
      if (typeof o.uid !== 'number') continue;
      const sender = typeof o.sender === 'string' ? o.sender : '';
      const subject = typeof o.subject === 'string' ? o.subject : '';
      const size = typeof o.size === 'number' ? `${(o.size / 1024 / 1024).toFixed(1)} MB` : '';
      out.push({
        label: `Move to ${to}`,
        what: `${sender || '(no sender)'}: "${subject || '(no subject)'}"${size ? `, ${size}` : ''}`,
        url: issuer.url({
          action: 'move-oversized',
          mailbox: mailbox.id,
          folder,
          uidValidity,
          items: [
            {
              uid: o.uid,
              messageId: typeof o.messageId === 'string' ? o.messageId : '',
              subject,
              from: sender,
            },
          ],
        }),
      });
    }
  }
  return out;
}
