import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/shared/contracts.js';
import {
  renderAlert,
  renderJsonPayload,
  renderTeamsCard,
  type AlertInput,
} from '../../src/shared/report/alert.js';

const hostile = '<script>alert(1)</script> \u202Efdp.exe [x](https://evil.example) | next\r\nBcc: a@b';
const inbox: CheckResult = {
  check: 'inbox',
  mailbox: 'servicedesk',
  status: 'CRIT',
  summary: `oldest waiting message "${hostile}" is 95 minutes old`,
  metrics: { oldestWaitingSeconds: 5700, waitingMessages: 12 },
  remediation: {
    cause: 'the service desk has not fetched mail for 95 minutes',
    fix: 'check the ESM mail fetcher',
    setupStep: 'esm-platform-settings',
  },
  durationMs: 40,
  at: '2026-11-27T10:05:00.000Z',
};
const input: AlertInput = {
  mailboxId: 'servicedesk',
  address: 'servicedesk@contoso.com',
  at: new Date('2026-11-27T10:05:00Z'),
  changes: [
    { action: 'trigger', result: inbox, since: '2026-11-27T09:30:00.000Z' },
    {
      action: 'resolve',
      result: { ...inbox, check: 'junk', status: 'OK', summary: 'junk ok', metrics: {} },
      since: '2026-11-27T10:05:00.000Z',
    },
  ],
};

describe('renderAlert', () => {
  const r = renderAlert(input);

  it('says what is wrong, since when, the numbers, the fix and the setup step', () => {
    expect(r.text).toContain('NEW: CRIT inbox');
    expect(r.text).toContain('Since: 2026-11-27 09:30 UTC');
    expect(r.text).toContain('Numbers: oldestWaitingSeconds=5700, waitingMessages=12');
    expect(r.text).toContain('Fix: check the ESM mail fetcher');
    expect(r.text).toContain(
      'Setup step: ESM Platform Settings (mail.oauth.* settings) (esm-platform-settings)',
    );
    expect(r.text).toContain('RESOLVED: OK junk');
    expect(r.subject).toBe('[mailbox-health] CRIT servicedesk@contoso.com: inbox, junk resolved');
  });

  it('makes hostile mailbox text inert in HTML, text and subject', () => {
    expect(r.html).not.toContain('<script>');
    expect(r.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(r.html).not.toMatch(/<a\b|href=/i);
    expect(r.html).not.toContain('https://evil');
    for (const out of [r.text, r.html, r.subject]) expect(out).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    expect(r.text).not.toContain('\r');
    expect(r.text).toContain('| next Bcc: a@b'); // the injected line break is gone: no fake header line
  });

  it('escapes Markdown in the Teams card and Slack syntax in the JSON payload', () => {
    const card = JSON.stringify(renderTeamsCard(input));
    expect(card).toContain('"version":"1.4"');
    expect(card).toContain('\\\\[x\\\\]\\\\(https\\\\[:\\\\]//evil\\\\.example\\\\)');
    const json = renderJsonPayload(input);
    expect(json.text).toContain('&lt;script&gt;');
    expect(json.status).toBe('CRIT');
  });
});
