/** Every setup step's link points at a heading that exists in docs/deploy.md (GitHub's heading slugs). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETUP_STEPS } from '../../src/shared/contracts.js';
import { SETUP_STEP_DOCS, setupStepUrl } from '../../src/shared/report/docs-links.js';

function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
}

describe('setup step links', () => {
  const headings = readFileSync('docs/deploy.md', 'utf8')
    .split('\n')
    .filter((l) => /^#{2,4} /.test(l))
    .map((l) => l.replace(/^#+ /, ''));

  it('name a section of docs/deploy.md whose anchor exists', () => {
    const anchors = new Set(headings.map(githubSlug));
    for (const step of SETUP_STEPS) {
      const doc = SETUP_STEP_DOCS[step];
      expect(headings, step).toContain(doc.section);
      expect(anchors.has(doc.anchor), `${step}: #${doc.anchor}`).toBe(true);
    }
  });

  it('link only to an https docs URL', () => {
    expect(setupStepUrl('admin-consent', 'https://docs.example/deploy')).toBe(
      'https://docs.example/deploy#1-register-the-application',
    );
    expect(setupStepUrl('admin-consent', 'javascript:alert(1)')).toBeUndefined();
    expect(setupStepUrl('admin-consent', undefined)).toBeUndefined();
  });
});
