/**
 * Webhook channel: Microsoft Teams Workflows ("When a Teams webhook request is received" → post card) or generic
 * JSON that Slack-style receivers accept. The URL embeds its own credential (the Workflows `sig=`), so it is a
 * secret: it appears in no message, log or error — errors name the channel and the HTTP status only.
 * Bounded retries with exponential backoff on 429 (honouring Retry-After, capped), 5xx, timeouts and network
 * errors; other 4xx fail at once (retrying a bad request does not fix it).
 */
import { scrub } from '../../faults/index.js';
import { renderJsonPayload, renderTeamsCard } from '../../report/alert.js';
import { ChannelError, type Channel, type Notification } from './types.js';

export type WebhookKind = 'teams' | 'json';

export interface WebhookChannelOptions {
  kind: WebhookKind;
  url: string;
  name?: string;
  /** Attempts in total, first included (default 4). */
  attempts?: number;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** First backoff delay; doubles each retry (default 1 s), capped at maxBackoffMs (default 30 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The Teams Workflows envelope: a `message` with one Adaptive Card attachment. */
export function teamsEnvelope(n: Notification): Record<string, unknown> {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: renderTeamsCard(n.input),
      },
    ],
  };
}

function isLoopback(u: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
}

export function createWebhookChannel(options: WebhookChannelOptions): Channel {
  const name = options.name ? `webhook ${options.name}` : `webhook (${options.kind})`;
  const attempts = Math.max(1, options.attempts ?? 4);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const base = options.backoffMs ?? 1_000;
  const cap = options.maxBackoffMs ?? 30_000;
  const sleep = options.sleep ?? defaultSleep;

  const validate = (): string[] => {
    let u: URL;
    try {
      u = new URL(options.url);
    } catch {
      return [`${name}: the URL is not a valid absolute URL`];
    }
    // Plain http would expose the URL's embedded credential; allowed only to a local receiver (tests, lab).
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopback(u)))
      return [`${name}: the URL must use https`];
    return [];
  };

  return {
    name,
    validate,
    async send(n: Notification) {
      const problems = validate();
      if (problems.length) throw new ChannelError(name, 'ECONFIG', problems.join('; '));
      // Results are scrubbed where they are made; the body is scrubbed again on its way out (one scrubber).
      const body = scrub(
        JSON.stringify(options.kind === 'teams' ? teamsEnvelope(n) : renderJsonPayload(n.input)),
      );
      let last = '';
      let lastStatus: number | undefined;
      for (let attempt = 1; attempt <= attempts; attempt++) {
        let retryAfterMs: number | undefined;
        try {
          const res = await fetch(options.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
            signal: AbortSignal.timeout(timeoutMs),
            redirect: 'error', // a redirect could carry the body elsewhere
          });
          await res.arrayBuffer().catch(() => undefined); // drain so the socket is reused/closed
          if (res.ok) return;
          lastStatus = res.status;
          last = `HTTP ${res.status}`;
          if (res.status !== 429 && res.status < 500)
            throw new ChannelError(name, 'EHTTP', `rejected with HTTP ${res.status}`, res.status);
          const ra = res.headers.get('retry-after');
          if (ra && /^\d+$/.test(ra.trim())) retryAfterMs = Number(ra.trim()) * 1000;
        } catch (err) {
          if (err instanceof ChannelError) throw err;
          const e = err as Error;
          // Only the error's kind: fetch messages can include the URL.
          last = e.name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : `network error (${e.name})`;
          lastStatus = undefined;
        }
        if (attempt < attempts) await sleep(Math.min(cap, retryAfterMs ?? base * 2 ** (attempt - 1)));
      }
      throw new ChannelError(
        name,
        'EGAVEUP',
        `gave up after ${attempts} attempts (last: ${last})`,
        lastStatus,
      );
    },
  } satisfies Channel;
}
