/**
 * Telemetry to Application Insights (`applicationinsights` v3, on OpenTelemetry): one availability result per
 * mailbox and check, plus a few metrics. It is the independent last resort (docs/architecture.md): Azure Monitor
 * alert rules fire on failed availability results even when the app's own channels are down.
 *
 * Availability: name `<mailbox>/<check>`; success = OK or WARN. A WARN still means mail flows (the check did its
 * job and found something to look at); CRIT is an outage and UNKNOWN means the monitor could not show the mailbox
 * works (a skipped check follows a failed one), so both count as unavailable.
 *
 * Content rule: no secret and no mail content — the message is the status and the check's name, properties are
 * the mailbox id, check, status and setup step; the check's summary (which may quote subjects) is never sent.
 *
 * In Azure, local auth is disabled on the App Insights resource: with `Authorization=AAD` in the authentication
 * string the exporter gets an Entra token credential (the managed identity; a user-assigned one by its client id).
 * Without a connection string the sink is a no-op. Settings come in from `readAppSettings` — never from the
 * environment here.
 *
 * The SDK (OpenTelemetry underneath) and `@azure/identity` are imported only when a connection string is set:
 * a process without telemetry never loads them, which is a large part of a cold start (docs/performance.md).
 */
import { randomUUID } from 'node:crypto';
import type { TokenCredential } from '@azure/identity';
import type { TelemetryClient } from 'applicationinsights';
import type { AppSettings } from '../config/app-settings.js';
import type { CheckResult, Status } from '../contracts.js';

/** The metrics sent (camelCase, unit in the name); anything else a check reports stays out. */
export const TELEMETRY_METRICS = [
  'oldestWaitingSeconds',
  'junkMessages',
  'quotaPercent',
  'recipients24h',
  'durationMs',
] as const;

export interface TelemetrySink {
  readonly enabled: boolean;
  recordResults(results: readonly CheckResult[]): void;
  /** A custom event (an admin's action from a mail): names and counts only, never mail content. */
  recordEvent?(name: string, properties: Record<string, string>, measurements?: Record<string, number>): void;
  /** Sends what is buffered (the SDK batches); call before a Function invocation ends. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export const noopTelemetry: TelemetrySink = {
  enabled: false,
  recordResults() {},
  async flush() {},
  async shutdown() {},
};

export function availabilitySuccess(status: Status): boolean {
  return status === 'OK' || status === 'WARN';
}

/** `Authorization=AAD;ClientId=<guid>` → { aad: true, clientId }. */
export function parseAuthenticationString(s: string | undefined): { aad: boolean; clientId?: string } {
  if (!s) return { aad: false };
  const parts = new Map(
    s
      .split(';')
      .map((kv) => kv.split('=').map((x) => x.trim()))
      .filter((kv) => kv.length === 2 && kv[0])
      .map(([k, v]) => [k!.toLowerCase(), v!] as const),
  );
  const aad = (parts.get('authorization') ?? '').toUpperCase() === 'AAD';
  const clientId = parts.get('clientid');
  return { aad, ...(aad && clientId ? { clientId } : {}) };
}

export interface TelemetryOptions {
  /** Overrides the credential built from the authentication string (tests, other identities). */
  credential?: TokenCredential;
  runLocation?: string;
}

export function createTelemetry(settings: AppSettings, options: TelemetryOptions = {}): TelemetrySink {
  const cs = settings.appInsightsConnectionString;
  if (!cs) return noopTelemetry;
  const client = loadClient(cs, settings, options);
  // Items recorded before the SDK has loaded are sent once it has; flush() waits for both.
  let pending: Promise<unknown> = client;
  const runLocation = options.runLocation ?? 'mailbox-health';

  return {
    enabled: true,
    recordResults(results) {
      const copy = [...results];
      pending = pending.then(() => client).then((c) => track(c, copy, runLocation));
    },
    recordEvent(name, properties, measurements) {
      const event = { name, properties: { ...properties }, ...(measurements ? { measurements } : {}) };
      pending = pending.then(() => client).then((c) => c.trackEvent(event));
    },
    flush: async () => {
      await pending;
      await (await client).flush();
    },
    shutdown: async () => {
      await pending.catch(() => undefined);
      await (await client).shutdown();
    },
  };
}

async function loadClient(
  cs: string,
  settings: AppSettings,
  options: TelemetryOptions,
): Promise<TelemetryClient> {
  const auth = parseAuthenticationString(settings.appInsightsAuthenticationString);
  const { TelemetryClient } = await import('applicationinsights');
  // Isolated providers: no global OpenTelemetry registration, no auto-instrumentation of http or the SDKs.
  const client = new TelemetryClient(cs, { useGlobalProviders: false });
  let credential = options.credential;
  if (!credential && auth.aad) {
    const { DefaultAzureCredential } = await import('@azure/identity');
    const clientId = auth.clientId ?? settings.managedIdentityClientId;
    credential = new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
  }
  if (credential) client.config.aadTokenCredential = credential;
  return client;
}

function track(client: TelemetryClient, results: readonly CheckResult[], runLocation: string): void {
  for (const r of results) {
    const properties: Record<string, string> = { mailbox: r.mailbox, check: r.check, status: r.status };
    if (r.remediation?.setupStep) properties.setupStep = r.remediation.setupStep;
    const measurements: Record<string, number> = {};
    for (const m of TELEMETRY_METRICS) {
      const v = m === 'durationMs' ? r.durationMs : r.metrics[m];
      if (typeof v === 'number' && Number.isFinite(v)) measurements[m] = v;
    }
    client.trackAvailability({
      id: randomUUID(),
      name: `${r.mailbox}/${r.check}`,
      duration: r.durationMs,
      success: availabilitySuccess(r.status),
      runLocation,
      message: `${r.status} ${r.check}`,
      time: new Date(r.at),
      properties,
      measurements,
    });
    for (const [name, value] of Object.entries(measurements))
      client.trackMetric({ name, value, properties: { mailbox: r.mailbox, check: r.check } });
  }
}
