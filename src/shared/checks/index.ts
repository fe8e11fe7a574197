/**
 * The check registry: every registered check, in run order (CHECK_NAMES). The runner iterates this Map; nothing
 * else switches on check names.
 */
import { CHECK_NAMES, type RegisteredCheckName } from '../contracts.js';
import { authCheck } from './auth.js';
import { credentialExpiryCheck } from './credential-expiry.js';
import { imapLoginCheck } from './imap-login.js';
import { inboxCheck } from './inbox.js';
import { junkCheck } from './junk.js';
import { sentQuotaCheck } from './sent-quota.js';
import { smtpAuthCheck } from './smtp-auth.js';
import type { Check } from './types.js';

const IMPLEMENTED: Record<RegisteredCheckName, Check> = {
  auth: authCheck,
  'credential-expiry': credentialExpiryCheck,
  'imap-login': imapLoginCheck,
  inbox: inboxCheck,
  junk: junkCheck,
  'sent-quota': sentQuotaCheck,
  'smtp-auth': smtpAuthCheck,
};

/** Every check in CHECK_NAMES order. */
export const CHECKS: ReadonlyMap<RegisteredCheckName, Check> = new Map(
  CHECK_NAMES.map((name) => [name, IMPLEMENTED[name]] as const),
);

export type { Check } from './types.js';
