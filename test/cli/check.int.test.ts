/**
 * `mailbox-health check` end to end in-process against the scripted Exchange server over TLS: exit codes by the
 * most severe status, `--json` prints only a JSON array of valid CheckResults, the Nagios first line survives a
 * `|` in a subject, bad arguments and bad configuration exit 3 with the reason on stderr, and the progress line
 * appears only on a TTY with more than one mailbox.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedImap, type ScriptedImapServer, type ScriptedMessage } from '../../lab/scripted-imap.js';
import { checkCommand } from '../../src/cli/check.js';
import { main } from '../../src/cli/main.js';
import { CheckResultSchema } from '../../src/shared/contracts.js';
import type { RunDeps } from '../../src/shared/checks/runner.js';
import { ImapSession } from '../../src/shared/mail/imap-session.js';
import { CLIENT, fixedTokens, TENANT, testCa, testRegistry } from '../checks/helpers.js';

const TOKEN = 'cli-test-token-SECRET-91b2';
const USER = 'servicedesk@contoso.com';

let server: ScriptedImapServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function io(tty = false) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { stdout: (l: string) => out.push(l), stderr: (l: string) => err.push(l), env: {}, stderrIsTTY: tty },
  };
}

function message(uid: number, minutesOld: number, subject: string, size?: number): ScriptedMessage {
  const raw = `From: "Pipe | Sender" <p${uid}@example.org>\r\nTo: ${USER}\r\nSubject: ${subject}\r\n\r\nbody ${uid}\r\n`;
  return { uid, raw, internalDate: new Date(Date.now() - minutesOld * 60_000), ...(size ? { size } : {}) };
}

async function setup(
  inbox: ScriptedMessage[],
  mailboxes: Array<Record<string, unknown>> = [{}],
  token = TOKEN,
) {
  const ca = testCa();
  server = await startScriptedImap({
    tls: { key: ca.serverKeyPem, cert: ca.serverCertPem },
    user: USER,
    token,
    folders: { INBOX: inbox },
  });
  const port = server.port;
  const dir = mkdtempSync(join(tmpdir(), 'mh-cli-'));
  const file = join(dir, 'config.json');
  const doc = {
    mailboxes: mailboxes.map((extra, i) => ({
      id: i === 0 ? 'servicedesk' : `desk-${i}`,
      address: USER,
      tenantId: TENANT,
      clientId: CLIENT,
      auth: { mode: 'password', password: { env: 'DESK_PASSWORD' } },
      cloud: { imapHost: 'localhost', imapPort: port },
      ...extra,
    })),
  };
  writeFileSync(file, JSON.stringify(doc));
  const overrideDeps = (deps: RunDeps): RunDeps => ({
    ...deps,
    tokens: () => fixedTokens(TOKEN),
    imap: (mb, deadline, logger) => new ImapSession(mb, deadline, logger, { ca: ca.caPem }),
    // The real `auth` check is the auth part's; SMTP is covered by the lab's smtp tests.
    checks: testRegistry(['auth', 'imap-login', 'inbox', 'junk']),
  });
  return { file, overrideDeps };
}

describe('mailbox-health check', () => {
  it('healthy: exit 0, Nagios OK line with perfdata, then the table', async () => {
    const { file, overrideDeps } = await setup([message(1, 2, 'hello')]);
    const t = io();
    const code = await checkCommand(['--config', file], t.io, { overrideDeps });
    expect(code).toBe(0);
    expect(t.out[0]).toMatch(/^MAILBOX-HEALTH OK - 1 mailbox, 4 checks OK \| /);
    expect(t.out[0]).toContain("'servicedesk.inbox.inboxMessages'=1");
    expect(t.out[0]).toContain("'servicedesk.inbox.oldestWaitingSeconds'=1");
    expect(t.out[1]).toMatch(/^MAILBOX\s+CHECK\s+STATUS\s+SUMMARY$/);
    expect(t.out.slice(2).map((l) => l.split(/\s+/)[1])).toEqual(['auth', 'imap-login', 'inbox', 'junk']);
  });

  it('oversized message with "|" in its subject: exit 1 (WARN) and one "|" only, before the perfdata', async () => {
    const { file, overrideDeps } = await setup([
      message(1, 2, 'hello'),
      message(2, 3, 'Scan | invoice\u0007 attached', 30_000_000),
    ]);
    const t = io();
    const code = await checkCommand(['--config', file, '--mailbox', 'servicedesk'], t.io, { overrideDeps });
    expect(code).toBe(1);
    const line = t.out[0]!;
    expect(line.startsWith('MAILBOX-HEALTH WARNING - servicedesk inbox WARN: ')).toBe(true);
    expect(line.split('|')).toHaveLength(2);
    expect(line).toContain('UID 2, 28.6 MB');
    expect(line).toContain('Scan / invoice attached');
    // eslint-disable-next-line no-control-regex
    expect(line).not.toMatch(/[\u0000-\u001f]/);
    expect(line).toContain("'servicedesk.inbox.oversizedMessages'=1");
  });

  it('--json: only a JSON array of valid CheckResults on stdout; CRIT exits 2; no token anywhere', async () => {
    const { file, overrideDeps } = await setup([message(1, 2, 'x')], [{}], 'the-server-wants-another-token');
    const t = io();
    const code = await checkCommand(['--config', file, '--json'], t.io, { overrideDeps });
    expect(code).toBe(2);
    const parsed = JSON.parse(t.out.join('\n')) as unknown[];
    expect(Array.isArray(parsed)).toBe(true);
    const results = parsed.map((r) => CheckResultSchema.parse(r));
    expect(results.map((r) => [r.check, r.status])).toEqual([
      ['auth', 'OK'],
      ['imap-login', 'CRIT'],
      ['inbox', 'UNKNOWN'],
      ['junk', 'UNKNOWN'],
    ]);
    expect(t.out.join('\n') + t.err.join('\n')).not.toContain('SECRET-91b2');
    const text = io();
    expect(await checkCommand(['--config', file], text.io, { overrideDeps })).toBe(2);
    // The first line names the cause; what was skipped because of it is only counted.
    expect(text.out[0]).toMatch(
      /^MAILBOX-HEALTH CRITICAL - servicedesk imap-login CRIT: IMAP XOAUTH2 login failed: NO AUTHENTICATE failed\.; 2 skipped$/,
    );
  });

  it('UNKNOWN (Junk folder not found) outranks WARN: exit 3', async () => {
    const { file, overrideDeps } = await setup(
      [message(1, 45, 'waiting a while')],
      [{ folders: { junk: 'Pourriel' } }],
    );
    const t = io();
    const code = await checkCommand(['--config', file], t.io, { overrideDeps });
    expect(t.out[0]).toMatch(
      /^MAILBOX-HEALTH UNKNOWN - servicedesk inbox WARN: .*; servicedesk junk UNKNOWN: Junk folder "Pourriel" \(folders.junk\) does not exist/,
    );
    expect(code).toBe(3);
  });

  it('progress lines on stderr only for a TTY and more than one mailbox', async () => {
    const { file, overrideDeps } = await setup([message(1, 2, 'x')], [{}, {}]);
    const tty = io(true);
    expect(await checkCommand(['--config', file, '--concurrency', '2'], tty.io, { overrideDeps })).toBe(0);
    expect(tty.err.filter((l) => /^\[\d\/2\] (servicedesk|desk-1): OK$/.test(l))).toHaveLength(2);
    const pipe = io(false);
    expect(await checkCommand(['--config', file], pipe.io, { overrideDeps })).toBe(0);
    expect(pipe.err).toEqual([]);
    expect(pipe.out[0]).toMatch(/^MAILBOX-HEALTH OK - 2 mailboxes, 8 checks OK/);
  });

  it('bad arguments and bad configuration exit 3 with the reason on stderr', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--json'], /--config FILE is required/],
      [['--config'], /--config needs a value/],
      [['--config', 'x.json', '--colour'], /unknown option --colour/],
      [['--config', '/nonexistent/config.json'], /cannot read the file \(ENOENT\)/],
      [['--config', 'x.json', '--concurrency', '0'], /--concurrency must be an integer/],
    ];
    for (const [argv, reason] of cases) {
      const t = io();
      expect(await checkCommand(argv, t.io), argv.join(' ')).toBe(3);
      expect(t.err.join('\n')).toMatch(reason);
      // Nagios shows stdout only: one UNKNOWN line there, except under --json (stdout is JSON only).
      if (argv.includes('--json')) expect(t.out).toEqual([]);
      else {
        expect(t.out).toHaveLength(1);
        expect(t.out[0]).toMatch(/^MAILBOX-HEALTH UNKNOWN - /);
        expect(t.out[0]).toMatch(reason);
      }
    }
    const dir = mkdtempSync(join(tmpdir(), 'mh-cli-bad-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ mailboxes: [{ id: 'Bad Id', address: USER, auth: { mode: 'password' } }] }),
    );
    const t = io();
    expect(await checkCommand(['--config', bad], t.io)).toBe(3);
    expect(t.err.join('\n')).toContain('mailboxes[0].id');
    expect(t.out).toHaveLength(1);
    expect(t.out[0]).toMatch(/^MAILBOX-HEALTH UNKNOWN - /);
    const { file } = await setup([]);
    const u = io();
    expect(await checkCommand(['--config', file, '--mailbox', 'nope'], u.io)).toBe(3);
    expect(u.err.join('\n')).toContain('no mailbox "nope"');
  });

  it('main: --version, --help, unknown command (3), doctor dispatch', async () => {
    const v = io();
    expect(await main(['--version'], v.io)).toBe(0);
    expect(v.out[0]).toMatch(/^\d+\.\d+\.\d+/);
    const h = io();
    expect(await main(['--help'], h.io)).toBe(0);
    expect(h.out.join('\n')).toContain('check   --config FILE');
    const u = io();
    expect(await main(['frobnicate'], u.io)).toBe(3);
    expect(u.err[0]).toBe('mailbox-health: unknown command "frobnicate"');
    const d = io();
    // Dispatched to the doctor: without a config it refuses with 3 and its own usage.
    expect(await main(['doctor'], d.io)).toBe(3);
    expect(d.err.join('\n')).toContain('mailbox-health doctor');
  });
});
