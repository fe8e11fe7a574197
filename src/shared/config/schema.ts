/**
 * The configuration document (docs/configuration.md), validated once at start. Every error names the path of the
 * bad field and what was expected; unknown keys are errors so that typos do not silently fall back to defaults.
 */
import { z } from 'zod';
import { DEFAULT_TICKET_PATTERN, userPatternProblem } from './user-pattern.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
/** host or host:port — sovereign clouds and the lab need other authority and mail hosts. */
const HOST =
  /^(localhost|127\.0\.0\.1|\[::1\]|([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})(:\d{1,5})?$/i;
// Deliberately simple: one @, no spaces or angle brackets, a dotted domain (or localhost for the lab).
const EMAIL = /^[^\s@<>()",;:]+@(localhost|([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})$/i;

export const guid = () => z.string().regex(GUID, 'expected a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)');
export const email = () => z.string().regex(EMAIL, 'expected an e-mail address (name@domain)');
export const host = () => z.string().regex(HOST, 'expected a host name, optionally with :port');
const port = () => z.number({ invalid_type_error: 'expected a port number' }).int().min(1).max(65535);

/**
 * A configured number: finite (JSON's `1e400` parses to Infinity), within [min, max], and the bound named in the
 * message, so a typo is caught at start rather than disabling a threshold. `above` makes the minimum exclusive.
 */
function bounded(min: number, max: number, opts: { int?: boolean; above?: boolean; unit?: string } = {}) {
  const unit = opts.unit ? ` ${opts.unit}` : '';
  let n = z
    .number({ invalid_type_error: `expected a number from ${min} to ${max}${unit}` })
    .finite(`expected a finite number (at most ${max}${unit})`);
  if (opts.int) n = n.int(`expected a whole number from ${min} to ${max}${unit}`);
  n = opts.above
    ? n.gt(min, `expected more than ${min}${unit} (and at most ${max}${unit})`)
    : n.min(min, `expected at least ${min}${unit} (and at most ${max}${unit})`);
  return n.max(max, `expected at most ${max}${unit}`);
}

/** Exchange Online's largest message size (150 MB): no byte setting needs more. */
const MAX_MESSAGE_BYTES = 157_286_400;

/** A secret is never a bare string: it names where the value lives. */
export const SecretRefSchema = z.union(
  [
    z
      .object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name') })
      .strict(),
    z.object({ file: z.string().min(1, 'expected a file path') }).strict(),
    z.object({ value: z.string().min(1, 'expected a non-empty value') }).strict(),
  ],
  {
    errorMap: () => ({
      message: 'expected a secret reference: { "env": "NAME" }, { "file": "path" } or { "value": "…" }',
    }),
  },
);
export type SecretRef = z.infer<typeof SecretRefSchema>;

const isoDate = () =>
  z
    .string()
    .refine(
      (s) => /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(s) && !Number.isNaN(Date.parse(s)),
      'expected an ISO 8601 date',
    );

export const AuthSchema = z.discriminatedUnion(
  'mode',
  [
    z
      .object({
        mode: z.literal('password'),
        /** Defaults to the mailbox address (the vendor's setup guide signs in as the mailbox itself). */
        username: email().optional(),
        password: SecretRefSchema,
      })
      .strict(),
    z
      .object({
        mode: z.literal('clientSecret'),
        clientSecret: SecretRefSchema,
        clientSecretExpiresOn: isoDate().optional(),
      })
      .strict(),
    z
      .object({
        mode: z.literal('certificate'),
        /** PEM certificate; its notAfter drives the credential-expiry check. */
        certificate: SecretRefSchema,
        privateKey: SecretRefSchema,
      })
      .strict(),
  ],
  { errorMap: () => ({ message: 'expected mode "password", "clientSecret" or "certificate"' }) },
);
export type AuthConfig = z.infer<typeof AuthSchema>;

/** ESM's own platform settings, pasted as they are (all strings, as ESM stores them). */
export const EsmSchema = z
  .object({
    'mail.oauth.client.id': z.string().optional(),
    'mail.oauth.authorize.endpoint': z.string().optional(),
    'mail.oauth.scopes': z.string().optional(),
    'mail.store.oauth.enabled': z.string().optional(),
    'mail.transport.oauth.enabled': z.string().optional(),
  })
  .strict();
export type EsmSettings = z.infer<typeof EsmSchema>;

export const CloudSchema = z
  .object({
    authorityHost: host().default('login.microsoftonline.com'),
    resourceHost: host().default('outlook.office365.com'),
    imapHost: host().default('outlook.office365.com'),
    imapPort: port().default(993),
    smtpHost: host().default('smtp.office365.com'),
    smtpPort: port().default(587),
  })
  .strict();

export const FoldersSchema = z
  .object({
    inbox: z.string().min(1).default('INBOX'),
    /** "auto": SPECIAL-USE when advertised, else by name (Junk Email, Junk E-mail). */
    junk: z.string().min(1).default('auto'),
    sent: z.string().min(1).default('auto'),
  })
  .strict();

export const InboxSchema = z
  .object({
    waiting: z.enum(['all', 'unseen']).default('all'),
    warnAfterMinutes: bounded(0, 10_080, { above: true, unit: 'minutes' }).default(30),
    critAfterMinutes: bounded(0, 43_200, { above: true, unit: 'minutes' }).default(120),
    /** 25 MiB, the size above which the vendor's setup guide says mails cannot be fetched into ESM. */
    maxMessageBytes: bounded(1, MAX_MESSAGE_BYTES, { int: true, unit: 'bytes' }).default(26_214_400),
    /** Opt-in: move oversized messages out of the fetched folder. Off (null) by default; never deletes. */
    moveOversizedTo: z.string().min(1).nullable().default(null),
    /** Byte cap for the fetch probe of the oldest waiting message. */
    probeMaxBytes: bounded(1, MAX_MESSAGE_BYTES, { int: true, unit: 'bytes' }).default(26_214_400),
  })
  .strict();

export const JunkSchema = z
  .object({
    /** WARN when more messages than this arrived in Junk since the last review. */
    warnUnreviewed: bounded(0, 1_000_000, { int: true, unit: 'messages' }).default(20),
    /** Folder names tried in order when the server does not advertise SPECIAL-USE (other mailbox languages). */
    names: z.array(z.string().min(1)).default(['Junk Email', 'Junk E-mail', 'Junk']),
  })
  .strict();

export const LimitsSchema = z
  .object({
    recipientsPerDay: bounded(1, 1_000_000, { int: true, unit: 'recipients' }).default(10_000),
    messagesPerMinute: bounded(1, 10_000, { int: true, unit: 'messages' }).default(30),
    warnPercent: bounded(0, 100, { above: true, unit: 'percent' }).default(80),
    critPercent: bounded(0, 100, { above: true, unit: 'percent' }).default(95),
  })
  .strict()
  .refine((l) => l.warnPercent < l.critPercent, {
    message: 'warnPercent must be below critPercent',
    path: ['warnPercent'],
  });

export const SpamReviewSchema = z
  .object({
    /**
     * A ticket-number pattern whose presence in a Junk subject hints "likely legitimate": RE2 syntax, run in linear
     * time over the subject's first characters (user-pattern.ts).
     */
    ticketPattern: z
      .string()
      .superRefine((s, ctx) => {
        const problem = userPatternProblem(s);
        if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
      })
      .default(DEFAULT_TICKET_PATTERN),
    maxListed: bounded(1, 200, { int: true, unit: 'messages' }).default(50),
  })
  .strict();

export const MailboxSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]{1,63}$/, 'expected 1–63 characters of a-z, 0-9 and -'),
    address: email(),
    tenantId: z
      .union([guid(), z.string().regex(DOMAIN)], {
        errorMap: () => ({ message: 'expected a tenant GUID or domain (contoso.onmicrosoft.com)' }),
      })
      .optional(),
    clientId: guid().optional(),
    esm: EsmSchema.optional(),
    auth: AuthSchema,
    cloud: CloudSchema.default({}),
    folders: FoldersSchema.default({}),
    inbox: InboxSchema.default({}),
    junk: JunkSchema.default({}),
    limits: LimitsSchema.default({}),
    spamReview: SpamReviewSchema.default({}),
    reviewers: z.array(email()).default([]),
    /** One overall deadline per mailbox run. */
    deadlineSeconds: bounded(0, 600, { above: true, unit: 'seconds' }).default(60),
  })
  .strict();

