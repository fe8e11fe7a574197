/**
 * Retry policy for transient Entra failures: HTTP 429 (honouring Retry-After), 5xx, `temporarily_unavailable`
 * and network errors are retried with bounded exponential backoff inside the mailbox deadline (docs/exchange-online.md
 * "Failure catalogue": not a configuration error until it persists). Pure functions; the network client applies them.
 */

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  baseDelayMs: number;
  /** Upper bound of one wait, also for a Retry-After the server asks for. */
  maxDelayMs: number;
  /** Time kept free for the checks after auth (IMAP, SMTP) — never wait into it. */
  reserveMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 3,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  reserveMs: 5_000,
};

/** An HTTP status Entra answers when it is overloaded or down: worth another try. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/** OAuth error codes that mean "try again later" whatever the HTTP status. */
export function isTransientOAuthError(error: unknown): boolean {
  return error === 'temporarily_unavailable' || error === 'server_error';
}

/**
 * Retry-After in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or invalid.
 * `nowMs` is needed only for the date form.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at) || !/[a-z]/i.test(v)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * How long to wait before retry number `retry` (0-based), or undefined to give up: retries exhausted, or the
 * wait (Retry-After when given, else exponential backoff) would not leave `reserveMs` of the deadline.
 * A Retry-After longer than `maxDelayMs` means the server wants us gone for a while: give up now and report it.
 */
export function nextRetryDelay(
  retry: number,
  retryAfterMs: number | undefined,
  remainingMs: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): number | undefined {
  if (retry >= policy.maxRetries) return undefined;
  let delay: number;
  if (retryAfterMs !== undefined) {
    if (retryAfterMs > policy.maxDelayMs) return undefined;
    delay = retryAfterMs;
  } else {
    delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  }
  if (delay + policy.reserveMs > remainingMs) return undefined;
  return delay;
}
