// @ts-check
/**
 * The deployed code: esbuild bundles of the Function App entry and the CLI, built by `npm run build` after `tsc`.
 * One module graph instead of thousands of files in node_modules is most of a cold start (docs/performance.md).
 *
 * - ESM with code splitting: what only some runs need (Azure SDK clients, the doctor) sits in chunks loaded by
 *   `import()` when configured, so a run that does not use them never parses them.
 * - The Function App and the CLI are two builds, not one build with two entry points: in one build, the code both
 *   entries load at start (the config schema, the checks, zod, re2js) becomes shared chunks, and every start of
 *   either imports those as separate modules. Built apart, each entry's start-up code is one file; the chunks left
 *   are what it loads later by `import()` (docs/performance.md, cold start).
 * - `@azure/functions-core` is external: the Functions worker provides it at run time, it is not on npm
 *   (https://github.com/Azure/azure-functions-nodejs-library/issues/201). `@azure/functions` reaches it with
 *   `require`, so the bundle gets a real `require` (createRequire) for the CommonJS code inside it.
 * - `applicationinsights` stays external (resolved from node_modules, a production dependency): it loads its
 *   OpenTelemetry instrumentations by name at run time, and it is imported only when a connection string is set.
 *   So does `re2js`, the engine of users' patterns: the code requires it on first use (config/user-pattern.ts),
 *   which a mailbox check with the default ticket pattern never reaches.
 *
 * - Data a check almost never reads (the CJK charset tables of iconv-lite and encoding-japanese) is copied to
 *   `dist/bundle/data/` and required from there on first use, not bundled: bundled, V8 scanned it on every start of
 *   a check (scripts/bundle-plugins.mjs).
 *
 * Usage: node scripts/bundle.mjs   → dist/bundle/{functions,cli}.js + chunks + data, dist/bundle-meta.json (esbuild's
 * metafile)
 */
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { BANNER, PLUGINS } from './bundle-plugins.mjs';

export const BUNDLE_DIR = 'dist/bundle';
export const BUNDLE_META = 'dist/bundle-meta.json';

// Chunk names carry content hashes: without a clean folder every build would leave the last one's chunks behind.
rmSync(BUNDLE_DIR, { recursive: true, force: true });

/** @type {import('esbuild').BuildOptions & { metafile: true }} */
const options = {
  outdir: BUNDLE_DIR,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  sourcemap: 'linked',
  // Fewer bytes for V8 to scan on every cold start; stack traces map back through the linked source maps.
  // Identifiers are left as written, so function, class and error names stay what the code says (results name an
  // error's class; libraries compare names) without `keepNames`, whose call per function and class cost about a
  // tenth of a check instance's cold start (docs/performance.md). Where two modules of a chunk declare the same
  // name esbuild renames one (`Foo2`); the error classes we and our libraries compare set `this.name` themselves.
  minifyWhitespace: true,
  minifySyntax: true,
  chunkNames: 'chunks/[name]-[hash]',
  external: ['@azure/functions-core', 'applicationinsights'],
  banner: { js: BANNER },
  // What each output holds (bench/cold-start.ts finds the chunks a mailbox check loads by it); kept next to the
  // bundle, not in it, so it is not deployed.
  metafile: true,
  logLevel: 'warning',
  legalComments: 'linked',
  plugins: PLUGINS,
};
// One after the other into the same folder: a chunk both builds emit has the same content, so the same name.
const metas = [];
for (const entryPoints of [{ functions: 'src/functions/index.ts' }, { cli: 'src/cli/main.ts' }]) {
  metas.push((await build({ ...options, entryPoints })).metafile);
}
writeFileSync(
  BUNDLE_META,
  JSON.stringify({
    inputs: Object.assign({}, ...metas.map((m) => m.inputs)),
    outputs: Object.assign({}, ...metas.map((m) => m.outputs)),
  }),
);
