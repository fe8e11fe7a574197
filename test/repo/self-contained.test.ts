/**
 * The repository explains itself: no file points at notes that are not in it (the design notes, the facts file, the
 * style notes, seed documents, numbered issues of the tracker the work was planned in), and every `docs/…` page
 * that a comment or document names exists. What such a pointer would have explained belongs in `docs/`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'coverage', '.tools', 'tools']);
const TEXT = /\.(ts|mts|mjs|js|json|md|bicep|bicepparam|yaml|yml|sh|txt)$|^\.ci$|^run$/;

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name) || name.startsWith('demo-out') || name === 'package-lock.json') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (TEXT.test(name) || dirname(path).endsWith('.ci')) yield path;
  }
}

// Spelled in parts so this file does not match itself.
const OUTSIDE: ReadonlyArray<[string, RegExp]> = [
  ['design notes', new RegExp(`\\b${'DESIGN'}\\.md\\b`)],
  ['facts file', new RegExp(`\\b${'O365-'}FACTS\\b`)],
  ['style notes', new RegExp(`\\b${'STYLE'}\\.md\\b`)],
  ['seed documents', new RegExp(`\\b${'seeds'}/`)],
  ['a seed document', new RegExp(`\\bthe ${'seed'}\\b`, 'i')],
  ['a numbered issue', new RegExp(`\\b${'issue'} \\d+`, 'i')],
  ['the shared notes folder', new RegExp(`/work/${'shared'}\\b`)],
];

function scan(): { outside: string[]; missingDocs: string[] } {
  const outside: string[] = [];
  const missingDocs: string[] = [];
  for (const file of files(ROOT)) {
    const rel = relative(ROOT, file);
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      for (const [what, re] of OUTSIDE)
        if (re.test(line)) outside.push(`${rel}:${i + 1} (${what}): ${line.trim()}`);
      for (const m of line.matchAll(/\bdocs\/([\w.-]+\.md)\b/g)) {
        if (!existsSync(join(ROOT, 'docs', m[1]!))) missingDocs.push(`${rel}:${i + 1}: docs/${m[1]}`);
      }
      // Relative Markdown links from a document must resolve too.
      if (rel.endsWith('.md')) {
        for (const m of line.matchAll(/\]\((?!https?:|#|mailto:)([^)#\s]+)/g)) {
          if (!existsSync(resolve(dirname(file), m[1]!))) missingDocs.push(`${rel}:${i + 1}: ${m[1]}`);
        }
      }
    });
  }
  return { outside, missingDocs };
}

describe('the repository explains itself', () => {
  const found = scan();

  it('no comment or document points at a file outside the repository', () => {
    expect(found.outside).toEqual([]);
  });

  it('every docs/ page named in a comment or document exists', () => {
    expect(found.missingDocs).toEqual([]);
  });
});

describe('the README layout', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /## Layout\s+```\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const named = block.split('\n').flatMap((l) => /^(\S+\/)\s/.exec(l)?.[1] ?? []);

  it('names folders that exist, and every top-level folder and src/shared part that exists', () => {
    expect(named.length).toBeGreaterThan(5);
    for (const dir of named) expect(existsSync(join(ROOT, dir)), dir).toBe(true);
    // Folders that tests and tools write (test-output/, demo-out/, …) are ignored by git and not part of the layout.
    const ignored = readFileSync(join(ROOT, '.gitignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim().replace(/^\//, '').replace(/\/$/, ''))
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => new RegExp(`^${l.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`));
    const topLevel = readdirSync(ROOT, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.') && !SKIP_DIRS.has(d.name))
      .filter((d) => !ignored.some((re) => re.test(d.name)))
      .map((d) => `${d.name}/`);
    for (const dir of topLevel) {
      if (dir === 'src/') continue;
      expect(named, `README layout misses ${dir}`).toContain(dir);
    }
    // The src/shared/ line may continue on indented lines.
    const parts = /^src\/shared\/\s+(.*(?:\n\s+\S.*)*)/m.exec(block)?.[1]?.replace(/\s+/g, ' ') ?? '';
    const shared = readdirSync(join(ROOT, 'src/shared'), { withFileTypes: true }).filter((d) =>
      d.isDirectory(),
    );
    for (const d of shared)
      expect(
        parts.split(/,\s*/).map((p) => p.trim()),
        `README layout misses src/shared/${d.name}`,
      ).toContain(d.name);
  });
});
