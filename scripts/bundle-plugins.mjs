// @ts-check
/**
 * The esbuild plugins of the deployed bundles (scripts/bundle.mjs), in a module of their own so that a test can
 * build with exactly them (test/functions/bundle-plugins.int.test.ts).
 */
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';

/**
 * The bundles are ESM; the CommonJS code inside them gets a real `require`. `__mhData(name)` is the path of a file
 * copied beside the bundle (`besideTheBundle`), from whichever output file the code ended up in: an entry sits in
 * the output folder, a chunk in its `chunks/` subfolder.
 */
export const BANNER =
  "import { createRequire as __mhCreateRequire } from 'node:module'; import { fileURLToPath as __mhFileURLToPath } from 'node:url'; " +
  'const require = __mhCreateRequire(import.meta.url); ' +
  "const __mhData = (name) => __mhFileURLToPath(new URL((/\\/chunks\\/[^/]*$/.test(import.meta.url) ? '../data/' : './data/') + name, import.meta.url));";

/**
 * Two nodemailer modules switch TLS certificate verification off: its URL fetcher (`lib/fetch`, used for attachments
 * given by URL and for nodemailer's own OAuth2 token refresh) and its HTTP-proxy client. mailbox-health uses
 * neither — it hands nodemailer a ready access token and composes its mails itself — so the deployed bundle carries
 * stubs that refuse, instead of code that would connect without verifying the server.
 */
export const withoutUnverifiedTls = {
  name: 'without-unverified-tls',
  setup(b) {
    const stubs = {
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
export const builtinsByRequire = {
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
 * - `encoding-japanese`: libmime and imapflow's own Japanese body decoder (`lib/jp-decoder.js`, required by its
 *   `tools.js`) read it only to decode ISO-2022-JP/Shift_JIS/EUC-JP text, but its tables are built when it loads
 *   (~3 ms). In the bundle it loads on first use instead, from a copy next to the bundle (see `besideTheBundle`).
 */
export const lateOrNeverLoaded = {
  name: 'late-or-never-loaded',
  setup(b) {
    b.onResolve({ filter: /^pino$/ }, (args) =>
      /[\\/]imapflow[\\/]lib[\\/]/.test(args.importer) ? { path: 'pino', namespace: 'mh-quiet' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'mh-quiet' }, () => ({
      contents:
        'module.exports = function pino() {\n' +
        "  const quiet = { level: 'silent', child: () => quiet };\n" +
        "  for (const k of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) quiet[k] = () => undefined;\n" +
        '  return quiet;\n' +
        '};\n',
      loader: 'js',
    }));
    b.onResolve({ filter: /^encoding-japanese$/ }, (args) =>
      args.namespace !== 'mh-lazy' && /[\\/](libmime|imapflow[\\/]lib)[\\/]/.test(args.importer)
        ? { path: 'encoding-japanese', namespace: 'mh-lazy', pluginData: { resolveDir: args.resolveDir } }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'mh-lazy' }, (args) => {
      const dir = dirname(
        createRequire(join(args.pluginData.resolveDir, 'x.js')).resolve(`${args.path}/package.json`),
      );
      const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      const copy = besideTheBundle(b, dir, `${args.path}-${version}`);
      return {
        contents:
          'let real;\n' +
          `module.exports = new Proxy({}, { get: (_, key) => (real ??= require(${copy}))[key] });\n`,
        loader: 'js',
      };
    });
  },
};

/**
 * Copies `from` (a file, or a package's folder) to `data/<name>` in the build's output folder and returns a
 * JavaScript expression that is its path at run time (`__mhData`, defined by the banner).
 * Data read this way is not in the bundle's JavaScript, so V8 does not scan it on every start.
 */
function besideTheBundle(b, from, name) {
  const { outdir, outfile } = b.initialOptions;
  const root = outdir ?? dirname(outfile);
  const to = join(root, 'data', name);
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to, { recursive: true, filter: (f) => !/[\\/](README\.md|encoding(\.min)?\.js)$/.test(f) });
  return `__mhData(${JSON.stringify(name)})`;
}

/**
 * iconv-lite's tables for the Chinese, Japanese and Korean double-byte charsets (~470 kB of JSON) are required only
 * when a message in one of them is decoded, but bundled they are JavaScript every check instance's cold start
 * parses. They are copied beside the bundle and read on first use, as iconv-lite itself reads them from its folder.
 */
export const tablesOnFirstUse = {
  name: 'tables-on-first-use',
  setup(b) {
    b.onResolve({ filter: /^\.\/tables\/[\w-]+\.json$/ }, (args) =>
      /[\\/]iconv-lite[\\/]encodings$/.test(args.resolveDir)
        ? { path: join(args.resolveDir, args.path), namespace: 'mh-table' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'mh-table' }, (args) => {
      const pkg = JSON.parse(readFileSync(join(dirname(args.path), '..', '..', 'package.json'), 'utf8'));
      const copy = besideTheBundle(b, args.path, `iconv-lite-${pkg.version}/${basename(args.path)}`);
      return { contents: `module.exports = require(${copy});\n`, loader: 'js' };
    });
  },
};

export const PLUGINS = [withoutUnverifiedTls, builtinsByRequire, lateOrNeverLoaded, tablesOnFirstUse];
