/**
 * The pattern engine (re2js) loads only when a pattern needs it: parsing a configuration that keeps the default
 * ticket pattern — what every mailbox check does first — leaves it unloaded; a configured pattern loads it, and a
 * bad one is still refused. Run as a process over the built code (`npm test` builds first), where "loaded" is what
 * Node's module hooks saw load.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

async function parseIn(pattern?: string): Promise<{ loaded: boolean; error?: string }> {
  const load = resolve('dist/src/shared/config/load.js');
  const mailbox = {
    id: 'desk',
    address: 'desk@contoso.example',
    tenantId: '11111111-1111-4111-8111-111111111111',
    clientId: '22222222-2222-4222-8222-222222222222',
    auth: { mode: 'clientSecret', clientSecret: { env: 'X' } },
    ...(pattern === undefined ? {} : { spamReview: { ticketPattern: pattern } }),
  };
  const script = [
    // Every module loaded from here on, imported or required (module.registerHooks sees both).
    "import { registerHooks } from 'node:module';",
    'const seen = [];',
    'registerHooks({ load: (url, context, next) => (seen.push(url), next(url, context)) });',
    `const { parseConfig } = await import(${JSON.stringify(load)});`,
    'let error;',
    `try { parseConfig(${JSON.stringify({ mailboxes: [mailbox] })}, 'test'); } catch (e) { error = e.message; }`,
    'const loaded = seen.some((u) => /[\\\\/]re2js[\\\\/]/.test(u));',
    'process.stdout.write(JSON.stringify({ loaded, error }));',
  ].join('\n');
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 30_000 });
  return JSON.parse(stdout) as { loaded: boolean; error?: string };
}

describe('the pattern engine loads on demand', () => {
  it('not for a configuration that keeps the default ticket pattern', async () => {
    expect(await parseIn()).toEqual({ loaded: false });
  });

  it('for a configured pattern, which it validates', async () => {
    expect(await parseIn('INC-\\d{6}')).toEqual({ loaded: true });
    const bad = await parseIn('(a)\\1');
    expect(bad.loaded).toBe(true);
    expect(bad.error).toMatch(/spamReview\.ticketPattern: expected a regular expression in RE2 syntax/);
  });
});
