/**
 * The composition root of the Function App: everything one warm process needs, built once from the app settings
 * (read through `config/`, the only code that reads the environment). Bad configuration fails here, at start, with
 * the path of every bad field; channel problems are reported here too, not when the first alert is due.
 */
import { processTokenCache, type TokenCache } from '../auth/token-cache.js';
import { systemClock, type Clock } from '../clock.js';
import { readActionSettings } from '../config/action-settings.js';
import { readAppSettings, type AppSettings } from '../config/app-settings.js';
import {
  configBlobReference,
  loadConfigBlob,
  openConfigBlob,
  type BlobCredential,
  type ConfigBlob,
} from '../config/blob-source.js';
import { loadConfigFromEnv, type Config, type LoadedConfig } from '../config/load.js';
import { createSecretResolver } from '../config/secrets.js';
import type { Logger } from '../logger.js';
import { ImapSession } from '../mail/imap-session.js';
import type { ImapSessionFactory, SmtpProbeFactory } from '../mail/ports.js';
import { createSmtpProbe } from '../mail/smtp-probe.js';
import { createConnectionGate } from '../checks/tenant-gate.js';
import { createStateStore } from '../state/factory.js';
import type { StateStore } from '../state/ports.js';
import { buildChannels, noResultSink, type CycleDeps, type ResultSink } from './deps.js';

/**
 * The production connections of a mailbox run: imapflow for the one IMAP session, nodemailer for the SMTP probe.
 * Chosen here (and by the CLI, which imports this) only; the checks and cycles receive them as ports.
 */
export const mailConnections: { imap: ImapSessionFactory; smtp: SmtpProbeFactory } = {
  imap: (mailbox, deadline, logger) => new ImapSession(mailbox, deadline, logger),
  smtp: (mailbox, deadline, clock) => createSmtpProbe(mailbox, deadline, clock),
};

export interface ComposeOptions {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  clock?: Clock;
  tokenCache?: TokenCache;
  /** Overrides config.state (tests, the demo). */
  store?: StateStore;
  /** Telemetry from the app settings; defaults to none. */
  sink?: (settings: AppSettings) => ResultSink;
  /** Overrides the configuration (otherwise MAILBOX_HEALTH_CONFIG). */
  config?: Config;
  /** Overrides the IMAP session (tests, the demo's in-memory server); defaults to imapflow. */
  imap?: ImapSessionFactory;
  /**
   * How a configuration blob is read (`MAILBOX_HEALTH_CONFIG` = `{ "blob": url }`): the managed identity by
   * default; tests pass the emulator's account key.
   */
  blobCredential?: BlobCredential;
}

export async function composeCycleDeps(o: ComposeOptions): Promise<CycleDeps> {
  const settings = readAppSettings(o.env);
  const blobUrl = o.config ? undefined : configBlobReference(o.env);
  let configBlob: { blob: ConfigBlob; etag: string } | undefined;
  let loaded: LoadedConfig;
  if (o.config) loaded = { config: o.config, warnings: [] };
  else if (blobUrl) {
    const blob = await openConfigBlob(blobUrl, o.blobCredential ?? (await managedIdentity(settings)));
    const fromBlob = await loadConfigBlob(blob);
    loaded = fromBlob;
    configBlob = { blob, etag: fromBlob.etag };
  } else loaded = loadConfigFromEnv(o.env);
  for (const w of loaded.warnings) o.logger.warn(`configuration: ${w}`);
  const config = loaded.config;
  const secrets = createSecretResolver(o.env);
  const clock = o.clock ?? systemClock;
  const tokenCache = o.tokenCache ?? processTokenCache;
  const store =
    o.store ??
    (await createStateStore(config.state.tables, secrets, {
      forbidDirectory: 'Function App instances share no disk; name Table Storage (state.tables.accountUrl)',
      ...(settings.managedIdentityClientId
        ? { managedIdentityClientId: settings.managedIdentityClientId }
        : {}),
    }));
  await store.ensureTables();
  const { problems, ...channels } = buildChannels({ config, secrets, clock, logger: o.logger, tokenCache });
  for (const p of problems) o.logger.warn(`alert channel: ${p}`);
  const actionLinks = readActionSettings(o.env);
  for (const p of actionLinks.problems) o.logger.warn(`action links: ${p}`);
  return {
    config,
    store,
    clock,
    logger: o.logger,
    secrets,
    tokenCache,
    sink: o.sink?.(settings) ?? noResultSink,
    imap: o.imap ?? mailConnections.imap,
    smtp: mailConnections.smtp,
    gate: createConnectionGate(config.connectionsPerTenant),
    channels,
    actionLinks,
    ...(configBlob ? { configBlob } : {}),
  };
}

async function managedIdentity(settings: AppSettings): Promise<BlobCredential> {
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new DefaultAzureCredential(
    settings.managedIdentityClientId ? { managedIdentityClientId: settings.managedIdentityClientId } : {},
  );
}
