/**
 * A small HTML tokenizer for the digest tests (no HTML parser is installed): splits markup into start tags (with
 * attributes, quoted or not), end tags, comments/doctype and text, the way a browser's tokenizer would for the
 * data state. Enough to prove escaping works: if a mail subject broke out of its text node, its `<script>` or
 * `onerror=` would show up here as a real tag or attribute.
 */
export interface Tag {
  name: string;
  attrs: Map<string, string>;
}
export interface Tokens {
  tags: Tag[];
  /** Text nodes, entities decoded. */
  texts: string[];
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  '#39': "'",
  nbsp: '\u00a0',
  ldquo: '“',
  rdquo: '”',
};

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+\d*);/gi, (m, e: string) => {
    if (e.startsWith('#x') || e.startsWith('#X')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#') && e !== '#39') return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

export function tokenize(html: string): Tokens {
  const tags: Tag[] = [];
  const texts: string[] = [];
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      texts.push(decodeEntities(html.slice(i)));
      break;
    }
    if (lt > i) texts.push(decodeEntities(html.slice(i, lt)));
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    // A browser treats `<` not followed by a letter, `/` or `!` as text.
    if (!/^<[a-zA-Z/!]/.test(html.slice(lt, lt + 2))) {
      texts.push('<');
      i = lt + 1;
      continue;
    }
    // Scan the tag respecting quoted attribute values.
    let j = lt + 1;
    let quote = '';
    for (; j < html.length; j++) {
      const ch = html[j];
      if (quote) {
        if (ch === quote) quote = '';
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '>') break;
    }
    const inner = html.slice(lt + 1, j);
    i = j + 1;
    if (inner.startsWith('!') || inner.startsWith('/')) {
      if (inner.startsWith('/'))
        tags.push({ name: '/' + inner.slice(1).trim().toLowerCase(), attrs: new Map() });
      continue;
    }
    const name = /^[a-zA-Z][^\s/>]*/.exec(inner)?.[0]?.toLowerCase() ?? '';
    const attrs = new Map<string, string>();
    const re = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
    let m: RegExpExecArray | null;
    const rest = inner.slice(name.length);
    while ((m = re.exec(rest))) {
      attrs.set(m[1]!.toLowerCase(), decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''));
    }
    tags.push({ name, attrs });
  }
  return { tags, texts };
}
