#!/usr/bin/env node
// Fails when two folders import each other, directly or around a longer loop. A folder is a part (see
// docs/architecture.md); parts depend one way, so a circle between folders means a port sits in the wrong place.
// Usage: node scripts/folder-cycles.mjs [root …]   (default: src). Prints the folder graph with --graph.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const args = process.argv.slice(2);
const showGraph = args.includes('--graph');
const roots = args.filter((a) => !a.startsWith('--'));
if (roots.length === 0) roots.push('src');

function* tsFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* tsFiles(path);
    else if (/\.(m|c)?tsx?$/.test(name) && !name.endsWith('.d.ts')) yield path;
  }
}

// Static imports and re-exports, type-only included: a type import still ties the folders together.
const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** folder → Map(folder → first "file → specifier" seen), relative to the working directory. */
const edges = new Map();
for (const root of roots) {
  for (const file of tsFiles(resolve(root))) {
    const text = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/(^|[^:])\/\/.*$/gm, '$1');
    const from = relative('.', dirname(file));
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1] ?? m[2];
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      const to = relative('.', /\.[cm]?[jt]sx?$/.test(spec) ? dirname(target) : target);
      if (to === from) continue;
      if (!edges.has(from)) edges.set(from, new Map());
      if (!edges.get(from).has(to)) edges.get(from).set(to, `${relative('.', file)} → ${spec}`);
    }
  }
}

// Tarjan's strongly connected components: every component with more than one folder is a circle.
let index = 0;
const idx = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
function visit(v) {
  idx.set(v, index);
  low.set(v, index++);
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v)?.keys() ?? []) {
    if (!idx.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const scc = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1) cycles.push(scc.sort());
  }
}
const nodes = new Set([...edges.keys(), ...[...edges.values()].flatMap((m) => [...m.keys()])]);
for (const v of [...nodes].sort()) if (!idx.has(v)) visit(v);

if (showGraph) {
  for (const [from, tos] of [...edges].sort())
    for (const [to, why] of tos) console.log(`${from} -> ${to}   (${why})`);
}
if (cycles.length === 0) {
  console.log(`folder-cycles: no import circle between ${nodes.size} folders`);
} else {
  for (const scc of cycles) {
    console.error(`folder-cycles: these folders import each other in a circle: ${scc.join(', ')}`);
    for (const from of scc)
      for (const [to, why] of edges.get(from) ?? [])
        if (scc.includes(to)) console.error(`  ${from} -> ${to}   ${why}`);
  }
  process.exit(1);
}
