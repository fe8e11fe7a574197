/**
 * `npm run demo`: the main job on its embedded default. Under the lab (started by `with-lab`, CA first), it sets up
 * a realistic service-desk mailbox, runs one dispatch → checkMailbox cycle and one spamReview through the real
 * function handlers with Azurite queues and tables, writes every e-mail the lab's SMTP server received into
 * `demo-out/` (.eml and .html), prints a summary and exits non-zero when the cycle did not show what it should.
 * The mails' "Move to …" buttons link to the real `mailboxAction` handler served on a local port
 * (./action-server.ts); the demo follows one of the digest's as a browser would (GET the confirmation page, POST
 * its form), checks the message moved, and writes the pages to `demo-out/action/`. With `--serve` it keeps serving
 * the links until Ctrl-C, so the buttons in the written mails work in a browser.
 *
 *   node dist/lab/with-lab.js -- node dist/lab/demo.js [--imap auto|dovecot|memory] [--out DIR] [--serve]
 */
// First: holds back @azure/functions' "test mode" warnings, which the demo explains once.
import { functionsTestModeNote } from './quiet-functions.js';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeCheckMailbox } from '../src/functions/check-mailbox.js';
import { makeDispatchChecks } from '../src/functions/dispatch-checks.js';
import { makeHealth } from '../src/functions/health.js';
import { makeSpamReview } from '../src/functions/spam-review.js';
import type { HttpRequest } from '@azure/functions';
import { parseConfig } from '../src/shared/config/load.js';
import { CHECK_QUEUE } from '../src/shared/cycle/check-run.js';
import { composeCycleDeps } from '../src/shared/cycle/compose.js';
import type { CycleDeps } from '../src/shared/cycle/deps.js';
import { streamLogger } from '../src/shared/logger.js';
import { LabClient } from './client.js';
import { deskConfig, deskMail, registerDesk, type DeskIdentity } from './demo-scenario.js';
import { HostQueue, invocation, timerTick } from './demo-harness.js';
import { extractHtml, fileSlug } from './demo-mime.js';
import { seedStatusHistory } from './status-seed.js';
import { writeStatusPages } from '../src/cli/status.js';
import { LAB_ENV, type LabEndpoints } from './endpoints.js';
import { startMemoryImap, type MemoryImapServer } from './memory-imap.js';
import { startActionServer } from './action-server.js';
import { checkRelease, releaseThroughLink, type DemoRelease } from './demo-release.js';

interface Args {
  imap: 'auto' | 'dovecot' | 'memory';
  out: string;
  serve: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { imap: 'auto', out: 'demo-out', serve: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--imap') {
      const v = argv[++i];
      if (v !== 'auto' && v !== 'dovecot' && v !== 'memory')
        throw new Error('--imap: expected auto, dovecot or memory');
      args.imap = v;
    } else if (a === '--out') {
      const v = argv[++i];
      if (!v) throw new Error('--out: expected a directory');
      args.out = v;
    } else if (a === '--serve') args.serve = true;
    else
      throw new Error(
        `unknown argument ${a ?? ''} (usage: demo [--imap auto|dovecot|memory] [--out DIR] [--serve])`,
      );
  }
  return args;
}

const say = (line = '') => process.stdout.write(line + '\n');

/** Splits text into lines of at most `width` characters at spaces (a longer word gets a line of its own). */
function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

