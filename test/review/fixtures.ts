/** Raw RFC 5322 messages for the review tests (CRLF line ends, as a mail server stores them). */
export interface RawSpec {
  from: string;
  to?: string;
  subject: string;
  date?: Date;
  body?: string;
  messageId?: string;
  /** Header lines written above From, in this order (e.g. what Exchange stamps on delivery, or a forger's copy). */
  headers?: string[];
}

let counter = 0;

export function rawMessage(spec: RawSpec): string {
  counter++;
  const date = (spec.date ?? new Date('2026-11-23T10:00:00Z')).toUTCString().replace('GMT', '+0000');
  return [
    ...(spec.headers ?? []),
    `From: ${spec.from}`,
    `To: ${spec.to ?? 'servicedesk@contoso.com'}`,
    `Subject: ${spec.subject}`,
    `Date: ${date}`,
    `Message-ID: <review-${counter}@test.example>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    spec.body ?? 'Hello.',
    '',
  ].join('\r\n');
}

/** `=?UTF-8?B?…?=`: an encoded word hiding whatever text (markup included) from a naive header reader. */
export function encodedWord(text: string): string {
  return `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

export { exchangeStamp, type StampSpec } from '../../lab/exchange-stamp.js';
