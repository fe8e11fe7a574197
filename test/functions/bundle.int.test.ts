/**
 * The deployed code, run as deployed: package.json `main` (the Function App bundle) loaded under a stand-in for the
 * Functions worker (lab/functions-host.ts records what the app registers, as the host indexes it), its handlers
 * invoked in that process against the lab; and package.json `bin` (the CLI bundle) run as a command.
 */
import { MESSAGE_ENCODING } from '../../src/functions/host-settings.js';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { QueueClient } from '@azure/storage-queue';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECK_NAMES } from '../../src/shared/contracts.js';
import { CHECK_QUEUE } from '../../src/shared/cycle/check-run.js';
import { createTableStoreFromConnectionString } from '../../src/shared/state/table-store.js';
import { deskConfig, deskMail, registerDesk, type DeskIdentity } from '../../lab/demo-scenario.js';
import { lab, labEndpoints, requireDovecot } from '../helpers/lab.js';

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { main: string; bin: Record<string, string> };

interface HostLine {
  programmingModel?: { name?: string; version?: string };
  functions?: Array<{ name: string; bindings: Record<string, Record<string, unknown>> }>;
  invoked?: string;
  result?: unknown;
  loaded?: string[];
  /** The bundle's files loaded so far, relative to its folder. */
  files?: string[];
}

/**
 * The bundle's files that hold the mail and sign-in libraries, each known by a string only its own code has:
 * imapflow (Gmail's label attribute), nodemailer (its SMTP connection class), MSAL (its telemetry header).
 */
function mailLibraryFiles(files: readonly string[]): string[] {
  const markers = ['X-GM-LABELS', 'SMTPConnection', 'x-client-SKU'];
  return files.filter((f) => markers.some((m) => readFileSync(join('dist/bundle', f), 'utf8').includes(m)));
}

async function host(env: NodeJS.ProcessEnv, ...invokes: Array<[string, unknown]>): Promise<HostLine[]> {
  const args = ['dist/lab/functions-host.js', pkg.main];
  for (const [name, input] of invokes) args.push('--invoke', name, JSON.stringify(input));
  const { stdout } = await run(process.execPath, args, { env: { ...process.env, ...env }, timeout: 60_000 });
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as HostLine);
}

