/**
 * In a warm Function App process the deps are built once, but every invocation logs through its own logger — the
 * alert sender's token source included (it used to keep the first invocation's logger). Real token request against
 * the lab's Entra emulator (a wrong password, so the source logs its failure).
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/shared/config/load.js';
import { composeCycleDeps } from '../../src/shared/cycle/compose.js';
import { withInvocationLogger } from '../../src/shared/cycle/deps.js';
import type { Logger } from '../../src/shared/logger.js';
import { renderAlert } from '../../src/shared/report/alert.js';
import { deskConfig, registerDesk } from '../../lab/demo-scenario.js';
import { lab, labEndpoints } from '../helpers/lab.js';

function recordingLogger(lines: string[]): Logger {
  const at = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('one logger per invocation', () => {
  it("the alert sender's token source logs through the current invocation, not the first", async () => {
    const e = labEndpoints();
    const desk = await registerDesk(lab(), 'invocation-logger');
    const doc = deskConfig(
      desk,
      {
        authorityHost: e.authorityHost,
        imap: { host: 'localhost', port: 9 },
        smtp: { host: 'localhost', port: 9 },
      },
      'memory',
    );
    const first: string[] = [];
    const current: string[] = [];
    const deps = await composeCycleDeps({
      env: { SERVICEDESK_PASSWORD: 'not-the-password' },
      logger: recordingLogger(first),
      config: parseConfig(doc, 'test').config,
    });
    first.length = 0;
    const invocation = withInvocationLogger(deps, recordingLogger(current));
    const input = { mailboxId: 'servicedesk', address: desk.address, at: new Date(), changes: [] };
    await expect(
      invocation.channels!.email!.channel.send({
        input,
        rendered: renderAlert(input),
        recipients: [desk.admin],
      }),
    ).rejects.toThrow(/no access token/);
    expect(current).toContain('debug token acquisition failed');
    expect(first).toEqual([]);
  });
});
