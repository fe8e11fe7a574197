/**
 * What every function of this app shares in one warm process: the dependencies, built once from the app settings
 * on first use (a bad configuration fails every invocation with the list of bad fields, visible in the logs).
 * Handlers are made by factories taking `getDeps`, so tests and the demo run the same handlers on their own deps.
 */
import type { InvocationContext } from '@azure/functions';
import { systemClock } from '../shared/clock.js';
import { composeCycleDeps } from '../shared/cycle/compose.js';
import { watchConfig, type WatchedDeps } from '../shared/cycle/config-watch.js';
import { withInvocationLogger, type CycleDeps } from '../shared/cycle/deps.js';
import { scrub } from '../shared/faults/index.js';
import type { Logger } from '../shared/logger.js';
import { createTelemetrySink } from './telemetry-sink.js';

export type GetDeps = (context: InvocationContext) => Promise<CycleDeps>;

/** The host's logger, seen through the core's Logger port; every line passes the scrubber on its way out. */
export function contextLogger(context: InvocationContext): Logger {
  const fmt = (m: string, d?: Record<string, unknown>) => scrub(d ? `${m} ${JSON.stringify(d)}` : m);
  return {
    debug: (m, d) => context.debug(fmt(m, d)),
    info: (m, d) => context.info(fmt(m, d)),
    warn: (m, d) => context.warn(fmt(m, d)),
    error: (m, d) => context.error(fmt(m, d)),
  };
}

let shared: WatchedDeps | undefined;
let firstContext: InvocationContext | undefined;

/**
 * Deps from the process environment, built once per warm process (rebuilt when a configuration blob's ETag
 * changes); a failed build is retried next invocation.
 */
export const processDeps: GetDeps = async (context) => {
  firstContext = context;
  shared ??= watchConfig(
    () =>
      composeCycleDeps({
        env: process.env,
        logger: contextLogger(firstContext ?? context),
        sink: createTelemetrySink,
      }),
    systemClock,
  );
  const deps = await shared.get();
  // Log through the current invocation so lines are correlated with it.
  return withInvocationLogger(deps, contextLogger(context));
};

export const CHECK_QUEUE_CONNECTION = 'AzureWebJobsStorage';
