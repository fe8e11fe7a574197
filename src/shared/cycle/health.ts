/**
 * The health endpoint's document: every mailbox's last status per check and since when. No secret and no mail
 * content: summaries are left out (they can quote subjects and folder names); statuses, times and metrics only.
 */
import type { Config } from '../config/load.js';
import { worstStatus, type CheckName, type Status } from '../contracts.js';
import type { StateStore } from '../state/ports.js';

export interface HealthCheckEntry {
  check: CheckName;
  status: Status;
  since: string;
  lastRunAt: string;
  consecutiveFailures: number;
  metrics: Record<string, number>;
}

export interface HealthDocument {
  status: Status;
  generatedAt: string;
  mailboxes: Array<{ id: string; status: Status; checks: HealthCheckEntry[] }>;
}

export async function healthDocument(
  config: Pick<Config, 'mailboxes'>,
  store: StateStore,
  now: Date,
): Promise<HealthDocument> {
  const mailboxes: HealthDocument['mailboxes'] = [];
  for (const m of config.mailboxes) {
    const rows = await store.status.list(m.id);
    const checks = rows.map((r) => ({
      check: r.value.check,
      status: r.value.status,
      since: r.value.since,
      lastRunAt: r.value.result.at,
      consecutiveFailures: r.value.consecutiveFailures,
      metrics: r.value.result.metrics,
    }));
    // A mailbox never checked yet is UNKNOWN, not OK.
    mailboxes.push({
      id: m.id,
      status: checks.length ? worstStatus(checks.map((c) => c.status)) : 'UNKNOWN',
      checks,
    });
  }
  return {
    status: worstStatus(mailboxes.map((m) => m.status)),
    generatedAt: now.toISOString(),
    mailboxes,
  };
}
