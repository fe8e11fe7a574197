/**
 * The port the auth part offers: a token source per mailbox, implemented by `token-source.ts` (MSAL against Entra
 * ID) and used by the checks, the spam review and the alert e-mail channel.
 */
import type { Remediation } from '../contracts.js';
import type { Fault, ServerCodes } from '../faults/index.js';

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
  /**
   * The token last handed out was refused or lacks what the mailbox needs: drop it so that the next acquisition
   * asks Entra and a fix made in Entra or Exchange shows on the next run — `everywhere` (memory and the copy kept
   * between processes) or only the `kept` copy (checks/runner.ts `tokenToRenew` says which).
   */
  forget?(scope: 'everywhere' | 'kept'): void;
}
