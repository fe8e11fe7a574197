/**
 * A warm process's dependencies, rebuilt when the configuration blob changes: at most once per `intervalMs` an
 * invocation asks the blob's ETag (one HEAD request) and, when it differs from the version the deps were built
 * from, builds them again from the new document. A document that no longer validates keeps the running
 * configuration and logs why, so a bad upload does not stop the checks. Without a blob nothing is re-read.
 */
import type { Clock } from '../clock.js';
import type { CycleDeps } from './deps.js';

export const CONFIG_RECHECK_MS = 60_000;

export interface WatchedDeps {
  get(): Promise<CycleDeps>;
}

export function watchConfig(
  build: () => Promise<CycleDeps>,
  clock: Clock,
  intervalMs = CONFIG_RECHECK_MS,
): WatchedDeps {
  let current: Promise<CycleDeps> | undefined;
  let checkedAt = 0;
  let checking: Promise<void> | undefined;
  const fresh = () =>
    build().catch((err: unknown) => {
      current = undefined; // a failed build is retried by the next invocation
      throw err;
    });
  const recheck = async (deps: CycleDeps) => {
    const source = deps.configBlob;
    if (!source) return;
    const etag = await source.blob.etag();
    if (etag === source.etag) return;
    try {
      const next = await build();
      current = Promise.resolve(next);
      deps.logger.info('configuration blob changed: reloaded', { mailboxes: next.config.mailboxes.length });
    } catch (err) {
      // Keep running on the last good configuration; remember the bad ETag so it is not re-read every minute.
      source.etag = etag;
      deps.logger.error('configuration blob changed but cannot be used; keeping the previous one', {
        error: err instanceof Error ? err.message : String(err),
      });
    }
  };
  return {
    async get() {
      current ??= fresh();
      const deps = await current;
      const now = clock.now().getTime();
      if (deps.configBlob && now - checkedAt >= intervalMs) {
        checkedAt = now;
        checking ??= recheck(deps)
          .catch((err: unknown) =>
            deps.logger.warn('configuration blob ETag check failed; keeping the current configuration', {
              error: err instanceof Error ? err.message : String(err),
            }),
          )
          .finally(() => (checking = undefined));
        await checking;
        return current ?? deps;
      }
      return deps;
    },
  };
}
