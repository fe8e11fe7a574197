/**
 * The app settings of action links (the "Move to Inbox" / "Move to <folder>" buttons): the signing key and the
 * previous key (in Azure both are Key Vault references the platform resolves), the public URL of the
 * `mailboxAction` function, and whether the platform's Entra sign-in must be in front of it.
 *
 * Without a usable key and base URL the feature is off: mails carry no buttons and the endpoint says so.
 */
/** Shortest accepted key, in characters (a 256-bit random value is 43 base64 characters). */
export const MIN_KEY_LENGTH = 32;

/** The key that signs new links and the one before the last rotation, still accepted. */
export interface LinkKeys {
  current: string;
  previous?: string;
}

export const ACTION_SETTING_NAMES = {
  key: 'ACTION_LINK_KEY',
  previousKey: 'ACTION_LINK_KEY_PREVIOUS',
  baseUrl: 'ACTION_LINK_BASE_URL',
  signIn: 'ACTION_SIGN_IN_REQUIRED',
} as const;

export interface ActionSettings {
  /** Present only when the key is usable. */
  keys?: LinkKeys;
  /** `https://<app>.azurewebsites.net/api/mailboxAction` (loopback http accepted for the lab). */
  baseUrl?: string;
  /** Refuse requests that did not come through the platform's sign-in (X-MS-CLIENT-PRINCIPAL-NAME absent). */
  signInRequired: boolean;
  /** Why the feature is off or partly off: names the setting, never its value. */
  problems: string[];
}

/** An app setting whose Key Vault reference did not resolve still holds the reference text itself. */
const UNRESOLVED = /^@Microsoft\.KeyVault\(/i;

function keyFrom(env: NodeJS.ProcessEnv, name: string, problems: string[]): string | undefined {
  const v = env[name]?.trim();
  if (!v) return undefined;
  if (UNRESOLVED.test(v)) {
    problems.push(`${name}: the Key Vault reference did not resolve (secret missing or no access)`);
    return undefined;
  }
  if (v.length < MIN_KEY_LENGTH) {
    problems.push(`${name}: expected at least ${MIN_KEY_LENGTH} characters (e.g. openssl rand -base64 48)`);
    return undefined;
  }
  return v;
}

export function readActionSettings(env: NodeJS.ProcessEnv): ActionSettings {
  const problems: string[] = [];
  const current = keyFrom(env, ACTION_SETTING_NAMES.key, problems);
  const previous = keyFrom(env, ACTION_SETTING_NAMES.previousKey, problems);
  let baseUrl: string | undefined;
  const rawUrl = env[ACTION_SETTING_NAMES.baseUrl]?.trim();
  if (rawUrl) {
    try {
      const u = new URL(rawUrl);
      const loopback = /^(127\.0\.0\.1|localhost|\[::1\])$/.test(u.hostname);
      if (u.protocol === 'https:' || (u.protocol === 'http:' && loopback)) {
        if (u.search || u.hash)
          problems.push(`${ACTION_SETTING_NAMES.baseUrl}: expected no query or fragment`);
        else baseUrl = u.toString();
      } else problems.push(`${ACTION_SETTING_NAMES.baseUrl}: expected an https:// URL`);
    } catch {
      problems.push(`${ACTION_SETTING_NAMES.baseUrl}: expected a URL`);
    }
  }
  if (!current && previous)
    problems.push(`${ACTION_SETTING_NAMES.key}: missing (only the previous key is set)`);
  const signIn = (env[ACTION_SETTING_NAMES.signIn] ?? '').trim().toLowerCase();
  return {
    ...(current ? { keys: { current, ...(previous ? { previous } : {}) } } : {}),
    ...(baseUrl ? { baseUrl } : {}),
    signInRequired: signIn === 'true' || signIn === '1',
    problems,
  };
}

/** True when mails should carry action buttons. */
export function actionLinksEnabled(s: ActionSettings | undefined): s is ActionSettings & {
  keys: LinkKeys;
  baseUrl: string;
} {
  return !!s?.keys && !!s.baseUrl;
}
