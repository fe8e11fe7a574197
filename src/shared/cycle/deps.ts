/**
 * The dependencies of one Function App invocation (or one demo/CLI cycle), built once per warm process:
 * the validated configuration, the state store, the process-wide token cache, the alert channels, telemetry.
 * `src/functions/*` build this from the environment through `config/` and pass it to the cycle functions.
 */
import { createLinkIssuer } from '../actions/issue.js';
import { processTokenCache, type TokenCache } from '../auth/token-cache.js';
import { createTokenSource } from '../auth/token-source.js';
import { createEmailChannel } from '../alerts/channels/email.js';
import type { Channel } from '../alerts/channels/types.js';
import type { NotifyRunOptions } from '../alerts/notify-run.js';
import type { CheckResult } from '../contracts.js';
import { createWebhookChannel } from '../alerts/channels/webhook.js';
import type { Deadline } from '../deadline.js';
import type { ImapSessionFactory, SmtpProbeFactory } from '../mail/ports.js';
import type { TokenSource } from '../auth/ports.js';
import type { ConnectionGate } from '../checks/tenant-gate.js';
import type { Clock } from '../clock.js';
import type { ActionSettings } from '../config/action-settings.js';
import type { ConfigBlob } from '../config/blob-source.js';
import type { Config, MailboxConfig } from '../config/load.js';
import type { SecretResolver } from '../config/secrets.js';
import type { Logger } from '../logger.js';
import type { StateStore } from '../state/ports.js';
import { noopTelemetry, type TelemetrySink } from '../telemetry/app-insights.js';

/** Where results go besides the state store: Application Insights in Azure, nothing offline. */
export type ResultSink = TelemetrySink;
export const noResultSink: ResultSink = noopTelemetry;

export interface CycleDeps {
  config: Config;
  store: StateStore;
  clock: Clock;
  logger: Logger;
  secrets: SecretResolver;
  tokenCache: TokenCache;
  sink: ResultSink;
  /** The IMAP session and SMTP probe of a run, chosen in `compose.ts`. */
  imap: ImapSessionFactory;
  smtp: SmtpProbeFactory;
  /** The process's per-tenant connection cap (config `connectionsPerTenant`), shared by concurrent runs. */
  gate?: ConnectionGate;
  /** When the configuration came from a blob: where, and the ETag of the version these deps were built from. */
  configBlob?: { blob: ConfigBlob; etag: string };
  /** Channels built from the configuration; overridable for tests. */
  channels?: { email?: { channel: Channel; senderMailboxId: string }; webhooks: Channel[] };
  /** Action links (keys, base URL, sign-in): absent or without keys means mails carry no buttons. */
  actionLinks?: ActionSettings;
}

/** The notifyRun options every cycle shares: the store, the policy, the recipients and the channels. */
export function notifyOptions(
  deps: CycleDeps,
  mailbox: NotifyRunOptions['mailbox'],
  results: readonly CheckResult[],
): NotifyRunOptions {
  // Buttons only for a configured mailbox (poison alerts name a queue, not a mailbox).
  const configured = deps.config.mailboxes.find((m) => m.id === mailbox.id);
  const issuer = configured ? createLinkIssuer(deps.actionLinks, deps.clock) : undefined;
  return {
    ...(issuer && configured ? { links: { issuer, mailbox: configured } } : {}),
    store: deps.store,
    mailbox,
    results,
    policy: deps.config.alerts.policy,
    alertRecipients: deps.config.alerts.email?.to ?? [],
    docsUrl: deps.config.alerts.docsUrl,
    ...(deps.channels?.email ? { email: deps.channels.email } : {}),
    webhooks: deps.channels?.webhooks ?? [],
    now: deps.clock.now(),
    logger: deps.logger,
  };
}

export function mailboxById(config: Config, id: string): MailboxConfig | undefined {
  return config.mailboxes.find((m) => m.id === id);
}

export function tokenSourceFor(
  deps: Pick<CycleDeps, 'secrets' | 'clock' | 'logger' | 'tokenCache'>,
  mailbox: MailboxConfig,
  deadline?: Deadline,
): TokenSource {
  return createTokenSource(mailbox, {
    secrets: deps.secrets,
    clock: deps.clock,
    logger: deps.logger,
    cache: deps.tokenCache,
    ...(deadline ? { deadline } : {}),
  });
}

/**
 * The channels of `config.alerts`: e-mail from the sender mailbox (OAuth2 SMTP, like the desk) and the webhooks.
 * Problems found by `validate()` are reported at start, not when the first real alert is due.
 */
export function buildChannels(
  deps: Pick<CycleDeps, 'config' | 'secrets' | 'clock' | 'logger' | 'tokenCache'>,
): { email?: { channel: Channel; senderMailboxId: string }; webhooks: Channel[]; problems: string[] } {
  const { config } = deps;
  const problems: string[] = [];
  let email: { channel: Channel; senderMailboxId: string } | undefined;
  const from = config.alerts.email?.from;
  const sender = from ? mailboxById(config, from) : undefined;
  if (sender) {
    const channel = createEmailChannel({
      sender,
      tokens: tokenSourceFor(deps, sender),
    });
    problems.push(...channel.validate());
    email = { channel, senderMailboxId: sender.id };
  }
  const webhooks: Channel[] = [];
  config.alerts.webhooks.forEach((w, i) => {
    let url: string;
    try {
      url = deps.secrets(w.url, `alerts.webhooks[${i}].url`);
    } catch (err) {
      problems.push((err as Error).message);
      return;
    }
    const channel = createWebhookChannel({ kind: w.kind, url, ...(w.name ? { name: w.name } : {}) });
    problems.push(...channel.validate());
    webhooks.push(channel);
  });
  return { ...(email ? { email } : {}), webhooks, problems };
}

/**
 * The deps of one invocation: the same process-wide parts, logging through `logger`. The alert channels are rebuilt
 * (cheap: no network) because the sender mailbox's token source logs through the logger it was made with — kept from
 * the first invocation, its lines would be correlated with the wrong one. Problems were reported at start.
 */
export function withInvocationLogger(deps: CycleDeps, logger: Logger): CycleDeps {
  const { problems: _reported, ...channels } = buildChannels({ ...deps, logger });
  return { ...deps, logger, channels };
}

export { processTokenCache };
