/** Telemetry for the Function App: Application Insights when configured (managed identity), nothing otherwise. */
import type { AppSettings } from '../shared/config/app-settings.js';
import type { ResultSink } from '../shared/cycle/deps.js';
import { createTelemetry } from '../shared/telemetry/app-insights.js';

export function createTelemetrySink(settings: AppSettings): ResultSink {
  return createTelemetry(settings, { runLocation: 'azure-functions' });
}
