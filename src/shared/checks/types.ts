/**
 * What a check receives and returns. A check is `(ctx) => Promise<CheckResult>`: it returns a value for every
 * outcome (a failing mailbox is a result, not an exception); only bugs throw.
 *
 * The seam between parts: `auth/` implements TokenSource, `mail/` implements ImapSessionPort and SmtpProbePort,
 * `state/` implements the StateStore the quota and junk checks use.
 */
import type { ImapFlow } from 'imapflow';
import type { Clock } from '../clock.js';
import type { MailboxConfig } from '../config/load.js';
import type { SecretResolver } from '../config/secrets.js';
import type { CheckName, CheckResult, Remediation } from '../contracts.js';
import type { Logger } from '../logger.js';
import type { StateStore } from '../state/ports.js';
import type { Fault, ServerCodes } from '../faults/index.js';

/** One overall deadline per mailbox run (DESIGN.md); every network wait is bounded by it. */
export interface Deadline {
  readonly at: Date;
  readonly signal: AbortSignal;
  remainingMs(): number;
}

/** Decoded (not validated) access-token claims, for reporting only. */
export interface TokenClaims {
  aud?: string;
  scp?: string;
  roles?: string[];
  exp?: number;
  tid?: string;
  upn?: string;
  appid?: string;
}

export interface TokenGrant {
  accessToken: string;
  expiresOn: Date;
  /** true when the token came from the in-process cache without a network request. */
  fromCache: boolean;
  claims: TokenClaims;
  /** Transient failures retried before this grant (429, 5xx, network). */
  retries: number;
  kind: 'delegated' | 'app-only';
}

export interface AuthFailure {
  /** AADSTS50126, ETRANSIENT, ENETWORK, ESECRET, … (faults/codes.ts) — never contains the secret. */
  code: string;
  /** Whose move it is (faults/codes.ts). */
  fault: Fault;
  /** Entra's own codes: the AADSTS number, the HTTP status of the answer. */
  server?: Pick<ServerCodes, 'aadsts' | 'httpStatus'>;
  transient: boolean;
  /** Microsoft's description (first line, trace ids removed) or ours. */
  message: string;
  remediation: Remediation;
  retries: number;
}

export type TokenOutcome = { ok: true; grant: TokenGrant } | { ok: false; failure: AuthFailure };

/** Gives the mailbox's access token; IMAP and SMTP of one mailbox share one request (cached per identity). */
export interface TokenSource {
  acquire(signal?: AbortSignal): Promise<TokenOutcome>;
}

/** The one IMAP connection of a mailbox run: opened by `imap-login`, reused by later checks, closed by the runner. */
export interface ImapSessionPort {
  /** The authenticated client, or undefined when imap-login did not succeed. */
  client(): ImapFlow | undefined;
  open(accessToken: string): Promise<ImapFlow>;
  close(): Promise<void>;
}

/** Result of an SMTP AUTH probe: `verify()` only, nothing sent (implemented by `mail/smtp-probe.ts`). */
export type SmtpProbeOutcome =
  { ok: true; latencyMs: number } | { ok: false; error: unknown; latencyMs: number };

/** One short-lived SMTP connection per probe, closed at once. */
export interface SmtpProbePort {
  verify(accessToken: string, signal: AbortSignal): Promise<SmtpProbeOutcome>;
}

export interface CheckContext {
  readonly mailbox: MailboxConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly deadline: Deadline;
  readonly secrets: SecretResolver;
  readonly tokens: TokenSource;
  readonly imap: ImapSessionPort;
  /** SMTP probe for `smtp-auth`; defaults to the nodemailer probe on the mailbox's cloud settings. */
  readonly smtp?: SmtpProbePort;
  /** When the Junk folder was last reviewed (from the state store); `junk` counts arrivals since then. */
  readonly lastSpamReviewAt?: Date;
  /** The state store (`state/`): the sent-quota ledger lives there. Absent → sent-quota keeps no history. */
  readonly state?: StateStore;
  /** Results of the checks that already ran in this mailbox run, by name. */
  readonly results: ReadonlyMap<CheckName, CheckResult>;
  /** Optional services (state store, review times, …) added by the parts that need them. */
  readonly services: Readonly<Record<string, unknown>>;
}

export type Check = (ctx: CheckContext) => Promise<CheckResult>;
