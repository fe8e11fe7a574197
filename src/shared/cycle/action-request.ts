/**
 * One request to the `mailboxAction` endpoint, whatever hosts it (the Function App, the demo's local server):
 * method + the link's token (+ the signed-in user when the platform's sign-in is in front) → a page.
 *
 * GET never changes anything — Defender Safe Links and mail previewers open every link in a mail — it verifies the
 * link, reads whether it was already used, and renders the confirmation page. Only POST (the page's form) acts.
 */
import { actionLinksEnabled } from '../config/action-settings.js';
import type { CycleDeps } from './deps.js';
import {
  alreadyUsedPage,
  busyPage,
  confirmPage,
  expiredPage,
  invalidPage,
  methodNotAllowedPage,
  notConfiguredPage,
  resultPage,
  signInRequiredPage,
  unknownMailboxPage,
  unreachablePage,
  type ActionPage,
} from '../actions/page.js';
import { verifyLink } from '../actions/link.js';
import { destinationOf } from '../actions/destination.js';
import { performAction } from './action-run.js';

export interface ActionRequest {
  method: string;
  token?: string;
  /** X-MS-CLIENT-PRINCIPAL-NAME, set by the platform's authentication (it strips any client-sent copy). */
  user?: string;
  /** The path the confirmation form posts back to. */
  formAction: string;
}

export async function handleActionRequest(deps: CycleDeps, req: ActionRequest): Promise<ActionPage> {
  const settings = deps.actionLinks;
  if (!settings?.keys) return notConfiguredPage();
  if (settings.signInRequired && !req.user) return signInRequiredPage();
  const method = req.method.toUpperCase();
  if (method !== 'GET' && method !== 'POST') return methodNotAllowedPage();

  const verified = verifyLink(req.token, settings.keys, deps.clock.now());
  if (!verified.ok) {
    deps.logger.info('mailbox action refused', { reason: verified.reason, method });
    return verified.reason === 'expired' && verified.link
      ? expiredPage(verified.link.expiresAt)
      : invalidPage();
  }
  const { link } = verified;
  const mailbox = deps.config.mailboxes.find((m) => m.id === link.mailbox);
  if (!mailbox) {
    deps.logger.info('mailbox action refused', { reason: 'unknown-mailbox', method });
    return unknownMailboxPage();
  }

  const used = await deps.store.actions.get(mailbox.id, link.nonce);
  const retryable = used?.value.state === 'failed' && !used.value.moveAttempted;
  if (used && !retryable) return alreadyUsedPage(used.value, link.nonce);

  if (method === 'GET') {
    return confirmPage({
      action: link.action,
      mailboxAddress: mailbox.address,
      folder: link.folder,
      destination: destinationOf(mailbox, link.action),
      items: link.items,
      expiresAt: link.expiresAt,
      formAction: req.formAction,
      token: req.token ?? '',
      ...(req.user ? { signInUser: req.user } : {}),
    });
  }

  const outcome = await performAction(
    deps,
    { mailbox, link, keyUsed: verified.key, ...(req.user ? { user: req.user } : {}) },
    (e) => deps.sink.recordEvent?.(e.name, e.properties, e.measurements),
  );
  switch (outcome.kind) {
    case 'done':
      return resultPage(outcome.record);
    case 'already':
      return alreadyUsedPage(outcome.record.value, link.nonce);
    case 'busy':
      return busyPage(outcome.holder, outcome.until);
    case 'unreachable':
      return unreachablePage(outcome.record);
  }
}

export { actionLinksEnabled };
