/**
 * Makes the action links that go into mails (the digest's "Move to Inbox" buttons, the alert's "Move to <folder>"
 * buttons): one link per message and, for the digest, one for all likely-legitimate messages. Only when the app has
 * a key and a base URL; otherwise `createLinkIssuer` returns undefined and mails carry no buttons.
 */
import type { Clock } from '../clock.js';
import { actionLinksEnabled, type ActionSettings } from '../config/action-settings.js';
import { cleanText } from '../report/escape.js';
import {
  DEFAULT_LINK_TTL_MS,
  LINK_TEXT_CAP,
  MAX_LINK_ITEMS,
  linkUrl,
  newNonce,
  signLink,
  type ActionKind,
  type LinkItem,
} from './link.js';

export interface IssueRequest {
  action: ActionKind;
  mailbox: string;
  folder: string;
  uidValidity: string;
  /** 1 … MAX_LINK_ITEMS messages (more are cut: the page and the button say how many the link moves). */
  items: LinkItem[];
}

export interface LinkIssuer {
  /** A fresh signed URL (a new nonce each call). */
  url(req: IssueRequest): string;
}

export function createLinkIssuer(
  settings: ActionSettings | undefined,
  clock: Clock,
  ttlMs = DEFAULT_LINK_TTL_MS,
): LinkIssuer | undefined {
  if (!actionLinksEnabled(settings)) return undefined;
  const { keys, baseUrl } = settings;
  return {
    url(req) {
      const now = clock.now().getTime();
      const token = signLink(
        {
          action: req.action,
          mailbox: req.mailbox,
          folder: req.folder,
          uidValidity: req.uidValidity,
          items: req.items.slice(0, MAX_LINK_ITEMS).map((i) => ({
            uid: i.uid,
            messageId: i.messageId,
            // Cleaned before signing: the page shows them escaped anyway, the URL stays free of control characters.
            subject: cleanText(i.subject, LINK_TEXT_CAP),
            from: cleanText(i.from, LINK_TEXT_CAP),
          })),
          issuedAt: now,
          expiresAt: now + ttlMs,
          nonce: newNonce(),
        },
        keys.current,
      );
      return linkUrl(baseUrl, token);
    },
  };
}
