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

/** The destination as the folder finder looks for it (mail/folder-finder.ts `findNamedFolder`). */
export interface DestinationSpec {
  /** The configured (or default) name; the server's path is what the finder finds. */
  name: string;
  configKey: 'folders.inbox' | 'inbox.moveOversizedTo';
  /** Only the oversized-mail folder is created when missing; the fetched folder must exist. */
  create: boolean;
}

export function destinationSpec(
  mailbox: Pick<MailboxConfig, 'folders' | 'inbox'>,
  action: ActionKind,
): DestinationSpec {
  return action === 'release'
    ? { name: mailbox.folders.inbox, configKey: 'folders.inbox', create: false }
    : { name: destinationOf(mailbox, action), configKey: 'inbox.moveOversizedTo', create: true };
}