describe('package.json main and bin are the bundles, as deployed', () => {
  it('point at the esbuild bundles that npm run build made', () => {
    expect(pkg.main).toBe('dist/bundle/functions.js');
    expect(pkg.bin['mailbox-health']).toBe('dist/bundle/cli.js');
    expect(existsSync(pkg.main) && existsSync(pkg.bin['mailbox-health']!)).toBe(true);
  });

  it('carry no code that switches TLS certificate verification off (nodemailer’s fetcher and proxy client stubbed)', () => {
    const files = readdirSync('dist/bundle', { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.js'),
    );
    expect(files.length).toBeGreaterThan(2);
    // The option and the environment variable that switch verification off, spelled from parts so that this
    // test is not itself a place where they appear.
    const option = ['reject', 'Unauthorized'].join('');
    const envVar = ['NODE', 'TLS', 'REJECT', 'UNAUTHORIZED'].join('_');
    const off = new RegExp(`${option}\\s*[:=]\\s*(false|!1)|${envVar}`);
    expect(files.filter((f) => off.test(readFileSync(join('dist/bundle', f), 'utf8')))).toEqual([]);
    // The stubs are what stands in their place.
    expect(
      files.some((f) =>
        readFileSync(join('dist/bundle', f), 'utf8').includes('nodemailer URL fetching is not bundled'),
      ),
    ).toBe(true);
  });

  it('registers every function with its standard trigger, as the host indexes them; no telemetry SDK loaded', async () => {
    const [index, loaded] = await host({});
    expect(index!.programmingModel?.name).toBe('@azure/functions');
    const fns = new Map(index!.functions!.map((f) => [f.name, Object.values(f.bindings)]));
    expect([...fns.keys()].sort()).toEqual([
      'checkMailbox',
      'dispatchChecks',
      'health',
      'mailboxAction',
      'poisonAlert',
      'spamReview',
      'status',
    ]);
    const trigger = (name: string) =>
      fns.get(name)!.find((b) => b.direction === 'in' && /Trigger$/.test(String(b.type)));
    expect(trigger('dispatchChecks')).toMatchObject({ type: 'timerTrigger', schedule: '%CHECK_SCHEDULE%' });
    expect(trigger('spamReview')).toMatchObject({ type: 'timerTrigger', schedule: '%SPAM_REVIEW_SCHEDULE%' });
    expect(trigger('checkMailbox')).toMatchObject({
      type: 'queueTrigger',
      queueName: CHECK_QUEUE,
      connection: 'AzureWebJobsStorage',
    });
    expect(trigger('poisonAlert')).toMatchObject({
      type: 'queueTrigger',
      queueName: `${CHECK_QUEUE}-poison`,
    });
    expect(trigger('health')).toMatchObject({ type: 'httpTrigger', authLevel: 'function', methods: ['GET'] });
    expect(trigger('status')).toMatchObject({
      type: 'httpTrigger',
      authLevel: 'function',
      methods: ['GET'],
      route: 'status/{mailbox?}',
    });
    // Application Insights (OpenTelemetry) is loaded only when a connection string is configured.
    expect(loaded!.loaded).toEqual([]);
    // Registering loads no mail or sign-in library: an instance woken by a timer or the status page never
    // parses them (they are most of the code). The check below shows they load when a mailbox is checked.
    expect(index!.files!.length).toBeGreaterThan(1);
    expect(mailLibraryFiles(index!.files!)).toEqual([]);
  });
});

describe.runIf(requireDovecot())('the bundled handlers against the lab', () => {
  const l = lab();
  let desk: DeskIdentity;
  let env: NodeJS.ProcessEnv;
  let doc: Record<string, unknown>;
  const id = `bundle-${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    const e = labEndpoints();
    desk = await registerDesk(l, 'bundle');
    const mail = deskMail(desk, new Date());
    // A mail over this test's 1,500-byte limit whose subject is GB2312: decoding it needs iconv-lite's cp936
    // table, which the bundle reads from beside itself (scripts/bundle-plugins.mjs) — the oversized list names it.
    const gb2312 = [
      'From: Li Customer <li@customer.example>',
      `To: ${desk.address}`,
      'Subject: =?GB2312?B?1tDOxNPKvP4=?=',
      `Message-ID: <${randomBytes(6).toString('hex')}@customer.example>`,
      `Date: ${new Date(Date.now() - 3_600_000).toUTCString()}`,
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'x'.repeat(2_000),
      '',
    ].join('\r\n');
    await l.seedMessages(desk.address, 'INBOX', [...mail.inbox.slice(0, 1), { raw: gb2312 }]);
    doc = deskConfig(
      desk,
      { authorityHost: e.authorityHost, imap: e.imap!, smtp: e.smtp! },
      {
        connectionString: { env: 'STATE_CS' },
      },
    );
    const box = (doc.mailboxes as Array<Record<string, unknown>>)[0]!;
    box.id = id;
    box.inbox = { ...(box.inbox as Record<string, unknown> | undefined), maxMessageBytes: 1_500 };
    doc.alerts = { email: { from: id, to: [desk.admin] } };
    env = {
      MAILBOX_HEALTH_CONFIG: JSON.stringify(doc),
      SERVICEDESK_PASSWORD: desk.password,
      STATE_CS: e.azurite!.connectionString,
      AzureWebJobsStorage: e.azurite!.connectionString,
      CHECK_SPREAD_SECONDS: '0',
    };
  });

  it('dispatchChecks puts the message on mailbox-checks (Azurite); checkMailbox runs it into the Table store', async () => {
    const queue = new QueueClient(labEndpoints().azurite!.connectionString, CHECK_QUEUE, {
      allowInsecureConnection: true,
    } as never);
    await queue.createIfNotExists();
    const tick = { isPastDue: false, schedule: { adjustForDST: false } };
    await host(env, ['dispatchChecks', tick]);
    // Others may use the shared lab's queue: find this dispatch's message by its mailbox id.
    type Body = { mailboxId: string; runId: string };
    let body: Body | undefined;
    for (let i = 0; i < 20 && !body; i++) {
      const { receivedMessageItems } = await queue.receiveMessages({
        numberOfMessages: 32,
        visibilityTimeout: 60,
      });
      for (const m of receivedMessageItems) {
        const text =
          MESSAGE_ENCODING === 'base64'
            ? Buffer.from(m.messageText, 'base64').toString('utf8')
            : m.messageText;
        const parsed = JSON.parse(text) as Body;
        if (parsed?.mailboxId === id) {
          body = parsed;
          await queue.deleteMessage(m.messageId, m.popReceipt);
        }
      }
    }
    expect(body).toEqual({ mailboxId: id, runId: expect.stringMatching(new RegExp(`:\\d\\dZ-${id}$`)) });

    const lines = await host(env, ['checkMailbox', body]);
    // imapflow, nodemailer and MSAL were loaded for the check (none of them at registration, test above).
    expect(mailLibraryFiles(lines.at(-1)!.files!).length).toBeGreaterThanOrEqual(3);
    const store = createTableStoreFromConnectionString(labEndpoints().azurite!.connectionString);
    const rows = await store.status.list(id);
    expect(rows.map((r) => r.value.check).sort()).toEqual([...CHECK_NAMES].sort());
    expect(rows.find((r) => r.value.check === 'inbox')?.value).toMatchObject({
      status: 'CRIT',
      result: { summary: expect.stringContaining('"中文邮件"') },
    });
    expect(rows.find((r) => r.value.check === 'smtp-auth')?.value.status).toBe('OK');
  });

  it('the CLI bundle (package.json bin) checks the mailbox and exits by the worst status', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mh-bundle-'));
    const file = join(dir, 'config.json');
    // A ticket pattern of its own: validating it loads the pattern engine, which the bundle resolves at run time.
    const mailboxes = (doc.mailboxes as Array<Record<string, unknown>>).map((m) => ({
      ...m,
      spamReview: { ticketPattern: 'INC-\\d{6}' },
    }));
    writeFileSync(file, JSON.stringify({ ...doc, mailboxes, state: { tables: 'memory' } }));
    const out = await run(
      process.execPath,
      [pkg.bin['mailbox-health']!, 'check', '--config', file, '--json'],
      {
        env: { ...process.env, SERVICEDESK_PASSWORD: desk.password },
      },
    ).then(
      () => ({ code: 0, stdout: '' }),
      (err: { code: number; stdout: string }) => err,
    );
    expect(out.code).toBe(2);
    const results = JSON.parse(out.stdout) as Array<{ check: string; status: string }>;
    expect(results.map((r) => r.check)).toEqual([...CHECK_NAMES]);
    const inbox = results.find((r) => r.check === 'inbox') as { status: string; summary: string } | undefined;
    expect(inbox?.status).toBe('CRIT');
    expect(inbox?.summary).toContain('"中文邮件"');
    expect(JSON.stringify(results)).not.toContain(desk.password);
  });
});
