/**
 * `mailbox-health check` with `state.tables: { "directory": "path" }` (scripted Exchange server over TLS): the
 * first run recounts Sent Items, the next run reads only what is new (the ledger outlived the process's store),
 * and a run that finds the directory held by another run exits 3 saying so — without touching the mailbox.
 * With "memory" (the default) every run recounts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedImap, type ScriptedImapServer } from '../../lab/scripted-imap.js';
import { checkCommand } from '../../src/cli/check.js';
import type { RunDeps } from '../../src/shared/checks/runner.js';
import type { CheckResult } from '../../src/shared/contracts.js';
import { ImapSession } from '../../src/shared/mail/imap-session.js';
import { openDirectoryStore } from '../../src/shared/state/directory-store.js';
import { CLIENT, fixedTokens, TENANT, testCa, testRegistry } from '../checks/helpers.js';

const TOKEN = 'cli-state-token';
const USER = 'servicedesk@contoso.com';
let server: ScriptedImapServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** One reply of the desk (a single recipient, as a service desk's ticket notifications have). */
const sent = (uid: number) => ({
  uid,
  raw: `From: ${USER}\r\nTo: caller${uid}@example.org\r\nSubject: reply ${uid}\r\n\r\nbody\r\n`,
  internalDate: new Date(Date.now() - (60 - uid) * 60_000),
});

async function setup(tables: unknown) {
  const ca = testCa();
  const dir = mkdtempSync(join(tmpdir(), 'mh-cli-state-'));
  const file = join(dir, 'config.json');
  const stateDir = join(dir, 'state');
  /** (Re)starts the server with these Sent Items (same UIDVALIDITY) and points the configuration at it. */
  const serve = async (messages: ReturnType<typeof sent>[]) => {
    await server?.close();
    server = await startScriptedImap({
      tls: { key: ca.serverKeyPem, cert: ca.serverCertPem },
      user: USER,
      token: TOKEN,
      folders: { 'Sent Items': messages },
    });
    writeFile(server.port);
  };
  const writeFile = (port: number) =>
    writeFileSync(
      file,
      JSON.stringify({
        mailboxes: [
          {
            id: 'servicedesk',
            address: USER,
            tenantId: TENANT,
            clientId: CLIENT,
            auth: { mode: 'password', password: { env: 'DESK_PASSWORD' } },
            cloud: { imapHost: 'localhost', imapPort: port },
          },
        ],
        state: { tables: tables === 'directory' ? { directory: stateDir } : tables },
      }),
    );
  await serve([sent(1), sent(2), sent(3)]);
  const overrideDeps = (deps: RunDeps): RunDeps => ({
    ...deps,
    tokens: () => fixedTokens(TOKEN),
    imap: (mb, deadline, logger) => new ImapSession(mb, deadline, logger, { ca: ca.caPem }),
    checks: testRegistry(['auth', 'imap-login', 'sent-quota']),
  });
  const run = async (json = true) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await checkCommand(
      ['--config', file, ...(json ? ['--json'] : [])],
      { stdout: (l) => out.push(l), stderr: (l) => err.push(l), env: {} },
      { overrideDeps },
    );
    const results = json && out.length ? (JSON.parse(out.join('\n')) as CheckResult[]) : [];
    return { code, out, err: err.join('\n'), quota: results.find((r) => r.check === 'sent-quota') };
  };
  return { run, stateDir, serve };
}

describe('mailbox-health check keeps its state in the configured store', () => {
  it('directory: first run recounts, the next reads only what is new', async () => {
    const { run, serve } = await setup('directory');
    const first = await run();
    expect(first.code).toBe(0);
    expect(first.quota?.details).toMatchObject({ mode: 'recount', folder: 'Sent Items' });
    expect(first.quota?.metrics).toMatchObject({ recipients24h: 3, newMessages: 3 });
    await serve([sent(1), sent(2), sent(3), sent(4)]);
    const second = await run();
    expect(second.quota?.details).toMatchObject({ mode: 'incremental' });
    expect(second.quota?.metrics).toMatchObject({ recipients24h: 4, newMessages: 1 });
  });

  it('memory: every run recounts', async () => {
    const { run } = await setup('memory');
    await run();
    const second = await run();
    expect(second.quota?.details).toMatchObject({ mode: 'recount' });
    expect(second.quota?.metrics).toMatchObject({ newMessages: 3 });
  });

  it('directory held by another run: exit 3 naming the cause, no IMAP session opened', async () => {
    const { run, stateDir } = await setup('directory');
    const other = openDirectoryStore(stateDir);
    try {
      const r = await run();
      expect(r.code).toBe(3);
      expect(r.err).toContain(`state directory is locked by pid ${process.pid}`);
      expect(r.err).toContain(`lock file ${join(stateDir, '.lock')}`);
      expect(r.quota).toBeUndefined();
      // Nagios shows stdout only: one UNKNOWN line there names the lock too.
      const plain = await run(false);
      expect(plain.code).toBe(3);
      expect(plain.out).toHaveLength(1);
      expect(plain.out[0]).toMatch(
        /^MAILBOX-HEALTH UNKNOWN - state store \(state\.tables\): state directory is locked/,
      );
      expect(server!.stats.connections).toBe(0);
    } finally {
      other.close();
    }
  });
});
