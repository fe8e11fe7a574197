/**
 * When the mailbox's credential stops working: a client secret's expiry date (Entra shows it but does not expose
 * it to the app, so the admin copies it into `auth.clientSecretExpiresOn`) or a certificate's notAfter (read from
 * the PEM). Pure functions; the `credential-expiry` check applies them.
 */
import type { Status } from '../contracts.js';

export const EXPIRY_WARN_DAYS = 30;
export const EXPIRY_CRIT_DAYS = 7;
const DAY_MS = 86_400_000;

/** Whole days left (rounded down); negative once expired. */
export function daysLeft(expiresOn: Date, now: Date): number {
  return Math.floor((expiresOn.getTime() - now.getTime()) / DAY_MS);
}

/** CRIT at or below 7 days (and once expired), WARN at or below 30 days, OK otherwise. */
export function expiryStatus(expiresOn: Date, now: Date): Status {
  const ms = expiresOn.getTime() - now.getTime();
  if (ms <= EXPIRY_CRIT_DAYS * DAY_MS) return 'CRIT';
  if (ms <= EXPIRY_WARN_DAYS * DAY_MS) return 'WARN';
  return 'OK';
}

/**
 * `clientSecretExpiresOn` as the portal shows it: a date ("2027-03-01") means the secret is gone from the start
 * of that day UTC — the conservative reading — while a full timestamp is taken as given.
 */
export function parseExpiryDate(value: string): Date | undefined {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
