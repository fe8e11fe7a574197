/**
 * The deployed bundles' esbuild plugins (scripts/bundle-plugins.mjs) change how libraries load: a bundle built
 * with exactly them, run as a process, must still do what the libraries do.
 * - libmime decodes an ISO-2022-JP subject, and imapflow's Japanese body decoder an ISO-2022-JP body, through
 *   encoding-japanese, which the bundle loads on first use (iconv-lite cannot decode ISO-2022-JP, so this is the
 *   lazily loaded module at work);
 * - imapflow loads with its fallback logger stubbed, and a client built with our logger is usable.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('a bundle built with the deployed plugins', () => {
  it('decodes ISO-2022-JP through the late-loaded encoding-japanese, and loads imapflow without pino', async () => {
    const body = Buffer.from('1b2442467c4b5c386c1b2842', 'hex'); // 日本語 in ISO-2022-JP
    const out = join(mkdtempSync(join(tmpdir(), 'mh-plugins-')), 'probe.mjs');
    const entry = [
      "import libmime from 'libmime';",
      "import { ImapFlow } from 'imapflow';",
      "import { JPDecoder } from 'imapflow/lib/jp-decoder.js';",
      'const decoder = new JPDecoder("iso-2022-jp");',
      'const decoded = [];',
      'decoder.on("data", (c) => decoded.push(c));',
      'await new Promise((resolve, reject) => { decoder.on("end", resolve).on("error", reject); decoder.end(Buffer.from(process.argv[3], "hex")); });',
      "const client = new ImapFlow({ host: 'localhost', port: 993, secure: true, logger: false });",
      'process.stdout.write(JSON.stringify({',
      '  subject: libmime.decodeWords(process.argv[2]),',
      "  client: typeof client.connect === 'function',",
      '  body: Buffer.concat(decoded).toString(),',
      '}));',
    ].join('\n');
    const builder = [
      "import { build } from 'esbuild';",
      "import { BANNER, PLUGINS } from './scripts/bundle-plugins.mjs';",
      `await build({ stdin: { contents: ${JSON.stringify(entry)}, resolveDir: '.', loader: 'js' },`,
      `  bundle: true, format: 'esm', platform: 'node', target: 'node22', outfile: ${JSON.stringify(out)},`,
      "  banner: { js: BANNER }, plugins: PLUGINS, logLevel: 'error' });",
    ].join('\n');
    await run(process.execPath, ['--input-type=module', '-e', builder], { timeout: 60_000 });

    const { stdout } = await run(
      process.execPath,
      [out, '=?ISO-2022-JP?B?GyRCRnxLXDhsJE43b0w+GyhC?=', body.toString('hex')],
      { timeout: 30_000 },
    );
    expect(JSON.parse(stdout)).toEqual({ subject: '日本語の件名', client: true, body: '日本語' });
  });
});
