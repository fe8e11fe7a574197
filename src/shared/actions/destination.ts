/** Where each action moves to: the fetched folder for a release, the oversized folder for oversized mail. */
import type { MailboxConfig } from '../config/load.js';
import type { ActionKind } from './link.js';

/** Where oversized mail goes when `inbox.moveOversizedTo` is not set (created on first use; docs/configuration.md). */
export const DEFAULT_OVERSIZED_FOLDER = 'Too large for ESM';

export function destinationOf(mailbox: Pick<MailboxConfig, 'folders' | 'inbox'>, action: ActionKind): string {
  return action === 'release'
    ? mailbox.folders.inbox
    : (mailbox.inbox.moveOversizedTo ?? DEFAULT_OVERSIZED_FOLDER);
}
