/**
 * The demo's release, done as a reviewer's browser does it: the first "Move to <folder>" button of the digest the
 * app sent (likely-legitimate rows come first), a GET of its link (the confirmation page, which changes nothing),
 * then the page's own form POSTed back (hidden field `t`, `application/x-www-form-urlencoded`), and — to show the
 * link is single-use — the same form POSTed once more. All three answered by the real `mailboxAction` handler over
 * HTTP (./action-server.ts). Lab code: never deployed.
 */

export interface DemoPage {
  status: number;
  /** The page's `<h1>`, as text. */
  title: string;
  html: string;
}

export interface DemoRelease {
  /** The button's label, e.g. `Move to INBOX`. */
  label: string;
  url: string;
  confirm: DemoPage;
  result: DemoPage;
  replay: DemoPage;
}

/** Undoes the escaping report/escape.ts applies to attribute values and text. */
function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

const textOf = (html: string) =>
  unescapeHtml(html.replace(/<[^>]*>/g, ''))
    .replace(/\s+/g, ' ')
    .trim();

/** The first action button of a mail with this label (e.g. `Move to INBOX`), or undefined. */
export function firstButton(mailHtml: string, wanted: string): { label: string; url: string } | undefined {
  for (const m of mailHtml.matchAll(/<a\b[^>]*\bhref="([^"]*)"[^>]*>([^<]*)<\/a>/g)) {
    const url = unescapeHtml(m[1]!);
    const label = textOf(m[2]!);
    if (label === wanted && url.includes('mailboxAction?t=')) return { label, url };
  }
  return undefined;
}

async function asPage(r: Response): Promise<DemoPage> {
  const html = await r.text();
  const h1 = /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html)?.[1] ?? '';
  return { status: r.status, title: textOf(h1), html };
}

/** The confirmation page's form: where it posts and its fields, as a browser would submit them. */
function formOf(page: DemoPage, pageUrl: string): { action: string; body: string } {
  const form = /<form\b[^>]*\bmethod="post"[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(page.html);
  if (!form) throw new Error(`the confirmation page has no form (HTTP ${page.status}: ${page.title})`);
  const fields = new URLSearchParams();
  for (const i of form[2]!.matchAll(/<input\b[^>]*\bname="([^"]*)"[^>]*\bvalue="([^"]*)"[^>]*>/g))
    fields.append(unescapeHtml(i[1]!), unescapeHtml(i[2]!));
  return { action: new URL(unescapeHtml(form[1]!), pageUrl).toString(), body: fields.toString() };
}

/**
 * Follows the first button labelled `label` in `mailHtml`. `beforeConfirm` runs between the GET and the POST
 * (the demo checks there that the GET changed nothing).
 */
export async function releaseThroughLink(
  mailHtml: string,
  label: string,
  beforeConfirm: () => Promise<void> = async () => {},
): Promise<DemoRelease> {
  const button = firstButton(mailHtml, label);
  if (!button) throw new Error(`the digest has no "${label}" button`);
  const confirm = await asPage(await fetch(button.url, { redirect: 'manual' }));
  const form = formOf(confirm, button.url);
  await beforeConfirm();
  const post = () =>
    fetch(form.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.body,
      redirect: 'manual',
    }).then(asPage);
  const result = await post();
  const replay = await post();
  return { ...button, confirm, result, replay };
}

/** What the release must have shown: the GET moved nothing, the POST moved one, the replay nothing more. */
export function checkRelease(
  release: DemoRelease | undefined,
  error: string,
  c: { before: number[]; afterGet: number[]; afterPost: number[]; afterReplay: number[] },
): string[] {
  if (!release) return [error || 'not performed'];
  const problems: string[] = [];
  const same = (a: number[], b: number[]) => a.join() === b.join();
  if (release.confirm.status !== 200 || !same(c.afterGet, c.before))
    problems.push(`the GET answered ${release.confirm.status} or changed the mailbox`);
  if (release.result.status !== 200 || release.result.title !== 'Moved')
    problems.push(`the POST answered ${release.result.status} "${release.result.title}", expected "Moved"`);
  if (c.afterPost[0] !== c.before[0]! + 1 || c.afterPost[1] !== c.before[1]! - 1)
    problems.push(
      `Inbox/Junk went ${c.before.join('/')} → ${c.afterPost.join('/')}, expected one mail moved`,
    );
  if (release.replay.title !== 'Already done' || !same(c.afterReplay, c.afterPost))
    problems.push(`the replay answered "${release.replay.title}" or changed the mailbox`);
  return problems;
}
