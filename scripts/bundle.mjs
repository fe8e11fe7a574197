// @ts-check
/**
 * The deployed code: esbuild bundles of the Function App entry and the CLI, built by `npm run build` after `tsc`.
 * One module graph instead of thousands of files in node_modules is most of a cold start (docs/performance.md).
 *
 * - ESM with code splitting: what only some runs need (Azure SDK clients, the doctor) sits in chunks loaded by
 *   `import()` when configured, so a run that does not use them never parses them.
 * - `@azure/functions-core` is external: the Functions worker provides it at run time, it is not on npm
 *   (https://github.com/Azure/azure-functions-nodejs-library/issues/201). `@azure/functions` reaches it with
 *   `require`, so the bundle gets a real `require` (createRequire) for the CommonJS code inside it.
 * - `applicationinsights` stays external (resolved from node_modules, a production dependency): it loads its
 *   OpenTelemetry instrumentations by name at run time, and it is imported only when a connection string is set.
 *
 * Usage: node scripts/bundle.mjs   → dist/bundle/{functions,cli}.js + chunks, dist/bundle-meta.json (esbuild's metafile)
 */
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';

export const BUNDLE_DIR = 'dist/bundle';
export const BUNDLE_META = 'dist/bundle-meta.json';

/**
 * Two nodemailer modules switch TLS certificate verification off: its URL fetcher (`lib/fetch`, used for attachments
 * given by URL and for nodemailer's own OAuth2 token refresh) and its HTTP-proxy client. mailbox-health uses
 * neither — it hands nodemailer a ready access token and composes its mails itself — so the deployed bundle carries
 * stubs that refuse, instead of code that would connect without verifying the server.
 */
const withoutUnverifiedTls = {
  name: 'without-unverified-tls',
  setup(b) {
    const stubs = {
      pino:
        'module.exports = function pino() {\n' +
        "  const quiet = { level: 'silent', child: () => quiet };\n" +
        "  for (const k of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) quiet[k] = () => undefined;\n" +
        '  return quiet;\n' +
        '};\n',
      fetch:
        "function nmfetch() { throw new Error('mailbox-health: nodemailer URL fetching is not bundled (it skips TLS verification)'); }\n" +
        'nmfetch.Cookies = class Cookies {};\nmodule.exports = nmfetch;\n',
      proxy:
        'module.exports = function httpProxyClient(proxyUrl, port, host, callback) {\n' +
        "  setImmediate(() => callback(new Error('mailbox-health: SMTP through an HTTP proxy is not bundled (it skips TLS verification)')));\n" +
        '};\n',
    };
    b.onResolve({ filter: /(^|\/)(fetch|http-proxy-client)$/ }, (args) => {
      if (!/[\\/]nodemailer[\\/]lib[\\/]/.test(args.importer)) return undefined;
      const which = args.path.endsWith('http-proxy-client') ? 'proxy' : 'fetch';
      return { path: which, namespace: 'mh-stub' };
    });
    b.onLoad({ filter: /.*/, namespace: 'mh-stub' }, (args) => ({
      contents: stubs[args.path],
      loader: 'js',
    }));
  },
};

/**
 * `import … from 'http'` in an ES module makes Node build the builtin's ESM facade, which reads every export —
 * including `http`'s lazy getters that load Node's whole fetch implementation (undici): ~30 ms of every cold
 * start, for a module only MSAL's interactive-login server uses. The same builtin reached through `require`
 * (the bundle has a real one, see the banner) builds no facade, so ESM imports of `http`/`https` are rewritten
 * to it.
 */
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(b) {
    b.onResolve({ filter: /^(node:)?https?$/ }, (args) =>
      args.kind === 'import-statement'
        ? { path: args.path.replace(/^node:/, ''), namespace: 'mh-builtin' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'mh-builtin' }, (args) => ({
      contents: `module.exports = require('node:${args.path}');\n`,
      loader: 'js',
    }));
  },
};

/**
 * Two libraries imapflow loads do work at load time that a mailbox check does not need (~60 ms of a cold check):
 * - `pino`: imapflow's fallback logger, created when imapflow loads and used only when no logger is passed.
 *   ImapSession always passes one (imapflow-client.ts), so the bundle carries a logger that drops everything.
 * - `encoding-japanese`: libmime reads it only to decode ISO-2022-JP/EUC-JP text, but its tables are built when
 *   it loads. In the bundle it loads on first use instead.
 */
const lateOrNeverLoaded = {
  name: 'late-or-never-loaded',
  setup(b) {
    b.onResolve({ filter: /^pino$/ }, (args) =>
      /[\\/]imapflow[\\/]lib[\\/]/.test(args.importer) ? { path: 'pino', namespace: 'mh-stub' } : undefined,
    );
    b.onResolve({ filter: /^encoding-japanese$/ }, (args) =>
      args.namespace !== 'mh-lazy' && /[\\/]libmime[\\/]/.test(args.importer)
        ? { path: 'encoding-japanese', namespace: 'mh-lazy', pluginData: { resolveDir: args.resolveDir } }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'mh-lazy' }, (args) => ({
      contents:
        'let real;\n' +
        `module.exports = new Proxy({}, { get: (_, key) => (real ??= require(${JSON.stringify(args.path)}))[key] });\n`,
      loader: 'js',
      resolveDir: args.pluginData.resolveDir,
    }));
  },
};

// Chunk names carry content hashes: without a clean folder every build would leave the last one's chunks behind.
rmSync(BUNDLE_DIR, { recursive: true, force: true });

const result = await build({
  entryPoints: { functions: 'src/functions/index.ts', cli: 'src/cli/main.ts' },
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
  banner: {
    js: "import { createRequire as __mhCreateRequire } from 'node:module'; const require = __mhCreateRequire(import.meta.url);",
  },
  // What each output holds (bench/cold-start.ts finds the chunks a mailbox check loads by it); kept next to the
  // bundle, not in it, so it is not deployed.
  metafile: true,
  logLevel: 'warning',
  legalComments: 'linked',
  plugins: [withoutUnverifiedTls, builtinsByRequire, lateOrNeverLoaded],
});
writeFileSync(BUNDLE_META, JSON.stringify(result.metafile));
