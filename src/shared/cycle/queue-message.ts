/**
 * Reading a queue message body the way it may arrive. host.json sets `messageEncoding: "none"`, so the host hands
 * the text as it is in the queue (parsed into an object when it is JSON); a producer that still base64-encodes (an
 * older deployment's messages, the portal's "encode in Base64" box) is read too. What is neither stays a value —
 * `undecodable`, with its size in bytes — so the poison alert can name it without ever quoting it.
 *
 * Why not base64: with it the host cannot decode a message that is not base64 and moves it to `<queue>-poison`
 * without calling anyone; the poison trigger cannot decode it either and the host moves it on to
 * `<queue>-poison-poison`, where no function listens (Microsoft.Azure.WebJobs.Extensions.Storage.Queues,
 * QueueServiceClientProvider's MessageDecodingFailed handler). No alert at all.
 */
export type DecodedBody =
  | { ok: true; value: unknown; encoding: 'json' | 'base64-json' | 'object' }
  | { ok: false; sizeBytes: number; reason: string };

/** Strict base64 as .NET's Convert.FromBase64String reads it (Node's decoder accepts anything). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

export function decodeQueueBody(body: unknown): DecodedBody {
  let text: string;
  if (typeof body === 'string') text = body;
  else if (body instanceof Uint8Array) text = Buffer.from(body).toString('utf8');
  else if (body !== null && typeof body === 'object') return { ok: true, value: body, encoding: 'object' };
  else
    return {
      ok: false,
      sizeBytes: Buffer.byteLength(String(body)),
      reason: `a ${typeof body}, not a message`,
    };
  const sizeBytes = Buffer.byteLength(text, 'utf8');
  const json = tryJson(text);
  if (json.ok) return { ok: true, value: json.value, encoding: 'json' };
  const compact = text.replace(/\s+/g, '');
  if (compact.length > 0 && BASE64.test(compact)) {
    const inner = tryJson(Buffer.from(compact, 'base64').toString('utf8'));
    if (inner.ok) return { ok: true, value: inner.value, encoding: 'base64-json' };
    return { ok: false, sizeBytes, reason: 'base64 that does not decode to JSON' };
  }
  return { ok: false, sizeBytes, reason: 'neither JSON nor base64' };
}
