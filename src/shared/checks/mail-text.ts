/**
 * Hostile-input handling for what the checks copy out of a mailbox (subjects, senders): plain text, one line,
 * length-capped — through the report module's `cleanText`, where all escaping lives.
 */
import type { MessageEnvelopeObject } from 'imapflow';
import { cleanText } from '../report/escape.js';

export function cleanMailText(value: unknown, max = 120): string {
  return typeof value === 'string' ? cleanText(value, max) : '';
}

/** The sender as "Name <address>" (or the address), cleaned. */
export function senderOf(envelope: MessageEnvelopeObject | undefined): string {
  const from = envelope?.from?.[0] ?? envelope?.sender?.[0];
  if (!from) return '';
  const address = cleanMailText(from.address ?? '', 200);
  const name = cleanMailText(from.name ?? '', 80);
  return name && address ? `${name} <${address}>` : address || name;
}
