import { describe, expect, it } from 'vitest';
import {
  cleanText,
  defang,
  escapeHtml,
  escapeMarkdown,
  escapeSlack,
  nagiosSafe,
} from '../../src/shared/report/escape.js';

describe('escaping helpers', () => {
  it('escapeHtml neutralises tags, attributes and entities', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&amp;`)).toBe(
      '&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;amp;',
    );
  });

  it('cleanText removes control and bidi characters, joins lines and caps with an ellipsis', () => {
    expect(cleanText('a\u202Egnp.exe\u202C\r\nnext\u0007 line\u2066x\u2069')).toBe('agnp.exe next linex');
    expect(cleanText('x'.repeat(50), 10)).toBe('xxxxxxxxx…');
    expect([...cleanText('😀'.repeat(20), 5)].length).toBe(5); // no half surrogate pair
    expect(cleanText(undefined)).toBe('');
  });

  it('nagiosSafe drops the perfdata separator and newlines', () => {
    expect(nagiosSafe('subject | x=1\nlong output')).toBe('subject / x=1 long output');
  });

  it('defang keeps URLs readable but not clickable', () => {
    expect(defang('see https://evil.example/x and www.evil.example, mailto:a@b')).toBe(
      'see https[:]//evil.example/x and www[.]evil.example, mailto[:]a@b',
    );
  });

  it('escapes Markdown links and Slack link syntax', () => {
    expect(escapeMarkdown('[click](https://x)')).toBe('\\[click\\]\\(https://x\\)');
    expect(escapeSlack('<https://x|click> & co')).toBe('&lt;https://x|click&gt; &amp; co');
  });
});
