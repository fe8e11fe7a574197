/**
 * A notification channel: one file per channel, all behind this interface (checked with `satisfies` in each
 * file). `validate()` runs at start so a bad channel setting is reported before the first real alert; `send()`
 * rejects when the notification did not go out (the caller then keeps the alert untriggered).
 */
import type { AlertInput, RenderedAlert } from '../../report/alert.js';

export interface Notification {
  input: AlertInput;
  rendered: RenderedAlert;
  /** Email recipients: the mailbox's reviewers plus the configured alert recipients, deduplicated. */
  recipients: string[];
}

export interface Channel {
  readonly name: string;
  /** Problems with the channel's settings (empty when usable); never contains a secret. */
  validate(): string[];
  send(n: Notification): Promise<void>;
}

/** A failed send: `code` is stable, `message` never contains a URL, token or address list. */
export class ChannelError extends Error {
  constructor(
    readonly channel: string,
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(`${channel}: ${message}`);
    this.name = 'ChannelError';
  }
}
