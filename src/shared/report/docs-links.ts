/**
 * Where each setup step is explained in docs/deploy.md: the section heading and its anchor (GitHub's heading slugs).
 * A test reads docs/deploy.md and checks that every anchor still matches a heading.
 */
import type { SetupStep } from '../contracts.js';

export const DEPLOY_DOC = 'docs/deploy.md';

const REGISTER = { section: '1. Register the application', anchor: '1-register-the-application' };
const DELEGATED = {
  section: "Delegated (ROPC) — the vendor guide's steps",
  anchor: 'delegated-ropc--the-vendor-guides-steps',
};
const APP_ONLY = { section: 'App-only (client credentials)', anchor: 'app-only-client-credentials' };
const PROTOCOLS = {
  section: '2. Enable IMAP and SMTP AUTH for the mailbox (both kinds)',
  anchor: '2-enable-imap-and-smtp-auth-for-the-mailbox-both-kinds',
};

export const SETUP_STEP_DOCS: Record<SetupStep, { section: string; anchor: string }> = {
  'app-registration': REGISTER,
  'api-permissions': REGISTER,
  'admin-consent': REGISTER,
  'public-client-flows': DELEGATED,
  'esm-platform-settings': DELEGATED,
  account: DELEGATED,
  'exchange-service-principal': APP_ONLY,
  'mailbox-permission': APP_ONLY,
  'smtp-auth-enabled': PROTOCOLS,
  'imap-enabled': PROTOCOLS,
};

/** The link to a step's section, or undefined when no docs URL is configured (then the text names the section). */
export function setupStepUrl(step: SetupStep, docsUrl: string | undefined): string | undefined {
  if (!docsUrl) return undefined;
  try {
    const u = new URL(docsUrl);
    if (u.protocol !== 'https:') return undefined;
    u.hash = SETUP_STEP_DOCS[step].anchor;
    return u.toString();
  } catch {
    return undefined;
  }
}