export const WebhookSchema = z
  .object({
    kind: z.enum(['teams', 'json']),
    /** The URL carries its own credential (Teams Workflows signatures), so it is a secret. */
    url: SecretRefSchema,
    name: z.string().min(1).optional(),
  })
  .strict();

export const AlertsSchema = z
  .object({
    email: z
      .object({
        /** The mailbox id of the sender mailbox. */
        from: z.string().min(1),
        to: z.array(email()).default([]),
      })
      .strict()
      .optional(),
    webhooks: z.array(WebhookSchema).default([]),
    /**
     * Where docs/deploy.md is published: an alert's setup step links to its section there. No default — the
     * project has no address a deployment could rely on; without it the step names docs/deploy.md and the section
     * in words (docs/configuration.md).
     */
    docsUrl: z
      .string()
      .url('expected an https:// URL of docs/deploy.md')
      .refine((u) => u.startsWith('https://'), 'expected an https:// URL of docs/deploy.md')
      .refine((u) => !u.includes('#'), 'expected no #fragment (the section is added per setup step)')
      .optional(),
    policy: z
      .object({
        failuresBeforeAlert: bounded(1, 100, { int: true, unit: 'failures' }).default(2),
        remindAfterHours: bounded(0, 8_760, { above: true, unit: 'hours' }).default(24),
      })
      .strict()
      .default({}),
  })
  .strict();

export const StateSchema = z
  .object({
    tables: z.union(
      [
        z.literal('memory'),
        z.object({ connectionString: SecretRefSchema }).strict(),
        z.object({ accountUrl: z.string().url('expected an https:// table service URL') }).strict(),
        /** A local directory, for the CLI on one monitoring host (state/directory-store.ts). */
        z.object({ directory: z.string().min(1, 'expected a directory path') }).strict(),
      ],
      {
        errorMap: () => ({
          message:
            'expected "memory", { "connectionString": secret }, { "accountUrl": "https://…" } or { "directory": "path" }',
        }),
      },
    ),
  })
  .strict();

export const RawConfigSchema = z
  .object({
    $schema: z.string().optional(),
    mailboxes: z.array(MailboxSchema).min(1, 'expected at least one mailbox'),
    alerts: AlertsSchema.default({}),
    state: StateSchema.default({ tables: 'memory' }),
    /**
     * How many mail connections (IMAP sessions + SMTP probes) one tenant may have open at once in one process;
     * Exchange Online throttles per app and per mailbox. Default 24 (docs/performance.md).
     */
    connectionsPerTenant: z
      .number({ invalid_type_error: 'expected a whole number of connections' })
      .int('expected a whole number of connections')
      .min(2, 'expected at least 2 (one IMAP and one SMTP connection of one mailbox)')
      .max(1000)
      .default(24),
  })
  .strict();
export type RawConfig = z.infer<typeof RawConfigSchema>;
export type RawMailbox = z.infer<typeof MailboxSchema>;
