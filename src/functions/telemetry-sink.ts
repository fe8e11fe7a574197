/** Telemetry for the Function App: Application Insights when configured, nothing otherwise. */
import type { AppSettings } from '../shared/config/app-settings.js';
import { noResultSink, type ResultSink } from '../shared/cycle/deps.js';

export function createTelemetrySink(_settings: AppSettings): ResultSink {
  return noResultSink;
}
