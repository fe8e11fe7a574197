/**
 * Configured numbers are finite and bounded, with the bound in the message (`1e400` parses to Infinity); user
 * patterns compile on the linear-time engine or are rejected naming why; a hostile pattern over a 10 kB subject
 * cannot stall a run.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../../src/shared/config/index.js';
import {
  compileUserPattern,
  DEFAULT_TICKET_PATTERN,
  PATTERN_INPUT_MAX,
} from '../../src/shared/config/user-pattern.js';
import { hintsFor } from '../../src/shared/review/hints.js';

const mailbox = (over: string) =>
  `{"mailboxes":[{"id":"desk","address":"desk@contoso.com","tenantId":"11111111-2222-3333-4444-555555555555",` +
  `"clientId":"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee","auth":{"mode":"password","password":{"env":"PW"}}${over}}]}`;

function issues(text: string): string[] {
  try {
    parseConfigText(text, 'test.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected the configuration to be rejected');
}

describe('numbers in the configuration', () => {
  it('rejects 1e400 (Infinity) everywhere, naming the field and the bound', () => {
    const cases: Array<[string, string]> = [
      [',"inbox":{"warnAfterMinutes":1e400}', 'inbox.warnAfterMinutes'],
      [',"inbox":{"critAfterMinutes":1e400}', 'inbox.critAfterMinutes'],
      [',"limits":{"warnPercent":1e400}', 'limits.warnPercent'],
      [',"limits":{"recipientsPerDay":1e400}', 'limits.recipientsPerDay'],
      [',"junk":{"warnUnreviewed":1e400}', 'junk.warnUnreviewed'],
      [',"deadlineSeconds":1e400', 'deadlineSeconds'],
      [',"inbox":{"maxMessageBytes":1e400}', 'inbox.maxMessageBytes'],
    ];
    for (const [over, field] of cases) {
      const found = issues(mailbox(over));
      expect(found.join('\n'), field).toMatch(new RegExp(`${field.replace('.', '\\.')}: .*at most \\d`));
    }
  });

  it('rejects numbers above the bound and says which bound', () => {
    expect(issues(mailbox(',"inbox":{"critAfterMinutes":50000}')).join('\n')).toContain(
      'inbox.critAfterMinutes: expected at most 43200 minutes',
    );
    expect(issues(mailbox(',"inbox":{"warnAfterMinutes":0}')).join('\n')).toContain(
      'expected more than 0 minutes',
    );
    const text = mailbox('').replace(/\}$/, ',"alerts":{"policy":{"remindAfterHours":1e400}}}');
    expect(issues(text).join('\n')).toMatch(/alerts\.policy\.remindAfterHours: .*at most 8760 hours/);
  });
});

describe('user patterns', () => {
  it('validation rejects what RE2 cannot compile, naming the field and why', () => {
    for (const bad of ['(a)\\\\1', '(?=x)y', '(?<!x)y', '[']) {
      const found = issues(mailbox(`,"spamReview":{"ticketPattern":"${bad}"}`)).join('\n');
      expect(found, bad).toMatch(/spamReview\.ticketPattern: expected a regular expression in RE2 syntax/);
    }
  });

  it('the default ticket pattern, which validation takes as valid without the engine, compiles under RE2', () => {
    const ticket = compileUserPattern(DEFAULT_TICKET_PATTERN);
    expect(ticket.find('Re: [ESM-1234] Printer on the 3rd floor')).toBe('[ESM-1234]');
    expect(ticket.find('ESM-1234 without brackets')).toBeUndefined();
  });

  it('a hostile pattern over a 10 kB subject finishes at once and finds what it should', () => {
    // Against a backtracking RegExp, (a+)+$ on 48 "a"s and a "!" already blocks the event loop for minutes.
    const hostile = compileUserPattern('(a+)+$');
    const subject = 'a'.repeat(48) + '!' + 'b'.repeat(10_000);
    const known = { addresses: new Set<string>(), domains: new Set<string>() };
    const started = performance.now();
    expect(hintsFor('x@y.example', subject, known, hostile)).toEqual({ hints: [] });
    // Far below any mailbox deadline (60 s by default): the engine is linear and the input capped.
    expect(performance.now() - started).toBeLessThan(2_000);
    const ticket = compileUserPattern('ESM-\\d+');
    expect(ticket.find(`Re: ESM-42 ${'x'.repeat(10_000)}`)).toBe('ESM-42');
    // Only the first PATTERN_INPUT_MAX characters are looked at.
    expect(ticket.find(`${'x'.repeat(PATTERN_INPUT_MAX)} ESM-43`)).toBeUndefined();
  });
});
