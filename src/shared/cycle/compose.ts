/**
 * The composition root of the Function App: everything one warm process needs, built once from the app settings
 * (read through `config/`, the only code that reads the environment). Bad configuration fails here, at start, with
 * the path of every bad field; channel problems are reported here too, not when the first alert is due.
 */
import { processTokenCache, type TokenCache } from '../auth/token-cache.js';
import { systemClock, type Clock } from '../clock.js';
import { readActionSettings } from '../config/action-settings.js';
import { readAppSettings, type AppSettings } from '../config/app-settings.js';
import { loadConfigFromEnv, type Config } from '../config/load.js';
import { createSecretResolver } from '../config/secrets.js';
import type { Logger } from '../logger.js';
import { createStateStore } from '../state/factory.js';
import type { StateStore } from '../state/ports.js';
import { buildChannels, noResultSink, type CycleDeps, type ResultSink } from './deps.js';

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
}

export async function composeCycleDeps(o: ComposeOptions): Promise<CycleDeps> {
  const loaded = o.config ? { config: o.config, warnings: [] } : loadConfigFromEnv(o.env);
  for (const w of loaded.warnings) o.logger.warn(`configuration: ${w}`);
  const config = loaded.config;
  const settings = readAppSettings(o.env);
  const secrets = createSecretResolver(o.env);
  const clock = o.clock ?? systemClock;
  const tokenCache = o.tokenCache ?? processTokenCache;
  const store =
    o.store ??
    createStateStore(config.state.tables, secrets, {
      ...(settings.managedIdentityClientId
        ? { managedIdentityClientId: settings.managedIdentityClientId }
        : {}),
    });
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
    channels,
    actionLinks,
  };
}
