/**
 * The HTTP client MSAL uses (`system.networkClient`). It exists for two reasons:
 *  1. MSAL keeps a throttling entry after a 429/5xx and then fails every request for up to 60 s without asking
 *     Entra again (msal-common ThrottlingUtils) — so retrying *around* MSAL cannot work. Retrying here, below
 *     MSAL, lets a 429-then-success be a success, honouring Retry-After within the mailbox deadline.
 *  2. MSAL turns a network failure into a bare "network_error" and drops the HTTP status; we record what
 *     happened (status, OAuth error, retries) so the failure can be reported as transient, not as a misconfiguration.
 */
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { aadstsCodeIn, microsoftDescription } from './catalogue.js';
import {
  DEFAULT_RETRY_POLICY,
  isTransientOAuthError,
  isTransientStatus,
  nextRetryDelay,
  parseRetryAfter,
  type RetryPolicy,
} from './retry.js';

/** What happened on the wire during one token acquisition. Never holds a body, header value or token. */
export interface AttemptLog {
  requests: number;
  /** Token-endpoint POSTs (what the lab counts per identity). */
  tokenRequests: number;
  retries: number;
  /** The caller's signal (the mailbox deadline) ended the acquisition. */
  aborted?: boolean;
  /** The last transient answer seen (kept when retries ran out). */
  lastTransient?: { status?: number; error?: string; network?: string; retryAfterMs?: number };
  /**
   * The last non-2xx answer: MSAL drops the body of a failed metadata GET (unknown tenant → AADSTS90002), so the
   * AADSTS number and Microsoft's description are kept here (descriptions never carry credentials).
   */
  lastError?: { status: number; aadsts?: number; description?: string };
  /**
   * The last answer whose body was not JSON (an HTML proxy or captive-portal page, a truncated body): its status
   * and content type only. Entra always answers JSON, so such a body means something on the path answered.
   */
  badBody?: { status: number; contentType?: string };
}

export interface AttemptScope {
  log: AttemptLog;
  signal?: AbortSignal;
  /** Milliseconds left until the mailbox deadline. */
  remainingMs(): number;
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export class NetworkFailure extends Error {
  readonly code = 'ENETWORK';
  constructor(message: string) {
    super(message);
    this.name = 'NetworkFailure';
  }
}

/** Short reason of a fetch failure ("ECONNREFUSED", "CERT_HAS_EXPIRED", "timeout") without URLs or bodies. */
function networkReason(err: unknown): string {
  const e = err as { name?: string; code?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return 'timeout';
  return e?.cause?.code ?? e?.code ?? e?.cause?.message?.slice(0, 80) ?? 'network error';
}

/** Whether a body parses as a JSON object, as every answer of Entra's endpoints does. */
function looksLikeJson(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object';
  } catch {
    return false;
  }
}

export class RetryingNetworkClient implements INetworkModule {
  #scope: AttemptScope | undefined;

  constructor(
    private readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    private readonly sleep: Sleep = realSleep,
    private readonly nowMs: () => number,
  ) {}

  /** Binds the next requests to one acquisition (the cache runs at most one acquisition per client at a time). */
  begin(scope: AttemptScope): void {
    this.#scope = scope;
  }
  end(): void {
    this.#scope = undefined;
  }

  sendGetRequestAsync<T>(
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    return this.#send<T>('GET', url, options, timeout);
  }
  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.#send<T>('POST', url, options);
  }

  async #send<T>(
    method: 'GET' | 'POST',
    url: string,
    options: NetworkRequestOptions | undefined,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    const scope = this.#scope;
    const log = scope?.log;
    for (let retry = 0; ; retry++) {
      const remaining = scope ? scope.remainingMs() : 30_000;
      const budget = Math.max(1, Math.min(timeout ?? remaining, remaining));
      const signals = [AbortSignal.timeout(budget)];
      if (scope?.signal) signals.push(scope.signal);
      if (log) {
        log.requests++;
        if (method === 'POST' && /\/oauth2\/(v2\.0\/)?token$/.test(new URL(url).pathname))
          log.tokenRequests++;
      }
      let response: NetworkResponse<T> | undefined;
      let failure: string | undefined;
      try {
        const res = await fetch(url, {
          method,
          headers: options?.headers ?? {},
          body: method === 'POST' ? (options?.body ?? '') : undefined,
          signal: AbortSignal.any(signals),
        });
        const text = await res.text();
        let body: unknown = {};
        try {
          body = text ? JSON.parse(text) : {};
        } catch {
          // A proxy or outage page (HTML) instead of JSON: keep the status, drop the body.
          body = {};
        }
        if (log && text && !looksLikeJson(text)) {
          const contentType = res.headers.get('content-type')?.split(';')[0]?.trim().slice(0, 60);
          log.badBody = { status: res.status, ...(contentType ? { contentType } : {}) };
        }
        const headers: Record<string, string> = {};
        res.headers.forEach((v, k) => (headers[k] = v));
        response = { status: res.status, headers, body: body as T };
      } catch (err) {
        if (scope?.signal?.aborted) {
          if (log) log.aborted = true;
          throw new NetworkFailure('aborted: the mailbox deadline was reached');
        }
        failure = networkReason(err);
      }

      const errBody = response?.body as { error?: unknown; error_description?: unknown } | undefined;
      const oauthError = errBody?.error;
      if (log && response && (response.status < 200 || response.status > 299)) {
        const desc = typeof errBody?.error_description === 'string' ? errBody.error_description : undefined;
        const aadsts = aadstsCodeIn(desc);
        const description = microsoftDescription(desc);
        log.lastError = {
          status: response.status,
          ...(aadsts !== undefined ? { aadsts } : {}),
          ...(description ? { description } : {}),
        };
      }
      const transient =
        failure !== undefined ||
        (response !== undefined && (isTransientStatus(response.status) || isTransientOAuthError(oauthError)));
      if (!transient && response) return response;

      const retryAfterMs = parseRetryAfter(response?.headers['retry-after'], this.nowMs());
      if (log) {
        log.lastTransient = {
          ...(response ? { status: response.status } : {}),
          ...(typeof oauthError === 'string' ? { error: oauthError } : {}),
          ...(failure ? { network: failure } : {}),
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        };
      }
      const delay = nextRetryDelay(retry, retryAfterMs, scope ? scope.remainingMs() : 30_000, this.policy);
      if (delay === undefined) {
        // Out of retries. Throwing (rather than returning the 429/5xx) keeps MSAL from recording a throttling
        // entry that would fail the next runs without asking Entra; the log tells the caller what happened.
        throw new NetworkFailure(
          response ? `transient HTTP ${response.status}` : `network error: ${failure ?? 'unknown'}`,
        );
      }
      if (log) log.retries++;
      try {
        await this.sleep(delay, scope?.signal);
      } catch {
        if (log) log.aborted = true;
        throw new NetworkFailure('aborted: the mailbox deadline was reached');
      }
    }
  }
}
