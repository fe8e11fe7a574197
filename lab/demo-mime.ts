/**
 * Just enough MIME for the demo's output files: the text/html part of a message nodemailer built (multipart,
 * quoted-printable or base64), and a file-name slug from its Subject. Lab code; the monitor never parses mail this way.
 */

function decodeQuotedPrintable(s: string): Buffer {
  const soft = s.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i]!;
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes);
}

function splitHead(part: string): { headers: string; body: string } {
  const at = part.search(/\r?\n\r?\n/);
  if (at < 0) return { headers: part, body: '' };
  const sep = part.slice(at).match(/^\r?\n\r?\n/)![0];
  return { headers: part.slice(0, at), body: part.slice(at + sep.length) };
}

function header(headers: string, name: string): string | undefined {
  const unfolded = headers.replace(/\r?\n[ \t]+/g, ' ');
  const m = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(unfolded);
  return m?.[1]?.trim();
}

/** The decoded text/html part, or undefined when the message has none. */
export function extractHtml(raw: string): string | undefined {
  const { headers, body } = splitHead(raw);
  const type = header(headers, 'Content-Type') ?? 'text/plain';
  if (/^multipart\//i.test(type)) {
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (!boundary) return undefined;
    for (const part of body.split(`--${boundary}`).slice(1)) {
      if (part.startsWith('--')) break;
      const html = extractHtml(part.replace(/^\r?\n/, ''));
      if (html !== undefined) return html;
    }
    return undefined;
  }
  if (!/^text\/html/i.test(type)) return undefined;
  const enc = (header(headers, 'Content-Transfer-Encoding') ?? '7bit').toLowerCase();
  if (enc === 'quoted-printable') return decodeQuotedPrintable(body).toString('utf8');
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body;
}

/** `alert-servicedesk-critical` from the Subject: lower-case ASCII words, at most 60 characters. */
export function fileSlug(raw: string): string {
  const subject = header(splitHead(raw).headers, 'Subject') ?? 'message';
  // RFC 2047 encoded words (a subject with "·" or "…" arrives as =?UTF-8?B?…?= or =?UTF-8?Q?…?=).
  const plain = subject
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?[^?]+\?([BbQq])\?([^?]*)\?=/g, (_m, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')).toString('utf8'),
    );
  const slug = plain
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return slug || 'message';
}
