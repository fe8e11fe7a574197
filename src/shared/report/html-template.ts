/**
 * A tagged template for server-rendered pages: every interpolated value is HTML-escaped unless it is markup this
 * module built (`Html`). Escaping is the default, so a forgotten call cannot let a mailbox-derived string become
 * markup; arrays are joined, and null/undefined/false render nothing.
 */
import { escapeHtml } from './escape.js';

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function render(v: Part): string {
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map((x: Part) => render(x)).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** Markup from a trusted constant (CSS, a generated SVG path): never pass text that came from outside. */
export function trusted(markup: string): Html {
  return new Html(markup);
}
