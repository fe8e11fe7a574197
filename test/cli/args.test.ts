import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../src/cli/args.js';

const spec = { values: ['config', 'mailbox'], flags: ['json', 'help'] };

describe('CLI argument parsing (util.parseArgs, strict)', () => {
  it('reads values in both spellings and flags', () => {
    const a = parseArgs(['--config', 'a.json', '--mailbox=desk', '--json'], spec);
    expect(a.values).toEqual({ config: 'a.json', mailbox: 'desk' });
    expect([...a.flags]).toEqual(['json']);
  });

  it.each([
    [['--colour'], /^unknown option --colour$/],
    [['--config'], /^--config needs a value$/],
    [['--config', '--json'], /^--config needs a value$/],
    [['--config='], /^--config needs a value$/],
    [['--json=yes'], /^--json takes no value$/],
    [['--config', 'a', '--config', 'b'], /^--config given twice$/],
    [['check.json'], /^unexpected argument "check.json"$/],
  ])('%j is a usage error: %s', (argv, message) => {
    let caught: unknown;
    try {
      parseArgs(argv, spec);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as Error).message).toMatch(message);
  });
});