async function serveMailbox(
  l: LabClient,
  endpoints: LabEndpoints,
  desk: DeskIdentity,
  mode: Args['imap'],
  now: Date,
): Promise<{ imap: { host: string; port: number }; kind: string; memory?: MemoryImapServer }> {
  const mail = deskMail(desk, now);
  if (mode !== 'memory' && endpoints.imap) {
    say("IMAP: Dovecot (the lab's real IMAP server), seeding the mailbox …");
    await l.seedMessages(desk.address, 'INBOX', mail.inbox);
    await l.seedMessages(desk.address, 'Junk Email', mail.junk);
    await l.seedMessages(desk.address, 'Sent Items', mail.sent);
    return { imap: endpoints.imap, kind: 'Dovecot' };
  }
  if (mode === 'dovecot')
    throw new Error(
      `--imap dovecot: Dovecot is not available (${endpoints.imapUnavailable ?? 'not started'})`,
    );
  say(
    endpoints.imap
      ? 'IMAP: the in-memory IMAP server (--imap memory)'
      : `IMAP: the in-memory IMAP server (Dovecot not available: ${endpoints.imapUnavailable ?? 'not installed'})`,
  );
  const tlsDir = join(endpoints.labDir, 'tls');
  const toSeed = (msgs: typeof mail.inbox) =>
    msgs.map((m) => ({
      raw: m.raw,
      ...(m.flags ? { flags: m.flags } : {}),
      ...(m.internalDate ? { internalDate: new Date(m.internalDate) } : {}),
    }));
  const memory = await startMemoryImap({
    mailbox: desk.address,
    tls: { key: readFileSync(join(tlsDir, 'server.key')), cert: readFileSync(join(tlsDir, 'server.pem')) },
    validateToken: async (user, token) => {
      const v = await l.validateToken(token);
      return v.ok && v.kind === 'delegated' && v.upn === user && v.scopes.includes('IMAP.AccessAsUser.All');
    },
    seed: { INBOX: toSeed(mail.inbox), 'Junk Email': toSeed(mail.junk), 'Sent Items': toSeed(mail.sent) },
    host: '127.0.0.1',
  });
  return { imap: { host: 'localhost', port: memory.port }, kind: 'in-memory IMAP server', memory };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const raw = process.env[LAB_ENV];
  if (!raw) throw new Error(`${LAB_ENV} is not set: run the demo with \`npm run demo\``);
  const endpoints = JSON.parse(raw) as LabEndpoints;
  if (!endpoints.smtp || !endpoints.azurite) throw new Error('the lab started without SMTP or Azurite');
  const l = new LabClient(endpoints);
  const started = Date.now();
  const now = new Date();

  say('mailbox-health demo — one full cycle against the built-in offline O365 lab');
  const note = functionsTestModeNote();
  if (note) say(note);
  const desk = await registerDesk(l);
  say(
    `Entra ID emulator: tenant ${desk.tenantId}, app ${desk.clientId} (public client, ROPC as the vendor guide sets up)`,
  );
  say(
    `Mailbox ${desk.address}: Inbox with a mail waiting 3 h and a 30 MB mail, 40 Junk mails, Sent Items at 85 % of 10,000 recipients`,
  );
  const served = await serveMailbox(l, endpoints, desk, args.imap, now);

  const doc = deskConfig(
    desk,
    { authorityHost: endpoints.authorityHost, imap: served.imap, smtp: endpoints.smtp },
    { connectionString: { env: 'DEMO_STORAGE' } },
  );
  // The action links' endpoint: the real handler on a free local port, the link key a fresh random one per run.
  const holder: { deps?: CycleDeps } = {};
  const actions = await startActionServer(async () => holder.deps!);
  const env = {
    SERVICEDESK_PASSWORD: desk.password,
    DEMO_STORAGE: endpoints.azurite.connectionString,
    ACTION_LINK_KEY: randomBytes(48).toString('base64'),
    ACTION_LINK_BASE_URL: actions.url,
  };
  const logLines: string[] = [];
  const deps: CycleDeps = (holder.deps = await composeCycleDeps({
    env,
    logger: streamLogger((line) => logLines.push(line), 'info'),
    config: parseConfig(doc, 'demo configuration').config,
  }));
  const getDeps = async () => deps;

  // The status page's history before this run: three simulated days (15-minute runs) with a sign-in outage of
  // four hours and its recovery, written as the check run writes history. This run then adds the real result.
  const HOUR = 3_600_000;
  await seedStatusHistory(
    deps.store,
    deps.config.mailboxes.map((m) => ({ id: m.id, address: m.address, tenantId: m.tenantId })),
    {
      now: new Date(now.getTime() - 15 * 60_000),
      days: 3,
      intervalMinutes: 15,
      outages: [{ from: new Date(now.getTime() - 30 * HOUR), to: new Date(now.getTime() - 26 * HOUR) }],
      historyOnly: true,
    },
  );

  // dispatchChecks → queue → checkMailbox, as the host would run them.
  // A queue of its own: other processes on the same lab (tests of the deployed bundle) use mailbox-checks.
  const queue = new HostQueue(
    endpoints.azurite.connectionString,
    `${CHECK_QUEUE}-demo-${randomUUID().slice(0, 8)}`,
  );
  await queue.ensure();
  // One mailbox: no spread, its message is visible at once.
  await makeDispatchChecks(getDeps, { queue: async () => queue, spreadSeconds: () => 0 })(
    timerTick(),
    invocation('dispatchChecks'),
  );
  const messages = queue.sent;
  say(`dispatchChecks: ${messages.length} message(s) on queue ${queue.client.name}`);
  const checkMailbox = makeCheckMailbox(getDeps);
  let worst = 'OK';
  const outcomes: Awaited<ReturnType<typeof checkMailbox>>[] = [];
  const drained = await queue.drain(async (body, meta) => {
    outcomes.push(await checkMailbox(body, invocation('checkMailbox', { ...meta })));
  });
  say(`checkMailbox: ${drained.handled} message(s) handled, ${drained.failed} failed`);
  say();
  for (const o of outcomes) {
    if (o.status !== 'done') {
      say(`  ${o.status}`);
      continue;
    }
    for (const r of o.results) {
      // Whole sentences, wrapped at word boundaries under the check's column: nothing is cut off.
      const indent = ''.padEnd(28);
      const lines = wrapWords(r.summary, 100 - indent.length);
      say(`  ${r.status.padEnd(7)} ${r.check.padEnd(17)} ${lines[0] ?? ''}`);
      for (const l of lines.slice(1)) say(`${indent}${l}`);
      if (r.remediation)
        for (const [i, l] of wrapWords(`fix: ${r.remediation.fix}`, 95 - indent.length).entries())
          say(`${indent}${i === 0 ? '' : '     '}${l}`);
    }
    worst = o.results.map((r) => r.status).includes('CRIT') ? 'CRIT' : worst;
    say();
    say(
      `  alert: ${o.notify.changes.length} change(s) → ${o.notify.channels.map((c) => `${c.channel}: ${c.outcome}`).join(', ') || 'no channel'}`,
    );
  }

  // spamReview (the weekly timer), under the same lease.
  const reviews = await makeSpamReview(getDeps)(timerTick(), invocation('spamReview'));
  for (const r of reviews) {
    const detail =
      r.status === 'sent'
        ? `${r.junkCount} in Junk, ${r.listed} listed, ${r.hinted} with hints, to ${r.recipients.length} reviewer(s)`
        : '';
    say(`spamReview: ${r.status} ${detail}`);
  }

  // health (HTTP GET)
  const health = await makeHealth(getDeps)({} as HttpRequest, invocation('health'));
  const body = health.jsonBody as {
    status: string;
    mailboxes: Array<{ id: string; status: string; checks: unknown[] }>;
  };
  say(
    `health: ${body.status} — ${body.mailboxes.map((m) => `${m.id} ${m.status} (${m.checks.length} checks)`).join(', ')}`,
  );

  // Every e-mail the lab's SMTP server received from the desk, as .eml and .html.
  const out = resolve(args.out);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const sent = await l.smtpMessages(desk.address);

  // One release through the digest's first "Move to <Inbox>" button (a likely-legitimate Junk mail).
  const count = async (folder: string) =>
    served.memory
      ? served.memory.messages(folder).length
      : (await l.listMessages(desk.address, folder)).length;
  const counts = async () => [
    await count(deps.config.mailboxes[0]!.folders.inbox),
    await count('Junk Email'),
  ];
  const digestHtml = sent.map((m) => extractHtml(m.raw) ?? '').find((h) => /Weekly Junk review/.test(h));
  const before = await counts();
  let afterGet: number[] = [];
  let release: DemoRelease | undefined;
  let releaseError = '';
  try {
    release = await releaseThroughLink(
      digestHtml ?? '',
      `Move to ${deps.config.mailboxes[0]!.folders.inbox}`,
      async () => void (afterGet = await counts()),
    );
  } catch (err) {
    releaseError = err instanceof Error ? err.message : String(err);
  }
  const afterPost = await counts();
  const afterReplay = release ? await counts() : afterPost;
  if (release) {
    mkdirSync(join(out, 'action'), { recursive: true });
    writeFileSync(join(out, 'action', 'confirm.html'), release.confirm.html);
    writeFileSync(join(out, 'action', 'result.html'), release.result.html);
    writeFileSync(join(out, 'action', 'replay.html'), release.replay.html);
    say(
      `mailboxAction (${actions.url}), the digest's first "${release.label}" button, as a browser follows it:`,
    );
    say(
      `  GET  → ${release.confirm.status} "${release.confirm.title}" (nothing moved: Inbox ${afterGet[0]}, Junk ${afterGet[1]})`,
    );
    say(
      `  POST → ${release.result.status} "${release.result.title}" (Inbox ${before[0]} → ${afterPost[0]}, Junk ${before[1]} → ${afterPost[1]})`,
    );
    say(`  POST again → ${release.replay.status} "${release.replay.title}" (the link is single-use)`);
  } else say(`mailboxAction: the release failed: ${releaseError}`);
  const files: string[] = [];
  sent.forEach((m, i) => {
    const base = `${String(i + 1).padStart(2, '0')}-${fileSlug(m.raw)}`;
    writeFileSync(join(out, `${base}.eml`), m.raw);
    files.push(`${base}.eml`);
    const html = extractHtml(m.raw);
    if (html !== undefined) {
      writeFileSync(join(out, `${base}.html`), html);
      files.push(`${base}.html`);
    }
  });
  writeFileSync(
    join(out, 'summary.json'),
    JSON.stringify(
      {
        imap: served.kind,
        outcomes,
        reviews: reviews.map((r) => ({ ...r, digest: undefined })),
        health: body,
        emails: files,
        release: release
          ? {
              label: release.label,
              confirm: { status: release.confirm.status, title: release.confirm.title },
              result: { status: release.result.status, title: release.result.title },
              replay: { status: release.replay.status, title: release.replay.title },
              counts: { before, afterGet, afterPost, afterReplay },
            }
          : { error: releaseError },
      },
      null,
      2,
    ),
  );
  writeFileSync(join(out, 'log.txt'), logLines.join('\n') + '\n');
  const statusFiles = await writeStatusPages(deps.config, deps.store, new Date(), join(out, 'status.html'));

  say();
  say(`${sent.length} e-mail(s) sent through the lab's SMTP server, written to ${out}/:`);
  for (const f of files) say(`  ${f}`);
  say(`Also: summary.json (every CheckResult), log.txt (the run's log). IMAP served by: ${served.kind}.`);
  if (release) say(`The release's pages: action/confirm.html, action/result.html, action/replay.html.`);
  say(
    `Status page: ${join(out, 'status.html')} (${statusFiles.length} files: 3 days of simulated history with a sign-in outage and its recovery, then this run)`,
  );
  say(
    `Open the .html files in a browser to see the alert and the weekly spam digest. (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );

  // The demo proves the cycle: exit non-zero when it did not show what the seeded mailbox must show.
  const results = outcomes.flatMap((o) => (o.status === 'done' ? o.results : []));
  const statusOf = (c: string) => results.find((r) => r.check === c)?.status;
  const expected: Array<[string, string | undefined, string]> = [
    ['auth', statusOf('auth'), 'OK'],
    ['imap-login', statusOf('imap-login'), 'OK'],
    ['inbox', statusOf('inbox'), 'CRIT'],
    ['junk', statusOf('junk'), 'WARN'],
    ['sent-quota', statusOf('sent-quota'), 'WARN'],
    ['smtp-auth', statusOf('smtp-auth'), 'OK'],
  ];
  const wrong = expected.filter(([, got, want]) => got !== want);
  const digestSent = reviews.some((r) => r.status === 'sent');
  const releaseWrong = checkRelease(release, releaseError, { before, afterGet, afterPost, afterReplay });
  if (wrong.length || !digestSent || sent.length < 2 || releaseWrong.length) {
    for (const [c, got, want] of wrong)
      process.stderr.write(`demo: ${c} was ${got ?? 'missing'}, expected ${want}\n`);
    for (const w of releaseWrong) process.stderr.write(`demo: release: ${w}\n`);
    if (!digestSent) process.stderr.write('demo: the spam digest was not sent\n');
    if (sent.length < 2)
      process.stderr.write(`demo: expected an alert and a digest e-mail, got ${sent.length}\n`);
    process.stderr.write(`demo: see ${join(out, 'log.txt')}\n`);
    await Promise.all([actions.close(), served.memory?.close()]);
    return 1;
  }
  void worst;
  if (args.serve) {
    say();
    say(`Serving the action links at ${actions.url} until Ctrl-C.`);
    say(
      `Open ${join(out, files.find((f) => f.endsWith('.html')) ?? '')} (and the other .html mails) in a browser`,
    );
    say('and press a "Move to …" button: the confirmation page and the move are the real handler\'s.');
    await new Promise<void>((done) => {
      process.once('SIGINT', () => done());
      process.once('SIGTERM', () => done());
    });
    say('Stopped serving.');
  }
  await Promise.all([actions.close(), served.memory?.close()]);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
