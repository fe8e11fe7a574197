import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import type { AlertAction, CheckName, CheckResult, Status } from '../../src/shared/contracts.js';
import { DEFAULT_POLICY, decide, type AlertMemory } from '../../src/shared/alerts/decide.js';

const HOUR = 3_600_000;
const result = (check: CheckName, status: Status, summary = `${check} is ${status}`): CheckResult => ({
  check,
  mailbox: 'servicedesk',
  status,
  summary,
  metrics: {},
  durationMs: 5,
  at: '2026-11-27T10:00:00.000Z',
});

/** Runs a sequence of (advance, status, send succeeds?) steps through decide, persisting as the runner does. */
function lifecycle(
  check: CheckName,
  steps: Array<{ after: number; status: Status; sent?: boolean; summary?: string }>,
): Array<{ action: AlertAction; triggered: boolean; failures: number }> {
  const clock = new ManualClock('2026-11-27T10:00:00Z');
  let memory: AlertMemory = {};
  return steps.map((s) => {
    clock.advance(s.after);
    const d = decide(memory, result(check, s.status, s.summary), DEFAULT_POLICY, clock.now());
    // status is stored every run; the alert row only after a successful send (none needs no send).
    const sent = d.action === 'none' ? false : (s.sent ?? true);
    memory = { status: d.next.status, alert: sent ? d.next.alert : memory.alert };
    return {
      action: d.action,
      triggered: memory.alert?.triggered ?? false,
      failures: d.next.status.consecutiveFailures,
    };
  });
}

describe('decide', () => {
  it.each([
    {
      name: 'connectivity check: 2 failures before trigger, remind after 24 h, escalate, resolve',
      check: 'imap-login' as const,
      steps: [
        { after: 0, status: 'WARN' as Status, expect: 'none' },
        { after: 5 * 60_000, status: 'WARN' as Status, expect: 'trigger' },
        { after: 5 * 60_000, status: 'WARN' as Status, expect: 'none' },
        { after: 24 * HOUR, status: 'WARN' as Status, expect: 'remind' },
        { after: HOUR, status: 'WARN' as Status, expect: 'none' },
        { after: 5 * 60_000, status: 'CRIT' as Status, expect: 'escalate' },
        { after: 5 * 60_000, status: 'CRIT' as Status, expect: 'none' },
        { after: 5 * 60_000, status: 'OK' as Status, expect: 'resolve' },
        { after: 5 * 60_000, status: 'OK' as Status, expect: 'none' },
      ],
    },
    {
      name: 'other checks alert on the first failure',
      check: 'inbox' as const,
      steps: [
        { after: 0, status: 'OK' as Status, expect: 'none' },
        { after: 60_000, status: 'CRIT' as Status, expect: 'trigger' },
        { after: 60_000, status: 'WARN' as Status, expect: 'none' }, // milder: not notified
        { after: 60_000, status: 'OK' as Status, expect: 'resolve' },
      ],
    },
    {
      name: 'a single connectivity blip never alerts',
      check: 'smtp-auth' as const,
      steps: [
        { after: 0, status: 'CRIT' as Status, expect: 'none' },
        { after: 60_000, status: 'OK' as Status, expect: 'none' },
        { after: 60_000, status: 'CRIT' as Status, expect: 'none' },
        { after: 60_000, status: 'OK' as Status, expect: 'none' },
      ],
    },
  ])('$name', ({ check, steps }) => {
    const out = lifecycle(check, steps);
    expect(out.map((o) => o.action)).toEqual(steps.map((s) => s.expect));
  });

  it('a failed send does not mark triggered: the trigger is proposed again next run', () => {
    const out = lifecycle('junk', [
      { after: 0, status: 'WARN', sent: false },
      { after: 60_000, status: 'WARN', sent: false },
      { after: 60_000, status: 'WARN', sent: true },
      { after: 60_000, status: 'WARN' },
      { after: 60_000, status: 'OK', sent: false },
      { after: 60_000, status: 'OK', sent: true },
      { after: 60_000, status: 'OK' },
    ]);
    expect(out.map((o) => [o.action, o.triggered])).toEqual([
      ['trigger', false],
      ['trigger', false],
      ['trigger', true],
      ['none', true],
      ['resolve', true],
      ['resolve', false],
      ['none', false],
    ]);
  });

  it('a skipped check keeps its failure count and neither alerts nor resolves', () => {
    const out = lifecycle('inbox', [
      { after: 0, status: 'CRIT' },
      { after: 60_000, status: 'UNKNOWN', summary: 'skipped: imap-login failed' },
      { after: 60_000, status: 'OK' },
    ]);
    expect(out.map((o) => [o.action, o.failures])).toEqual([
      ['trigger', 1],
      ['none', 1],
      ['resolve', 0],
    ]);
  });

  it('keeps "since" while the status holds and moves it when the status changes', () => {
    const t0 = new Date('2026-11-27T10:00:00Z');
    const a = decide({}, result('inbox', 'WARN'), DEFAULT_POLICY, t0);
    const b = decide(a.next, result('inbox', 'WARN'), DEFAULT_POLICY, new Date(t0.getTime() + HOUR));
    const c = decide(b.next, result('inbox', 'CRIT'), DEFAULT_POLICY, new Date(t0.getTime() + 2 * HOUR));
    expect(b.next.status.since).toBe('2026-11-27T10:00:00.000Z');
    expect(c.next.status.since).toBe('2026-11-27T12:00:00.000Z');
    expect(c.next.status.consecutiveFailures).toBe(3);
  });

  it('stores a result with oversized details without them (Table Storage caps a property at 64 KiB)', () => {
    const big = { ...result('inbox', 'WARN'), details: { folders: 'x'.repeat(70_000) } };
    const d = decide({}, big, DEFAULT_POLICY, new Date('2026-11-27T10:00:00Z'));
    expect(d.next.status.result.details).toEqual({ truncated: true });
    expect(d.next.status.result.summary).toBe('inbox is WARN');
    const small = { ...result('inbox', 'WARN'), details: { folder: 'INBOX' } };
    expect(decide({}, small, DEFAULT_POLICY, new Date()).next.status.result.details).toEqual({
      folder: 'INBOX',
    });
  });
});
